using Microsoft.Data.Sqlite;
using static Toolkit.Pipelines.Storage.MetadataRows;
using static Toolkit.Storage.Sql;

namespace Toolkit.Pipelines.Storage;

/// <summary>Builds lineage graphs from the step input/output tables inside one read transaction.</summary>
internal static class LineageQuery
{
    internal static async Task<LineageGraph?> ArtifactLineageAsync(SqliteTransaction tx, string root, CancellationToken cancellationToken)
    {
        var graph = new GraphBuilder(root);
        var queue = new Queue<string>();
        queue.Enqueue(root);
        var seen = new HashSet<string>(StringComparer.Ordinal) { root };
        var known = false;
        while (queue.Count > 0)
        {
            var digest = queue.Dequeue();
            var artifact = await ArtifactNodeAsync(tx, digest, cancellationToken);
            known |= artifact.Kind is not null;
            graph.Artifacts.Add(artifact);
            var producers = await QueryAsync(
                tx,
                """
                SELECT o.run_id, o.step, o.name FROM step_outputs o JOIN steps s ON s.run_id = o.run_id AND s.step = o.step
                WHERE o.digest = $digest ORDER BY s.started_at, o.run_id, o.step, o.name
                """,
                r => (Run: r.GetString(0), Step: r.GetString(1), Name: r.GetString(2)),
                cancellationToken,
                ("$digest", digest));
            foreach (var (run, step, name) in producers)
            {
                known = true;
                var stepNode = await StepNodeAsync(tx, run, step, cancellationToken);
                graph.Edges.Add(new LineageEdge { From = stepNode.Id, To = digest, Name = name, Kind = LineageEdgeKind.Output });
                if (!graph.StepIds.Add(stepNode.Id))
                {
                    continue;
                }

                graph.Steps.Add(stepNode);
                foreach (var input in await StepIoAsync(tx, "step_inputs", run, step, cancellationToken))
                {
                    graph.Edges.Add(new LineageEdge { From = input.Digest, To = stepNode.Id, Name = input.Name, Kind = LineageEdgeKind.Input });
                    if (seen.Add(input.Digest))
                    {
                        queue.Enqueue(input.Digest);
                    }
                }
            }
        }

        known |= await ScalarAsync(tx, "SELECT 1 FROM step_inputs WHERE digest = $digest LIMIT 1", cancellationToken, ("$digest", root)) is not null;
        return known ? graph.Build() : null;
    }

    internal static async Task<LineageGraph?> RunLineageAsync(SqliteTransaction tx, string runId, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(tx, "SELECT 1 FROM runs WHERE run_id = $id", cancellationToken, ("$id", runId)) is null)
        {
            return null;
        }

        var graph = new GraphBuilder(runId);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var steps = await QueryAsync(
            tx, "SELECT step FROM steps WHERE run_id = $id ORDER BY started_at IS NULL, started_at, step", r => r.GetString(0), cancellationToken, ("$id", runId));
        foreach (var step in steps)
        {
            var node = await StepNodeAsync(tx, runId, step, cancellationToken);
            graph.StepIds.Add(node.Id);
            graph.Steps.Add(node);
            foreach (var input in await StepIoAsync(tx, "step_inputs", runId, step, cancellationToken))
            {
                graph.Edges.Add(new LineageEdge { From = input.Digest, To = node.Id, Name = input.Name, Kind = LineageEdgeKind.Input });
                if (seen.Add(input.Digest))
                {
                    graph.Artifacts.Add(await ArtifactNodeAsync(tx, input.Digest, cancellationToken));
                }
            }

            foreach (var output in await StepIoAsync(tx, "step_outputs", runId, step, cancellationToken))
            {
                graph.Edges.Add(new LineageEdge { From = node.Id, To = output.Digest, Name = output.Name, Kind = LineageEdgeKind.Output });
                if (seen.Add(output.Digest))
                {
                    graph.Artifacts.Add(await ArtifactNodeAsync(tx, output.Digest, cancellationToken));
                }
            }
        }

        return graph.Build();
    }

    internal static async Task<LineageStep> StepNodeAsync(
        SqliteTransaction tx, string runId, string step, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            tx,
            """
            SELECT s.run_id, r.pipeline, s.step, s.component, s.status, s.params_json, r.git_commit, s.started_at
            FROM steps s JOIN runs r ON r.run_id = s.run_id WHERE s.run_id = $run AND s.step = $step
            """,
            r => new LineageStep
            {
                RunId = r.GetString(0),
                Pipeline = r.GetString(1),
                Step = r.GetString(2),
                Component = r.GetString(3),
                Status = ParseStepStatus(r.GetString(4)),
                ParamsJson = r.GetString(5),
                GitCommit = r.IsDBNull(6) ? null : r.GetString(6),
                StartedAt = r.IsDBNull(7) ? null : ParseTime(r.GetString(7)),
            },
            cancellationToken,
            ("$run", runId),
            ("$step", step));
        return rows[0];
    }

    internal static async Task<LineageArtifact> ArtifactNodeAsync(SqliteTransaction tx, string digest, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            tx, "SELECT digest, size, kind, media_type, created_at FROM artifacts WHERE digest = $digest", ReadArtifact, cancellationToken, ("$digest", digest));
        return rows.Count == 0
            ? new LineageArtifact { Digest = digest }
            : new LineageArtifact { Digest = digest, Size = rows[0].Size, Kind = rows[0].Kind, MediaType = rows[0].MediaType };
    }

    internal static Task<List<StepIoRecord>> StepIoAsync(
        SqliteTransaction tx, string table, string runId, string step, CancellationToken cancellationToken) =>
        QueryAsync(
            tx,
            $"SELECT run_id, step, name, digest FROM {table} WHERE run_id = $run AND step = $step ORDER BY name",
            ReadIo,
            cancellationToken,
            ("$run", runId),
            ("$step", step));

    internal sealed class GraphBuilder(string root)
    {
        public List<LineageArtifact> Artifacts { get; } = [];

        public List<LineageStep> Steps { get; } = [];

        public List<LineageEdge> Edges { get; } = [];

        public HashSet<string> StepIds { get; } = new(StringComparer.Ordinal);

        public LineageGraph Build() => new() { Root = root, Artifacts = Artifacts, Steps = Steps, Edges = Edges };
    }
}
