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

            // Paths on the command line are the user's, relative to the command's folder.
            string? PathOf(Option<string?> option) => parse.GetValue(option) is { } given ? context.PathOf(given) : null;
            var policyPath = RegistryAccess.PolicyPath(settings, name);
            GateCheckRequest request;
            if (parse.GetValue(run) is { } runId)
            {
                await using var workspace = await ProjectContext.OpenWorkspaceAsync(settings, ct);
                var found = await RunArtifacts.FindAsync(workspace, runId, ct);
                request = RunGate.ForRun(policyPath, runId, found, PathOf(report), PathOf(validation), PathOf(candidate));
            }
            else
            {
                request = new GateCheckRequest
                {
                    PolicyPath = policyPath,
                    EvaluationReportPath = PathOf(report) ?? throw new UsageException("give --report (an evaluation report) or --run (a pipeline run)."),
                    ValidationReportPath = PathOf(validation),
                    CandidateModelPath = PathOf(candidate),
                };
            }

            GateReport result;
            await using (var registry = await RegistryAccess.OpenAsync(settings, ct))
            {
                result = await RunGate.CheckAsync(settings, request, registry, ct);
            }

            if (parse.GetValue(markdown) is { } given)
            {
                var md = context.PathOf(given);
                Directory.CreateDirectory(Path.GetDirectoryName(md)!);
                await File.WriteAllTextAsync(md, result.ToMarkdown(), ct);
            }

            await context.Output.WriteAsync(parse.GetValue(json) ? result.ToJson() : result.ToMarkdown());
            return result.Passed
                ? ExitCodes.Ok
                : throw new CommandFailedException($"gate failed for '{name}': {RunGate.FailedChecks(result)}", ExitCodes.GateFailed);
        });
        command.Subcommands.Add(check);
        return command;
    }
}
