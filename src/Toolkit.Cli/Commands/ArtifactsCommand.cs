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
        command.Subcommands.Add(CreateVerify(context));
        return command;
    }

    private static Command CreateVerify(CliContext context)
    {
        var repair = new Option<bool>("--repair") { Description = "Remove damaged and unreferenced artifacts and leftover temp files, so the next run recomputes them." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var verify = new Command("verify", "Rehashes every artifact, checks metadata.db (integrity, foreign keys), reports missing, unreferenced and leftover files; exit 1 on damage.")
        {
            repair, json,
        };
        verify.SetAction(async (parse, ct) =>
        {
            await using var workspace = await ProjectContext.OpenWorkspaceAsync(ProjectContext.Settings(context), ct);
            var fix = parse.GetValue(repair);
            var referenced = await workspace.Metadata.ReferencedDigestsAsync(ct);
            var database = await workspace.Metadata.IntegrityProblemsAsync(ct);
            var artifacts = workspace.Artifacts.Enumerate().ToList();
            var damaged = new List<string>();
            var unreferenced = new List<string>();
            for (var i = 0; i < artifacts.Count; i++)
            {
                var digest = artifacts[i].Digest;
                if (!await workspace.Artifacts.VerifyAsync(digest, ct))
                {
                    damaged.Add(digest);
                }
                else if (!referenced.Contains(digest))
                {
                    unreferenced.Add(digest);
                }

                if ((i + 1) % 500 == 0)
                {
                    await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  checked {i + 1}/{artifacts.Count} artifacts"));
                }
            }

            var present = artifacts.Select(a => a.Digest).ToHashSet(StringComparer.Ordinal);
            var missing = (await workspace.Metadata.StepArtifactDigestsAsync(ct)).Where(d => !present.Contains(d)).Order(StringComparer.Ordinal).ToList();
            var temps = workspace.Artifacts.LeftoverTemps().ToList();
            var stamps = workspace.Artifacts.OrphanStamps().ToList();
            if (fix)
            {
                foreach (var digest in damaged.Concat(unreferenced))
                {
                    workspace.Artifacts.Remove(digest);
                }

                var cutoff = DateTime.UtcNow - Pipelines.Storage.ArtifactStore.StaleTempAge;
                foreach (var temp in temps.Where(t => t.LastWriteTimeUtc < cutoff))
                {
                    temp.Delete();
                }

                stamps.ForEach(File.Delete);
            }

            // Damage is what a run could trust wrongly or not find; unreferenced and leftover files only take space.
            var damage = damaged.Count + missing.Count + database.Count;
            var remaining = fix ? missing.Count + database.Count : damage;
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    @checked = artifacts.Count,
                    damaged,
                    missing,
                    unreferenced = unreferenced.Count,
                    temp_files = temps.Count,
                    database,
                    repaired = fix,
                    ok = remaining == 0,
                }, ct);
            }
            else
            {
                foreach (var digest in damaged)
                {
                    await context.Output.WriteLineAsync($"damaged: {digest} (its content no longer matches its name){(fix ? "; removed" : "")}");
                }

                foreach (var digest in missing)
                {
                    await context.Output.WriteLineAsync($"missing: {digest} (a run or cache entry refers to it)");
                }

                foreach (var problem in database)
                {
                    await context.Output.WriteLineAsync($"metadata.db: {problem}");
                }

                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"checked {artifacts.Count} artifact(s): {damaged.Count} damaged, {missing.Count} missing, {unreferenced.Count} unreferenced, {temps.Count} leftover temp file(s); metadata.db {(database.Count == 0 ? "sound" : $"{database.Count} problem(s)")}{(fix ? "; repaired what can be" : damage > 0 ? "; 'mlops artifacts verify --repair' removes the damaged files so the next run recomputes them" : "")}"));
            }

            return remaining == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return verify;
    }
}
