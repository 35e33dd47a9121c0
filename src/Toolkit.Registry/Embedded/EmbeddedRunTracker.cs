using Toolkit.Storage;
using static Toolkit.Storage.Sql;

namespace Toolkit.Registry.Embedded;

/// <summary>
/// Keeps tracked pipeline runs (parameters, metrics, tags) in the embedded registry's database. Tracking a
/// run again (e.g. once when it starts and once when it ends) replaces its record; the run id is the key.
/// </summary>
public sealed class EmbeddedRunTracker : IRunTracker, IAsyncDisposable
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    private EmbeddedRunTracker(SqliteDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>Opens the tracker on the registry at <paramref name="root"/> (the same root as <see cref="EmbeddedRegistry"/>).</summary>
    public static async Task<EmbeddedRunTracker> OpenAsync(string root, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var database = await SqliteDatabase.OpenAsync(Path.Combine(Path.GetFullPath(root), EmbeddedRegistry.DatabaseFileName), durable: true, RegistrySchema.MigrateAsync, cancellationToken);
        return new EmbeddedRunTracker(database, time ?? TimeProvider.System);
    }

    public Task<string> TrackAsync(TrackedRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (string.IsNullOrWhiteSpace(run.RunId))
        {
            throw new RegistryException($"a tracked run of pipeline '{run.Pipeline}' needs a run id");
        }

        return _database.WriteAsync(
            async tx =>
            {
                await ExecuteAsync(
                    tx,
                    """
                    INSERT INTO tracked_runs (run_id, pipeline, status, started_at, finished_at, params_json, metrics_json, tags_json, recorded_at)
                    VALUES ($id, $pipeline, $status, $started, $finished, $params, $metrics, $tags, $recorded)
                    ON CONFLICT (run_id) DO UPDATE SET
                        pipeline = excluded.pipeline, status = excluded.status, started_at = excluded.started_at,
                        finished_at = excluded.finished_at, params_json = excluded.params_json,
                        metrics_json = excluded.metrics_json, tags_json = excluded.tags_json, recorded_at = excluded.recorded_at
                    """,
                    cancellationToken,
                    ("$id", run.RunId),
                    ("$pipeline", run.Pipeline),
                    ("$status", run.Status),
                    ("$started", FormatTime(run.StartedAt)),
                    ("$finished", run.FinishedAt is { } f ? FormatTime(f) : null),
                    ("$params", RegistryJson.Write(run.Parameters)),
                    ("$metrics", RegistryJson.Write(run.Metrics)),
                    ("$tags", RegistryJson.Write(run.Tags)),
                    ("$recorded", FormatTime(_time.GetUtcNow())));
                return run.RunId;
            },
            cancellationToken);
    }

    /// <summary>The tracked run with <paramref name="runId"/>, or null.</summary>
    public async Task<TrackedRun?> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var rows = await _database.ReadAsync(
            tx => QueryAsync(
                tx,
                "SELECT run_id, pipeline, status, started_at, finished_at, params_json, metrics_json, tags_json FROM tracked_runs WHERE run_id = $id",
                r => new TrackedRun
                {
                    RunId = r.GetString(0),
                    Pipeline = r.GetString(1),
                    Status = r.GetString(2),
                    StartedAt = ParseTime(r.GetString(3)),
                    FinishedAt = r.IsDBNull(4) ? null : ParseTime(r.GetString(4)),
                    Parameters = RegistryJson.ReadStrings(r.GetString(5)),
                    Metrics = RegistryJson.ReadNumbers(r.GetString(6)),
                    Tags = RegistryJson.ReadStrings(r.GetString(7)),
                },
                cancellationToken,
                ("$id", runId)),
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
