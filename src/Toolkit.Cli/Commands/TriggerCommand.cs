using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Toolkit.Pipelines.Project;
using Toolkit.GitHub;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Monitoring.Triggers;
using Toolkit.Registry;

namespace Toolkit.Cli.Commands;

/// <summary>
/// <c>mlops trigger check</c>: did the training data change since the version in a stage was trained (exit 3)?
/// <c>mlops trigger retrain</c>: start the retrain path, through GitHub (retrain.yml) inside Actions, else here.
/// </summary>
internal static class TriggerCommand
{
    /// <summary>The workflow <c>trigger retrain</c> dispatches inside GitHub.</summary>
    public const string RetrainWorkflow = "retrain.yml";

    public static Command Create(CliContext context)
    {
        var command = new Command("trigger", "Retraining triggers: new training data, and starting a retrain.");
        command.Subcommands.Add(CreateCheck(context));
        command.Subcommands.Add(CreateRetrain(context));
        return command;
    }

    private static Command CreateCheck(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The registered model." };
        var stage = new Option<string>("--stage") { Description = "The stage whose version is compared.", DefaultValueFactory = _ => Stages.Prod };
        var data = new Option<string?>("--data") { Description = "The training data now (a CSV or a folder of CSVs); default: the file the version's run read (data/load-csv)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("check", "Says whether the training data changed since the version in the stage was trained: exit 3 when it did, 0 when not.")
        {
            name, stage, data, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = ProjectContext.Settings(context);
            var model = parse.GetValue(name)!;
            var stageName = CheckStage(parse.GetValue(stage)!);
            await using var registry = await RegistryAccess.OpenAsync(settings, ct);
            var version = await StageVersionAsync(registry, model, stageName, ct);
            var trained = await TrainedDataAsync(settings, version, ct);
            var given = parse.GetValue(data) ?? trained.Path
                ?? throw new UsageException($"give --data: {model} v{version.Version} was not trained from a file the run names (no data/load-csv step in run {version.RunId ?? "-"}).");
            var current = DataFingerprint.Of(parse.GetValue(data) is null ? Path.GetFullPath(given, settings.Root) : context.PathOf(given), ct) with { Path = given };
            var verdict = new TrainingDataVerdict { Model = model, Stage = stageName, Version = version.Version, Trained = trained, Current = current };
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    model,
                    stage = stageName,
                    version = version.Version,
                    changed = verdict.Changed,
                    reason = verdict.Reason,
                    trained = new { digest = trained.Digest, source = trained.Source, path = trained.Path },
                    current = new { path = current.Path, digest = current.Digest, rows = current.Rows, columns = current.Columns.Count },
                }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(verdict.Reason);
            }

            return verdict.Changed ? ExitCodes.GateFailed : ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRetrain(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The model (models/NAME/model.yaml; its pipeline is model.yaml's 'pipeline', else pipelines/NAME.yaml)." };
        var reason = new Option<string>("--reason") { Description = "Why (recorded with the dev promotion in the audit log).", Required = true };
        var gitRef = new Option<string>("--ref") { Description = "Inside GitHub: the branch or tag retrain.yml runs on.", DefaultValueFactory = _ => "main" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("retrain", "Starts the retrain path: inside GitHub (GITHUB_TOKEN and GITHUB_REPOSITORY) dispatches .github/workflows/retrain.yml; elsewhere runs pipeline, gate, register and promote to dev here.")
        {
            name, reason, gitRef, json, GitHubAccess.Token, GitHubAccess.Repository, GitHubAccess.ApiUrl,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = ProjectContext.Settings(context);
            var model = parse.GetValue(name)!;
            var why = parse.GetValue(reason)!.ReplaceLineEndings(" ").Replace('"', '\'').Trim();
            if (why.Length == 0)
            {
                throw new UsageException("--reason must say why.");
            }

            var policy = Toolkit.Gates.ModelPolicy.Load(RegistryAccess.PolicyPath(settings, model));
            var github = GitHubAccess.Settings(GitHubAccess.Overrides(parse));
            if (github.HasToken && github.Repository is not null)
            {
                var request = new WorkflowDispatchRequest
                {
                    Workflow = RetrainWorkflow,
                    Ref = parse.GetValue(gitRef)!,
                    Inputs = new Dictionary<string, string>(StringComparer.Ordinal) { ["model"] = model, ["reason"] = why },
                };
                await GitHubAccess.TranslateAsync(async () =>
                {
                    await new GitHubWorkflows(github, GitHubAccess.Options(context, parse)).DispatchAsync(request, ct);
                    return true;
                });
                if (parse.GetValue(json))
                {
                    await JsonOutput.WriteAsync(context.Output, new { mode = "github", model, reason = why, repository = github.Repository, workflow = RetrainWorkflow, @ref = request.Ref }, ct);
                }
                else
                {
                    await context.Output.WriteLineAsync($"dispatched {RetrainWorkflow} on {request.Ref} in {github.Repository} for {model}: {why}");
                }

                return ExitCodes.Ok;
            }

            // model.yaml's pipeline is a path relative to the project (docs/model-policy.md).
            var pipeline = (policy.Pipeline ?? $"pipelines/{model}.yaml").Replace('\\', '/');
            if (!File.Exists(Path.GetFullPath(pipeline, settings.Root)))
            {
                throw new UsageException($"{pipeline} does not exist: retraining '{model}' runs its pipeline (model.yaml 'pipeline', else pipelines/{model}.yaml).");
            }

            var retrain = new LocalRetrain(context, settings.Root, model, pipeline, "retrain: " + why);
            var (exit, runId, version) = await retrain.RunAsync(ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { mode = "local", model, reason = why, run_id = runId, version, stage = version is null ? null : Stages.Dev, commands = retrain.Commands, exit_code = exit }, ct);
            }
            else if (exit == ExitCodes.Ok)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"retrained {model}: run {runId}, v{version} in dev ({why})"));
            }

            return exit;
        });
        return command;
    }

    private static string CheckStage(string stage) =>
        Stages.Ordered.Contains(stage) ? stage : throw new UsageException($"unknown stage '{stage}'; stages: {string.Join(", ", Stages.Ordered)}");

    internal static async Task<ModelVersion> StageVersionAsync(IModelRegistry registry, string model, string stage, CancellationToken ct)
    {
        if (await registry.GetModelAsync(model, ct) is null)
        {
            throw await RegistryAccess.UnknownModelAsync(registry, model, ct);
        }

        return await registry.GetByAliasAsync(model, stage, ct)
            ?? throw new RegistryException($"no version of '{model}' holds stage {stage}; nothing to compare with (see 'mlops model show {model}')");
    }

    /// <summary>
    /// What the version was trained on: the content digest of the dataset its run read in (the output of its
    /// data/load-csv or data/synthesize step, with the file the run recorded), else the digest the version records
    /// (the digest of the rows the model itself was fitted on, so only the same training table matches it).
    /// </summary>
    private static async Task<TrainedData> TrainedDataAsync(ProjectSettings settings, ModelVersion version, CancellationToken ct)
    {
        if (version.RunId is { } runId)
        {
            await using var workspace = await ProjectContext.OpenWorkspaceAsync(settings, ct);
            if (await workspace.Metadata.GetRunAsync(runId, ct) is { } details
                && details.Steps.FirstOrDefault(s => s.Component is "data/load-csv" or "data/synthesize") is { } step
                && details.Outputs.FirstOrDefault(o => o.Step == step.Step && o.Name == "dataset") is { } dataset
                && File.Exists(workspace.Artifacts.PathOf(dataset.Digest)))
            {
                var digest = DataDigest.Compute(CsvReader.Read(workspace.Artifacts.PathOf(dataset.Digest), ct: ct));
                string? path = null;
                if (details.Inputs.FirstOrDefault(i => i.Step == step.Step && i.Name == "source") is { } source
                    && File.Exists(workspace.Artifacts.PathOf(source.Digest)))
                {
                    using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(workspace.Artifacts.PathOf(source.Digest), ct));
                    path = doc.RootElement.TryGetProperty("path", out var p) ? p.GetString() : null;
                }

                return new TrainedData(digest, $"run {runId} step {step.Step} ({step.Component})", path);
            }
        }

        return version.DataDigest is { } recorded
            ? new TrainedData(recorded, $"the data digest {version.Model} v{version.Version} records", null)
            : throw new UsageException($"{version.Model} v{version.Version} records no training data (no run in this project's store, no data digest).");
    }

    /// <summary>
    /// The retrain path without GitHub, as Cake's Pipeline → Gate → Register → Promote tasks run it (docs/monitoring.md):
    /// <c>mlops pipeline run P --json</c>, <c>mlops gate check --model M --run R --markdown artifacts/gate/M.md</c>,
    /// <c>mlops model register --model M --run R --json</c>, <c>mlops model promote M --version V --to dev --reason "retrain: …"</c>.
    /// Each runs in this process, in the project's folder; the first that fails ends it with its exit code.
    /// </summary>
    private sealed class LocalRetrain(CliContext context, string root, string model, string pipeline, string reason)
    {
        public List<string> Commands { get; } = [];

        public async Task<(int Exit, string? RunId, int? Version)> RunAsync(CancellationToken ct)
        {
            var (exit, run) = await StepAsync(ct, "pipeline", "run", pipeline, "--json");
            if (exit != ExitCodes.Ok)
            {
                return (exit, null, null);
            }

            var runId = run!.RootElement.GetProperty("run_id").GetString()!;
            (exit, _) = await StepAsync(ct, "gate", "check", "--model", model, "--run", runId, "--markdown", $"artifacts/gate/{model}.md");
            if (exit != ExitCodes.Ok)
            {
                return (exit, runId, null);
            }

            (exit, var registered) = await StepAsync(ct, "model", "register", "--model", model, "--run", runId, "--json");
            if (exit != ExitCodes.Ok)
            {
                return (exit, runId, null);
            }

            var version = registered!.RootElement.GetProperty("version").GetInt32();
            (exit, _) = await StepAsync(ct, "model", "promote", model, "--version", version.ToString(CultureInfo.InvariantCulture), "--to", Stages.Dev, "--reason", reason);
            return (exit, runId, exit == ExitCodes.Ok ? version : null);
        }

        private async Task<(int Exit, JsonDocument? Json)> StepAsync(CancellationToken ct, params string[] args)
        {
            var line = "mlops " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
            Commands.Add(line);
            await context.Error.WriteLineAsync("mlops: retrain: " + line);
            using var output = new StringWriter(CultureInfo.InvariantCulture);
            var exit = await CliApp.RunAsync(args, output, context.Error, root, ct);
            var text = output.ToString();
            var json = args[^1] == "--json" && exit == ExitCodes.Ok ? JsonDocument.Parse(text) : null;
            if (json is null && text.Length > 0)
            {
                await context.Error.WriteAsync(text);
            }

            return (exit, json);
        }
    }
}
