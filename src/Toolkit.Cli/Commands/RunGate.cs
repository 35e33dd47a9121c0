using System.Globalization;
using Toolkit.Components.Gate;
using Toolkit.Gates;
using Toolkit.Pipelines.Project;
using Toolkit.Registry;

namespace Toolkit.Cli.Commands;

/// <summary>
/// The one way the command line judges a pipeline run against a model's policy: <c>mlops gate check --run</c>
/// and <c>mlops model register --run</c> both build the request here and evaluate it with
/// <see cref="GateRunner"/> (the champion from the project's registry), so registration can never
/// disagree with the gate check.
/// </summary>
internal static class RunGate
{
    /// <summary>The request for <paramref name="run"/>: its evaluation and validation reports and its model, unless given.</summary>
    public static GateCheckRequest ForRun(string policyPath, string runId, RunArtifacts run, string? report = null, string? validation = null, string? candidate = null) => new()
    {
        PolicyPath = policyPath,
        EvaluationReportPath = report ?? run.EvaluationReportPath
            ?? throw new UsageException($"run {runId} has no evaluate step, so the policy ({policyPath}) cannot be checked; pass --report, or run a pipeline that evaluates its model."),
        ValidationReportPath = validation ?? run.ValidationReportPath,
        CandidateModelPath = candidate ?? run.Model.Path,
    };

    public static Task<GateReport> CheckAsync(ProjectSettings settings, GateCheckRequest request, IModelRegistry registry, CancellationToken cancellationToken) =>
        GateRunner.RunAsync(request, registry, Path.Combine(settings.Store, "tmp", "gate"), cancellationToken);

    /// <summary>The checks that failed, by name with what was measured against what was required, comma-separated.</summary>
    public static string FailedChecks(GateReport report) =>
        string.Join(", ", report.Checks.Where(c => c.Status == CheckStatus.Failed).Select(Failure));

    private static string Failure(GateCheck check) => check switch
    {
        { Kind: CheckKind.Threshold, Value: { } value, Threshold: { } threshold } =>
            string.Create(CultureInfo.InvariantCulture, $"{check.Name} ({value:0.####}, needs {check.Op} {threshold:0.####})"),
        { Kind: CheckKind.Regression, Value: { } value, ChampionValue: { } champion, Threshold: { } limit } =>
            string.Create(CultureInfo.InvariantCulture, $"{check.Name} ({value:0.####} against the champion's {champion:0.####}, {check.Op} {limit:0.####})"),
        { Note: { Length: > 0 } note } => $"{check.Name} ({note})",
        _ => check.Name,
    };
}
