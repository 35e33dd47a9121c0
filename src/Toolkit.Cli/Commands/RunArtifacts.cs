using System.Globalization;
using System.Text.Json;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Cli.Commands;

/// <summary>What a pipeline run produced that the registry and gates need: model, reports, metrics.</summary>
internal sealed record RunArtifacts
{
    public required RunDetails Details { get; init; }

    /// <summary>Path and digest of the run's model: select/best's output, else the last step's "model".</summary>
    public required (string Path, string Digest, string Step) Model { get; init; }

    public string? EvaluationReportPath { get; init; }

    public string? ValidationReportPath { get; init; }

    public string? GateReportPath { get; init; }

    /// <summary>The held-out rows the model was judged on: the evaluate step's <c>test</c> input, else data/split's <c>test</c> output.</summary>
    public string? TestDataPath { get; init; }

    /// <summary>The rows the models trained on (the split's train output, else a trainer's train input), when the run has them.</summary>
    public string? TrainDataPath { get; init; }

    /// <summary>Metrics of the step that produced the model (held-out metrics of select/best).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public static async Task<RunArtifacts> FindAsync(Workspace workspace, string runId, CancellationToken cancellationToken)
    {
        var details = await workspace.Metadata.GetRunAsync(runId, cancellationToken)
            ?? throw new UsageException($"no run '{runId}'; see 'mlops runs list'.");
        if (details.Run.Status != RunStatus.Succeeded)
        {
            throw new UsageException($"run {runId} {details.Run.Status.ToString().ToLowerInvariant()}; only a succeeded run can be registered or gated.");
        }

        string? Output(Func<StepRecord, bool> which, string name)
        {
            var step = details.Steps.LastOrDefault(which);
            var output = step is null ? null : details.Outputs.FirstOrDefault(o => o.Step == step.Step && o.Name == name);
            return output is null ? null : workspace.Artifacts.PathOf(output.Digest);
        }

        string? Input(Func<StepRecord, bool> which, string name)
        {
            var step = details.Steps.LastOrDefault(which);
            var input = step is null ? null : details.Inputs.FirstOrDefault(i => i.Step == step.Step && i.Name == name);
            return input is null ? null : workspace.Artifacts.PathOf(input.Digest);
        }

        var modelStep = details.Steps.LastOrDefault(s => s.Component.StartsWith("select/", StringComparison.Ordinal))
            ?? details.Steps.LastOrDefault(s => details.Outputs.Any(o => o.Step == s.Step && o.Name == "model"))
            ?? throw new UsageException($"run {runId} produced no model (no step has a 'model' output).");
        var model = details.Outputs.First(o => o.Step == modelStep.Step && o.Name == "model");
        var parameters = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(details.Run.ParamsJson)!
            .ToDictionary(p => p.Key, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
        return new RunArtifacts
        {
            Details = details,
            Model = (workspace.Artifacts.PathOf(model.Digest), model.Digest, modelStep.Step),
            EvaluationReportPath = Output(s => s.Component.StartsWith("evaluate/", StringComparison.Ordinal), "report"),
            ValidationReportPath = Output(s => s.Component == "data/validate", "report"),
            GateReportPath = Output(s => s.Component == "gate/check", "gate"),
            TestDataPath = Input(s => s.Component.StartsWith("evaluate/", StringComparison.Ordinal), "test")
                ?? Output(s => s.Component == "data/split", "test"),
            TrainDataPath = Output(s => s.Component == "data/split", "train")
                ?? Input(s => s.Component.StartsWith("train/", StringComparison.Ordinal), "train"),
            Metrics = details.Metrics.Where(m => m.Step == modelStep.Step).ToDictionary(m => m.Name, m => m.Value, StringComparer.Ordinal),
            Parameters = parameters,
        };
    }

    public static string Describe(int version) => "v" + version.ToString(CultureInfo.InvariantCulture);
}
