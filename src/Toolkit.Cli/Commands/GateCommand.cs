using System.CommandLine;
using Toolkit.Components.Gate;
using Toolkit.Gates;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops gate check</c>: a candidate against its model's policy; exit code 3 when a gate fails.</summary>
internal static class GateCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("gate", "Check candidates against models/<name>/model.yaml.");
        var model = new Option<string>("--model") { Description = "The model (its policy is models/<model>/model.yaml).", Required = true };
        var report = new Option<string?>("--report") { Description = "The evaluation report (evaluate/* output)." };
        var run = new Option<string?>("--run") { Description = "Take the reports and the model from this pipeline run instead." };
        var validation = new Option<string?>("--validation") { Description = "The data validation report, for data checks." };
        var candidate = new Option<string?>("--candidate") { Description = "The candidate model file, for size and signature checks." };
        var json = new Option<bool>("--json") { Description = "Print the gate report as JSON." };
        var markdown = new Option<string?>("--markdown") { Description = "Also write the report as Markdown (for a pull request) to this file." };
        var check = new Command("check", "Runs every gate: thresholds, no regression against prod, data checks, model checks. Exit code 3 when one fails.")
        {
            model, report, run, validation, candidate, json, markdown,
        };
        check.SetAction(async (parse, ct) =>
        {
            var settings = ProjectContext.Settings(context);
            var name = parse.GetValue(model)!;
            var request = new GateCheckRequest
            {
                PolicyPath = RegistryAccess.PolicyPath(settings, name),
                EvaluationReportPath = parse.GetValue(report) is { } r ? context.PathOf(r) : "",
                ValidationReportPath = parse.GetValue(validation) is { } v ? context.PathOf(v) : null,
                CandidateModelPath = parse.GetValue(candidate) is { } c ? context.PathOf(c) : null,
            };
            if (parse.GetValue(run) is { } runId)
            {
                await using var workspace = await ProjectContext.OpenWorkspaceAsync(settings, ct);
                var found = await RunArtifacts.FindAsync(workspace, runId, ct);
                request = request with
                {
                    EvaluationReportPath = (parse.GetValue(report) is { } r2 ? context.PathOf(r2) : null) ?? found.EvaluationReportPath
                        ?? throw new UsageException($"run {runId} has no evaluate step; pass --report."),
                    ValidationReportPath = request.ValidationReportPath ?? found.ValidationReportPath,
                    CandidateModelPath = request.CandidateModelPath ?? found.Model.Path,
                };
            }
            else if (request.EvaluationReportPath.Length == 0)
            {
                throw new UsageException("give --report (an evaluation report) or --run (a pipeline run).");
            }

            GateReport result;
            await using (var registry = await RegistryAccess.OpenAsync(settings, ct))
            {
                result = await GateRunner.RunAsync(request, registry, Path.Combine(settings.Store, "tmp", "gate"), ct);
            }

            if (parse.GetValue(markdown) is { } given)
            {
                var md = context.PathOf(given);
                Directory.CreateDirectory(Path.GetDirectoryName(md)!);
                await File.WriteAllTextAsync(md, result.ToMarkdown(), ct);
            }

            await context.Output.WriteAsync(parse.GetValue(json) ? result.ToJson() : result.ToMarkdown());
            if (!result.Passed)
            {
                await context.Error.WriteLineAsync($"mlops: gate failed for '{name}': {string.Join(", ", result.Checks.Where(c => c.Status == CheckStatus.Failed).Select(c => c.Name))}");
            }

            return result.Passed ? ExitCodes.Ok : ExitCodes.GateFailed;
        });
        command.Subcommands.Add(check);
        return command;
    }
}
