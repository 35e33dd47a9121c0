using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Toolkit.Storage;
using static Toolkit.Pipelines.Storage.MetadataRows;
using static Toolkit.Storage.Sql;

namespace Toolkit.Pipelines.Storage;

/// <summary>
/// Run metadata in one SQLite file (WAL mode): runs, steps, artifacts, step inputs/outputs, metrics and the
/// step cache. Several processes may write the same file at once: every write is one <c>BEGIN IMMEDIATE</c>
/// transaction (the write lock is taken up front, so writers queue on the busy timeout instead of failing
/// on a lock upgrade). One instance holds one connection and serialises its own callers.
/// A process killed mid-run leaves its run <c>running</c>; <see cref="MarkAbandonedRunsAsync"/> settles those.
/// </summary>
public sealed class MetadataStore : IAsyncDisposable, IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly Random _random;

    private MetadataStore(SqliteDatabase database, TimeProvider time, Random random)
    {
        _database = database;
        _time = time;
        _random = random;
    }

    public string Path => _database.Path;

    /// <summary>The file could not be opened for writing (another user's store, a read-only mount): reads work, writes are refused naming it.</summary>
    public bool IsReadOnly => _database.IsReadOnly;

    /// <summary>Who owns runs created here (<c>host:pid</c>), used to tell abandoned runs from live ones.</summary>
    internal string Owner { get; set; } = Environment.MachineName + ":" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Test seam: whether a process id on this host is alive.</summary>
    internal Func<int, bool> IsProcessAlive { get; set; } = DefaultIsProcessAlive;

    /// <summary>Opens (creating and migrating as needed) the database at <paramref name="path"/>.</summary>
    /// <param name="path">The database file, e.g. <c>.toolkit/metadata.db</c>; its folder is created.</param>
    /// <param name="time">Clock for timestamps and run ids (default: system clock).</param>
    /// <param name="random">Source of run id suffixes (default: a shared random).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async Task<MetadataStore> OpenAsync(
        string path, TimeProvider? time = null, Random? random = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var database = await SqliteDatabase.OpenAsync(path, durable: false, MigrateAsync, cancellationToken);
        return new MetadataStore(database, time ?? TimeProvider.System, random ?? Random.Shared);
    }

    /// <summary>The schema version of the open database.</summary>
    public Task<int> SchemaVersionAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(
            async tx => Convert.ToInt32(
                await ScalarAsync(tx, "SELECT version FROM schema_version", cancellationToken), CultureInfo.InvariantCulture),
            cancellationToken);

    /// <summary>Starts a run: status <c>running</c>, started now, with a fresh sortable id.</summary>
    public Task<RunRecord> CreateRunAsync(NewRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrWhiteSpace(run.Pipeline);
        Digests.EnsureValid(run.PipelineDigest, nameof(run));
        EnsureJson(run.ParamsJson, nameof(run));
        return WriteAsync(
            async tx =>
            {
                var now = Now();
                string runId;
                do
                {
                    // The write lock is held, so a free id stays free until the insert.
                    runId = now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" +
                        _random.Next(0, 1 << 24).ToString("x6", CultureInfo.InvariantCulture);
                }
                while (await ScalarAsync(tx, "SELECT 1 FROM runs WHERE run_id = $id", cancellationToken, ("$id", runId)) is not null);

                await ExecuteAsync(
                    tx,
                    """
                    INSERT INTO runs (run_id, pipeline, pipeline_digest, status, started_at, params_json, git_commit, git_branch, owner)
                    VALUES ($id, $pipeline, $digest, 'running', $started, $params, $commit, $branch, $owner)
                    """,
                    cancellationToken,
                    ("$id", runId),
                    ("$pipeline", run.Pipeline),
                    ("$digest", run.PipelineDigest),
                    ("$started", FormatTime(now)),
                    ("$params", run.ParamsJson),
                    ("$commit", run.GitCommit),
                    ("$branch", run.GitBranch),
                    ("$owner", Owner));
                return new RunRecord
                {
                    RunId = runId,
                    Pipeline = run.Pipeline,
                    PipelineDigest = run.PipelineDigest,
                    Status = RunStatus.Running,
                    StartedAt = ParseTime(FormatTime(now)),
                    ParamsJson = run.ParamsJson,
                    GitCommit = run.GitCommit,
                    GitBranch = run.GitBranch,
                };
            },
            cancellationToken);
    }

    /// <summary>Sets a run's status and error (null clears it); a final status stamps the finish time (now),
    /// <c>running</c> clears it.</summary>
    public Task UpdateRunStatusAsync(
        string runId, RunStatus status, string? error = null, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async tx =>
            {
                var changed = await ExecuteAsync(
                    tx,
                    "UPDATE runs SET status = $status, finished_at = $finished, error = $error WHERE run_id = $id",
                    cancellationToken,
                    ("$status", ToText(status)),
                    ("$finished", status == RunStatus.Running ? null : FormatTime(Now())),
                    ("$error", error),
                    ("$id", runId));
                return changed == 0 ? throw RunNotFound(runId) : changed;
            },
            cancellationToken);

    /// <summary>Inserts or replaces the step <c>(RunId, Step)</c>.</summary>
    public Task UpsertStepAsync(StepRecord step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentException.ThrowIfNullOrWhiteSpace(step.Step);
        EnsureJson(step.ParamsJson, nameof(step));
        return WriteAsync(
            async tx =>
            {
                await EnsureRunAsync(tx, step.RunId, cancellationToken);
                return await ExecuteAsync(
                    tx,
                    """
                    INSERT INTO steps (run_id, step, component, status, started_at, finished_at, attempts, cached, exit_code, cache_key, params_json, error)
                    VALUES ($run, $step, $component, $status, $started, $finished, $attempts, $cached, $exit, $key, $params, $error)
                    ON CONFLICT (run_id, step) DO UPDATE SET
                        component = excluded.component, status = excluded.status, started_at = excluded.started_at,
                        finished_at = excluded.finished_at, attempts = excluded.attempts, cached = excluded.cached,
                        exit_code = excluded.exit_code, cache_key = excluded.cache_key, params_json = excluded.params_json,
                        error = excluded.error
                    """,
                    cancellationToken,
                    ("$run", step.RunId),
                    ("$step", step.Step),
                    ("$component", step.Component),
                    ("$status", ToText(step.Status)),
                    ("$started", step.StartedAt is { } s ? FormatTime(s) : null),
                    ("$finished", step.FinishedAt is { } f ? FormatTime(f) : null),
                    ("$attempts", step.Attempts),
                    ("$cached", step.Cached ? 1 : 0),
                    ("$exit", step.ExitCode),
                    ("$key", step.CacheKey),
                    ("$params", step.ParamsJson),
                    ("$error", step.Error));
            },
            cancellationToken);
    }

    /// <summary>Records an artifact's kind; the first record of a digest wins (its kind and creation time stay).</summary>
    public Task<ArtifactRecord> RecordArtifactAsync(
        ArtifactInfo artifact, string kind, string? mediaType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        Digests.EnsureValid(artifact.Digest, nameof(artifact));
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        return WriteAsync(
            async tx =>
            {
                await ExecuteAsync(
                    tx,
                    """
                    INSERT INTO artifacts (digest, size, kind, media_type, created_at) VALUES ($digest, $size, $kind, $media, $created)
                    ON CONFLICT (digest) DO NOTHING
                    """,
                    cancellationToken,
                    ("$digest", artifact.Digest),
                    ("$size", artifact.Size),
                    ("$kind", kind),
                    ("$media", mediaType),
                    ("$created", FormatTime(Now())));
                var rows = await QueryAsync(
                    tx, "SELECT digest, size, kind, media_type, created_at FROM artifacts WHERE digest = $digest", ReadArtifact, cancellationToken, ("$digest", artifact.Digest));
                return rows[0];
            },
            cancellationToken);
    }

    /// <summary>The recorded artifact, or null.</summary>
    public Task<ArtifactRecord?> GetArtifactAsync(string digest, CancellationToken cancellationToken = default) =>
        ReadAsync(
            async tx => (await QueryAsync(
                tx, "SELECT digest, size, kind, media_type, created_at FROM artifacts WHERE digest = $digest", ReadArtifact, cancellationToken, ("$digest", digest)))
                .FirstOrDefault(),
            cancellationToken);

    /// <summary>Records a step's named inputs and outputs (digests) in one transaction; a repeated name is replaced.</summary>
    public Task RecordStepIoAsync(
        string runId,
        string step,
        IReadOnlyDictionary<string, string> inputs,
        IReadOnlyDictionary<string, string> outputs,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        foreach (var digest in inputs.Values.Concat(outputs.Values))
        {
            Digests.EnsureValid(digest, inputs.Values.Contains(digest) ? nameof(inputs) : nameof(outputs));
        }

        return WriteAsync(
            async tx =>
            {
                await EnsureStepAsync(tx, runId, step, cancellationToken);
                foreach (var (table, items) in new[] { ("step_inputs", inputs), ("step_outputs", outputs) })
                {
                    foreach (var (name, digest) in items)
                    {
                        await ExecuteAsync(
                            tx,
                            $"INSERT OR REPLACE INTO {table} (run_id, step, name, digest) VALUES ($run, $step, $name, $digest)",
                            cancellationToken,
                            ("$run", runId),
                            ("$step", step),
                            ("$name", name),
                            ("$digest", digest));
                    }
                }

                return 0;
            },
            cancellationToken);
    }

    /// <summary>Records a step's metrics in one transaction; a repeated name is replaced. NaN is refused (SQLite stores it as NULL).</summary>
    public Task RecordMetricsAsync(
        string runId, string step, IReadOnlyDictionary<string, double> metrics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.FirstOrDefault(m => double.IsNaN(m.Value)) is { Key: not null } bad)
        {
            throw new ArgumentException($"metric '{bad.Key}' of step '{step}' is NaN; record only numbers", nameof(metrics));
        }

        return WriteAsync(
            async tx =>
            {
                await EnsureStepAsync(tx, runId, step, cancellationToken);
                foreach (var (name, value) in metrics)
                {
                    await ExecuteAsync(
                        tx,
                        "INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES ($run, $step, $name, $value)",
                        cancellationToken,
                        ("$run", runId),
                        ("$step", step),
                        ("$name", name),
                        ("$value", value));
                }

                return 0;
            },
            cancellationToken);
    }

    /// <summary>Runs newest first (by start time, then id), optionally of one pipeline. Statuses are as stored: call
    /// <see cref="MarkAbandonedRunsAsync"/> first to settle runs whose process died.</summary>
    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(
        int limit = 50, string? pipeline = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return ReadAsync(
            async tx => (IReadOnlyList<RunRecord>)await QueryAsync(
                tx,
                RunColumns + " WHERE ($pipeline IS NULL OR pipeline = $pipeline) ORDER BY started_at DESC, run_id DESC LIMIT $limit",
                ReadRun,
                cancellationToken,
                ("$pipeline", pipeline),
                ("$limit", limit)),
            cancellationToken);
    }

    /// <summary>A run with its steps, inputs, outputs and metrics; null when there is no such run.</summary>
    public Task<RunDetails?> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        ReadAsync(
            async tx =>
            {
                var run = (await QueryAsync(tx, RunColumns + " WHERE run_id = $id", ReadRun, cancellationToken, ("$id", runId))).FirstOrDefault();
                if (run is null)
                {
                    return null;
                }

                return new RunDetails
                {
                    Run = run,
                    Steps = await QueryAsync(
                        tx, StepColumns + " WHERE run_id = $id ORDER BY started_at IS NULL, started_at, step", ReadStep, cancellationToken, ("$id", runId)),
                    Inputs = await QueryAsync(
                        tx, "SELECT run_id, step, name, digest FROM step_inputs WHERE run_id = $id ORDER BY step, name", ReadIo, cancellationToken, ("$id", runId)),
                    Outputs = await QueryAsync(
                        tx, "SELECT run_id, step, name, digest FROM step_outputs WHERE run_id = $id ORDER BY step, name", ReadIo, cancellationToken, ("$id", runId)),
                    Metrics = await QueryAsync(
                        tx, "SELECT run_id, step, name, value FROM metrics WHERE run_id = $id ORDER BY step, name", ReadMetric, cancellationToken, ("$id", runId)),
                };
            },
            cancellationToken);

    /// <summary>
    /// Lineage of an artifact digest (<c>sha256:...</c>): every step that produced it (all of them when several
    /// runs produced the same content), their input artifacts, their producers, and so on down to sources
    /// (artifacts no recorded step produced). For a run id: the run's steps with their inputs and outputs.
    /// Null when the digest or run is unknown.
    /// </summary>
    public Task<LineageGraph?> GetLineageAsync(string digestOrRunId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(digestOrRunId);
        return ReadAsync(
            tx => digestOrRunId.StartsWith(Digests.Prefix, StringComparison.Ordinal)
                ? LineageQuery.ArtifactLineageAsync(tx, digestOrRunId, cancellationToken)
                : LineageQuery.RunLineageAsync(tx, digestOrRunId, cancellationToken),
            cancellationToken);
    }

    /// <summary>Records that <paramref name="outputs"/> (name to digest) are the result of the step keyed <paramref name="cacheKey"/>.</summary>
    public Task PutCacheAsync(
        string cacheKey, IReadOnlyDictionary<string, string> outputs, string runId, string step, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheKey);
        ArgumentNullException.ThrowIfNull(outputs);
        foreach (var digest in outputs.Values)
        {
            Digests.EnsureValid(digest, nameof(outputs));
        }

        return WriteAsync(
            tx => ExecuteAsync(
                tx,
                """
                INSERT OR REPLACE INTO cache_entries (cache_key, outputs_json, run_id, step, created_at)
                VALUES ($key, $outputs, $run, $step, $created)
                """,
                cancellationToken,
                ("$key", cacheKey),
                ("$outputs", WriteOutputs(outputs)),
                ("$run", runId),
                ("$step", step),
                ("$created", FormatTime(Now()))),
            cancellationToken);
    }

    /// <summary>The cached outputs of <paramref name="cacheKey"/>, only when every digest still exists
    /// (<paramref name="artifactExists"/>); otherwise null, so the step runs again.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> TryGetCacheAsync(
        string cacheKey, Func<string, bool> artifactExists, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifactExists);
        var json = await ReadAsync(
            tx => ScalarAsync(tx, "SELECT outputs_json FROM cache_entries WHERE cache_key = $key", cancellationToken, ("$key", cacheKey)),
            cancellationToken);
        if (json is not string text)
        {
            return null;
        }

        var outputs = ReadOutputs(text);
        return outputs.Values.All(artifactExists) ? outputs : null;
    }

    /// <summary>
    /// The cached outputs of <paramref name="cacheKey"/> when all are still in <paramref name="artifacts"/>
    /// and intact (a touched file is rehashed); otherwise null and the step runs again.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>?> TryGetCacheAsync(
        string cacheKey, ArtifactStore artifacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        if (await TryGetCacheAsync(cacheKey, artifacts.Contains, cancellationToken) is not { } outputs)
        {
            return null;
        }

        foreach (var digest in outputs.Values)
        {
            if (!await artifacts.IsIntactAsync(digest, cancellationToken))
            {
                return null;
            }
        }

        return outputs;
    }

    /// <summary>What SQLite's integrity and foreign-key checks report for this store; empty when sound.</summary>
    public Task<IReadOnlyList<string>> IntegrityProblemsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(
            async tx =>
            {
                var problems = new List<string>();
                problems.AddRange((await QueryAsync(tx, "PRAGMA integrity_check", r => r.GetString(0), cancellationToken)).Where(m => m != "ok"));
                problems.AddRange(await QueryAsync(
                    tx, "PRAGMA foreign_key_check", r => $"{r.GetString(0)} row {(r.IsDBNull(1) ? "?" : r.GetInt64(1).ToString(CultureInfo.InvariantCulture))} points at a missing {r.GetString(2)} row", cancellationToken));
                return (IReadOnlyList<string>)problems;
            },
            cancellationToken);

    /// <summary>Every digest a step consumed or produced, a cache entry points to, or a run's pipeline file has:
    /// what gc must keep (the caller adds digests held elsewhere, e.g. a model registry).</summary>
    public Task<IReadOnlySet<string>> ReferencedDigestsAsync(CancellationToken cancellationToken = default) =>
        DigestsAsync(withPipelines: true, cancellationToken);

    /// <summary>The digests that must be in the artifact store: what steps consumed or produced and what the cache points to.</summary>
    public Task<IReadOnlySet<string>> StepArtifactDigestsAsync(CancellationToken cancellationToken = default) =>
        DigestsAsync(withPipelines: false, cancellationToken);

    // A run's pipeline digest names the file it ran, which lives in the project, not in the store.
    private Task<IReadOnlySet<string>> DigestsAsync(bool withPipelines, CancellationToken cancellationToken) =>
        ReadAsync(
            async tx =>
            {
                var digests = new HashSet<string>(StringComparer.Ordinal);
                digests.UnionWith(await QueryAsync(
                    tx,
                    "SELECT digest FROM step_inputs UNION SELECT digest FROM step_outputs" + (withPipelines ? " UNION SELECT pipeline_digest FROM runs" : ""),
                    r => r.GetString(0),
                    cancellationToken));
                foreach (var json in await QueryAsync(tx, "SELECT outputs_json FROM cache_entries", r => r.GetString(0), cancellationToken))
                {
                    digests.UnionWith(ReadOutputs(json).Values);
                }

                return (IReadOnlySet<string>)digests;
            },
            cancellationToken);

    /// <summary>
    /// Settles runs left <c>running</c> by a process that died (kill -9, power loss): a run is abandoned when its
    /// owner process on this host is gone, or (any host) when it started more than <paramref name="olderThan"/> ago.
    /// Such runs become <c>failed</c> with an error saying so; their running steps <c>failed</c>, pending ones
    /// <c>cancelled</c>. Returns the ids it settled. Runs owned by another host are only settled by age.
    /// </summary>
    public Task<IReadOnlyList<string>> MarkAbandonedRunsAsync(TimeSpan? olderThan = null, CancellationToken cancellationToken = default) =>
        IsReadOnly ? Task.FromResult<IReadOnlyList<string>>([]) : WriteAsync(
            async tx =>
            {
                var now = Now();
                var running = await QueryAsync(
                    tx, "SELECT run_id, owner, started_at FROM runs WHERE status = 'running'", r => (Id: r.GetString(0), Owner: r.GetString(1), Started: ParseTime(r.GetString(2))), cancellationToken);
                var settled = new List<string>();
                foreach (var (id, owner, started) in running)
                {
                    var dead = OwnerIsGone(owner);
                    var old = olderThan is { } age && now - started > age;
                    if (!dead && !old)
                    {
                        continue;
                    }

                    var reason = dead
                        ? $"abandoned: its process ({owner}) ended without recording a result"
                        : $"abandoned: still running after {olderThan} (its process {owner} is presumed dead)";
                    var finished = FormatTime(now);
                    await ExecuteAsync(
                        tx,
                        "UPDATE runs SET status = 'failed', finished_at = $now, error = $error WHERE run_id = $id",
                        cancellationToken,
                        ("$now", finished),
                        ("$error", reason),
                        ("$id", id));
                    await ExecuteAsync(
                        tx,
                        """
                        UPDATE steps SET
                            status = CASE status WHEN 'running' THEN 'failed' ELSE 'cancelled' END,
                            finished_at = $now,
                            error = COALESCE(error, $error)
                        WHERE run_id = $id AND status IN ('running', 'pending')
                        """,
                        cancellationToken,
                        ("$now", finished),
                        ("$error", reason),
                        ("$id", id));
                    settled.Add(id);
                }

                return (IReadOnlyList<string>)settled;
            },
            cancellationToken);

    public void Dispose() => _database.Dispose();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private bool OwnerIsGone(string owner)
    {
        var colon = owner.LastIndexOf(':');
        if (colon < 0 || owner[..colon] != Environment.MachineName ||
            !int.TryParse(owner.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            // Another machine's process cannot be checked from here.
            return false;
        }

        return !IsProcessAlive(pid);
    }

    private static bool DefaultIsProcessAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private DateTimeOffset Now() => _time.GetUtcNow();

    private Task<T> WriteAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _database.WriteAsync(work, cancellationToken);

    private Task<T> ReadAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _database.ReadAsync(work, cancellationToken);

    private static Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        Sql.MigrateAsync(
            connection,
            MetadataSchema.Migrations,
            (found, known) => new InvalidOperationException(
                $"metadata database {connection.DataSource} has schema version {found}, newer than this toolkit knows ({known}); upgrade the toolkit"),
            cancellationToken);

    private static async Task EnsureRunAsync(SqliteTransaction tx, string runId, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(tx, "SELECT 1 FROM runs WHERE run_id = $id", cancellationToken, ("$id", runId)) is null)
        {
            throw RunNotFound(runId);
        }
    }

    private static async Task EnsureStepAsync(SqliteTransaction tx, string runId, string step, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(tx, "SELECT 1 FROM steps WHERE run_id = $id AND step = $step", cancellationToken, ("$id", runId), ("$step", step)) is null)
        {
            throw new KeyNotFoundException($"step '{step}' of run {runId} is not recorded; upsert the step first");
        }
    }

    private static KeyNotFoundException RunNotFound(string runId) => new($"run {runId} is not recorded in the metadata store");

    private static void EnsureJson(string json, string paramName)
    {
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"params are not valid JSON: {e.Message}", paramName, e);
        }
    }
}
