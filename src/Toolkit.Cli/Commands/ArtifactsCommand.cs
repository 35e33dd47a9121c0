using System.CommandLine;
using System.Globalization;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops artifacts</c>: the content-addressed store.</summary>
internal static class ArtifactsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("artifacts", "Manage the artifact store.");
        var dryRun = new Option<bool>("--dry-run") { Description = "Only report what would be removed." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var gc = new Command("gc", "Removes artifacts that no run, step or cache entry references (and stale temporary files).") { dryRun, json };
        gc.SetAction(async (parse, ct) =>
        {
            await using var workspace = await ProjectContext.OpenWorkspaceAsync(ProjectContext.Settings(context), ct);
            var referenced = await workspace.Metadata.ReferencedDigestsAsync(ct);
            var result = await workspace.Artifacts.CollectGarbageAsync(referenced, parse.GetValue(dryRun), ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { removed = result.Removed, bytes_freed = result.BytesFreed, kept = result.Kept, dry_run = parse.GetValue(dryRun) }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{(parse.GetValue(dryRun) ? "would remove" : "removed")} {result.Removed} artifact(s), {result.BytesFreed} bytes; kept {result.Kept}"));
            }

            return ExitCodes.Ok;
        });
        command.Subcommands.Add(gc);
        return command;
    }
}
