using Toolkit.Gates;
using Toolkit.Registry;

namespace Toolkit.Components.Gate;

/// <summary>What a gate check needs besides the policy: reports, the candidate file, where the champion lives.</summary>
public sealed record GateCheckRequest
{
    /// <summary>models/&lt;name&gt;/model.yaml.</summary>
    public required string PolicyPath { get; init; }

    /// <summary>The evaluation report (evaluate/* output).</summary>
    public required string EvaluationReportPath { get; init; }

    /// <summary>The data validation report (data/validate output), for data checks; null skips them.</summary>
    public string? ValidationReportPath { get; init; }

    /// <summary>The candidate model file (size and signature checks); null skips model checks.</summary>
    public string? CandidateModelPath { get; init; }

    /// <summary>Which evaluated model to judge; null: the report's best.</summary>
    public string? CandidateDigest { get; init; }
}

/// <summary>
/// Runs a model's gates: loads its policy, the reports and the candidate, finds the champion (the
/// version holding <c>prod</c> in the registry, when there is one) and evaluates every check.
/// Shared by <c>mlops gate check</c> and the <c>gate/check</c> component.
/// </summary>
public static class GateRunner
{
    public static async Task<GateReport> RunAsync(GateCheckRequest request, IModelRegistry? registry, string scratchDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var policy = ModelPolicy.Load(request.PolicyPath);
        var champion = registry is null ? null : await ChampionAsync(registry, policy.Name, scratchDirectory, cancellationToken);
        return Evaluate(policy, request, champion);
    }

    /// <summary>The gates against a champion already found (e.g. by the host, for a step in a container); null: no version in prod.</summary>
    public static GateReport Run(GateCheckRequest request, ChampionInfo? champion)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Evaluate(ModelPolicy.Load(request.PolicyPath), request, champion);
    }

    private static GateReport Evaluate(ModelPolicy policy, GateCheckRequest request, ChampionInfo? champion) =>
        GateEvaluator.Evaluate(policy, new GateInputs
        {
            Evaluation = EvaluationReport.Load(request.EvaluationReportPath),
            CandidateDigest = request.CandidateDigest,
            CandidateModelPath = request.CandidateModelPath,
            Validation = request.ValidationReportPath is null ? null : ValidationReportData.Load(request.ValidationReportPath),
            Champion = champion,
        });

    /// <summary>The version in <c>prod</c> with its metrics and model file (downloaded for the signature check).</summary>
    public static async Task<ChampionInfo?> ChampionAsync(IModelRegistry registry, string model, string scratchDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var prod = await registry.GetByAliasAsync(model, Stages.Prod, cancellationToken);
        if (prod is null)
        {
            return null;
        }

        Directory.CreateDirectory(scratchDirectory);
        var path = Path.Combine(scratchDirectory, "champion-" + ModelFileNames.Of(prod));
        await registry.DownloadModelAsync(model, prod.Version, path, cancellationToken);
        return new ChampionInfo { Version = prod.Version, Digest = prod.Digest, Metrics = prod.Metrics, ModelPath = path };
    }
}
