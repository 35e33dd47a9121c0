using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops runs</c> and <c>mlops lineage</c>: what ran, and where an artifact came from.</summary>
internal static class RunsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("runs", "Lists and shows pipeline runs recorded in the metadata store.");
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateShow(context));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var limit = new Option<int>("--limit") { Description = "How many runs (newest first).", DefaultValueFactory = _ => 20 }.Within(1, 100_000);
        var pipeline = new Option<string?>("--pipeline") { Description = "Only runs of this pipeline." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("list", "Lists recent runs, newest first.") { limit, pipeline, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var workspace = await ProjectContext.OpenWorkspaceAsync(ProjectContext.Settings(context), ct);
            var runs = await workspace.Metadata.ListRunsAsync(Math.Max(1, parse.GetValue(limit)), parse.GetValue(pipeline), ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { runs = runs.Select(RunJson) }, ct);
                return ExitCodes.Ok;
            }

            if (runs.Count == 0)
            {
                await context.Output.WriteLineAsync("no runs yet");
            }

            foreach (var r in runs)
            {
                var took = r.FinishedAt is { } f ? (f - r.StartedAt).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s" : "-";
                await context.Output.WriteLineAsync($"{r.RunId}  {r.Pipeline,-16} {Name(r.Status),-10} {r.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  {took,8}  {Short(r.GitCommit)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var id = new Argument<string>("run-id") { Description = "The run id (from 'mlops runs list' or a run's JSON)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("show", "Shows one run: its steps, outputs and metrics.") { id, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var workspace = await ProjectContext.OpenWorkspaceAsync(ProjectContext.Settings(context), ct);
            var runId = parse.GetValue(id)!;
            var details = await workspace.Metadata.GetRunAsync(runId, ct)
                ?? throw new UsageException($"no run '{runId}'; see 'mlops runs list'.");
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    run = RunJson(details.Run),
                    steps = details.Steps.Select(s => new
                    {
                        name = s.Step,
                        component = s.Component,
                        status = Name(s.Status),
                        cached = s.Cached,
                        attempts = s.Attempts,
                        exit_code = s.ExitCode,
                        started_at = s.StartedAt,
                        finished_at = s.FinishedAt,
                        cache_key = s.CacheKey,
                        @params = JsonDocument.Parse(s.ParamsJson).RootElement,
                        error = s.Error,
                        inputs = details.Inputs.Where(i => i.Step == s.Step).ToDictionary(i => i.Name, i => i.Digest),
                        outputs = details.Outputs.Where(o => o.Step == s.Step).ToDictionary(o => o.Name, o => o.Digest),
                        metrics = details.Metrics.Where(m => m.Step == s.Step).ToDictionary(m => m.Name, m => m.Value),
                    }),
                }, ct);
                return ExitCodes.Ok;
            }

            var r = details.Run;
            await context.Output.WriteLineAsync($"run {r.RunId} of '{r.Pipeline}': {Name(r.Status)}, started {r.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, commit {Short(r.GitCommit)} on {r.GitBranch ?? "-"}");
            await context.Output.WriteLineAsync($"params {r.ParamsJson}");
            foreach (var s in details.Steps)
            {
                await context.Output.WriteLineAsync($"  {s.Step,-20} {Name(s.Status),-10} {s.Component}{(s.Error is null ? "" : "  " + s.Error)}");
                foreach (var o in details.Outputs.Where(o => o.Step == s.Step))
                {
                    await context.Output.WriteLineAsync($"      -> {o.Name,-12} {o.Digest}");
                }

                foreach (var m in details.Metrics.Where(m => m.Step == s.Step && !m.Name.StartsWith("train_", StringComparison.Ordinal)))
                {
                    await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"      {m.Name,-15} {m.Value:0.######}"));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateLineage(CliContext context)
    {
        var target = new Argument<string>("artifact-or-run") { Description = "An artifact digest (sha256:...) or a run id." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (nodes and edges)." };
        var command = new Command("lineage", "Shows where an artifact came from: the steps that produced it, from what, with which parameters and commit.") { target, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var workspace = await ProjectContext.OpenWorkspaceAsync(ProjectContext.Settings(context), ct);
            var key = parse.GetValue(target)!;
            var graph = await workspace.Metadata.GetLineageAsync(key, ct)
                ?? throw new UsageException($"nothing recorded for '{key}': not a known artifact digest or run id.");
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    root = graph.Root,
                    artifacts = graph.Artifacts.Select(a => new { digest = a.Digest, kind = a.Kind, size = a.Size }),
                    steps = graph.Steps.Select(s => new
                    {
                        id = s.Id,
                        run_id = s.RunId,
                        pipeline = s.Pipeline,
                        step = s.Step,
                        component = s.Component,
                        @params = JsonDocument.Parse(s.ParamsJson).RootElement,
                        git_commit = s.GitCommit,
                    }),
                    edges = graph.Edges.Select(e => new { from = e.From, to = e.To, name = e.Name, kind = e.Kind.ToString().ToLowerInvariant() }),
                }, ct);
                return ExitCodes.Ok;
            }

            await WriteTreeAsync(context.Output, graph, graph.Root, "", new HashSet<string>(StringComparer.Ordinal));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Prints lineage as a tree from the root back to the sources.</summary>
    private static async Task WriteTreeAsync(TextWriter output, LineageGraph graph, string node, string indent, HashSet<string> seen)
    {
        if (node.StartsWith("sha256:", StringComparison.Ordinal))
        {
            var a = graph.Artifacts.FirstOrDefault(x => x.Digest == node);
            await output.WriteLineAsync($"{indent}{node} ({a?.Kind ?? "artifact"}{(a?.Size is { } size ? string.Create(CultureInfo.InvariantCulture, $", {size} bytes") : "")})");
            if (!seen.Add(node))
            {
                return;
            }

            foreach (var e in graph.Edges.Where(e => e.Kind == LineageEdgeKind.Output && e.To == node))
            {
                await WriteTreeAsync(output, graph, e.From, indent + "  <- ", seen);
            }

            return;
        }

        var s = graph.Steps.FirstOrDefault(x => x.Id == node);
        if (s is null)
        {
            // The root may be a run id: list its steps' outputs.
            foreach (var step in graph.Steps.Where(x => x.RunId == node))
            {
                await WriteTreeAsync(output, graph, step.Id, indent, seen);
            }

            return;
        }

        await output.WriteLineAsync($"{indent}step {s.Step} ({s.Component}) in run {s.RunId} of '{s.Pipeline}', commit {Short(s.GitCommit)}, params {s.ParamsJson}");
        if (!seen.Add(node))
        {
            return;
        }

        foreach (var e in graph.Edges.Where(e => e.Kind == LineageEdgeKind.Input && e.To == node))
        {
            await WriteTreeAsync(output, graph, e.From, indent.Replace("<- ", "   ", StringComparison.Ordinal) + "  <- ", seen);
        }
    }

    private static object RunJson(RunRecord r) => new
    {
        run_id = r.RunId,
        pipeline = r.Pipeline,
        status = Name(r.Status),
        started_at = r.StartedAt,
        finished_at = r.FinishedAt,
        pipeline_digest = r.PipelineDigest,
        @params = JsonDocument.Parse(r.ParamsJson).RootElement,
        git_commit = r.GitCommit,
        git_branch = r.GitBranch,
        error = r.Error,
    };

    private static string Name(RunStatus s) => s.ToString().ToLowerInvariant();

    private static string Name(StepStatus s) => s.ToString().ToLowerInvariant();

    private static string Short(string? commit) => commit is null ? "-" : commit[..Math.Min(10, commit.Length)];
}
