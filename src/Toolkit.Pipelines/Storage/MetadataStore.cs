using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

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
    /// <summary>How long a writer waits for another process's transaction before giving up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private MetadataStore(SqliteConnection connection, TimeProvider time, Random random, string path)
    {
        _connection = connection;
        _time = time;
        _random = random;
        Path = path;
    }

    public string Path { get; }

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
        var fullPath = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,

            // One long-lived connection per store; pooling would keep the file open after Dispose.
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, null, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};", cancellationToken);
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken);
            await ExecuteAsync(connection, null, "PRAGMA synchronous = NORMAL;", cancellationToken);
            await ExecuteAsync(connection, null, "PRAGMA foreign_keys = ON;", cancellationToken);
            await MigrateAsync(connection, cancellationToken);
            return new MetadataStore(connection, time ?? TimeProvider.System, random ?? Random.Shared, fullPath);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
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
                ? ArtifactLineageAsync(tx, digestOrRunId, cancellationToken)
                : RunLineageAsync(tx, digestOrRunId, cancellationToken),
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

    /// <summary>The cached outputs of <paramref name="cacheKey"/> when all are still in <paramref name="artifacts"/>.</summary>
    public Task<IReadOnlyDictionary<string, string>?> TryGetCacheAsync(
        string cacheKey, ArtifactStore artifacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        return TryGetCacheAsync(cacheKey, artifacts.Contains, cancellationToken);
    }

    /// <summary>Every digest a step consumed or produced, a cache entry points to, or a run's pipeline file has:
    /// what gc must keep (the caller adds digests held elsewhere, e.g. a model registry).</summary>
    public Task<IReadOnlySet<string>> ReferencedDigestsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(
            async tx =>
            {
                var digests = new HashSet<string>(StringComparer.Ordinal);
                digests.UnionWith(await QueryAsync(
                    tx, "SELECT digest FROM step_inputs UNION SELECT digest FROM step_outputs UNION SELECT pipeline_digest FROM runs", r => r.GetString(0), cancellationToken));
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
        WriteAsync(
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

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _gate.Dispose();
    }

    private const string RunColumns =
        "SELECT run_id, pipeline, pipeline_digest, status, started_at, finished_at, params_json, git_commit, git_branch, error FROM runs";

    private const string StepColumns =
        "SELECT run_id, step, component, status, started_at, finished_at, attempts, cached, exit_code, cache_key, params_json, error FROM steps";

    private async Task<LineageGraph?> ArtifactLineageAsync(SqliteTransaction tx, string root, CancellationToken cancellationToken)
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

    private async Task<LineageGraph?> RunLineageAsync(SqliteTransaction tx, string runId, CancellationToken cancellationToken)
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

    private static async Task<LineageStep> StepNodeAsync(
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

    private static async Task<LineageArtifact> ArtifactNodeAsync(SqliteTransaction tx, string digest, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            tx, "SELECT digest, size, kind, media_type, created_at FROM artifacts WHERE digest = $digest", ReadArtifact, cancellationToken, ("$digest", digest));
        return rows.Count == 0
            ? new LineageArtifact { Digest = digest }
            : new LineageArtifact { Digest = digest, Size = rows[0].Size, Kind = rows[0].Kind, MediaType = rows[0].MediaType };
    }

    private static Task<List<StepIoRecord>> StepIoAsync(
        SqliteTransaction tx, string table, string runId, string step, CancellationToken cancellationToken) =>
        QueryAsync(
            tx,
            $"SELECT run_id, step, name, digest FROM {table} WHERE run_id = $run AND step = $step ORDER BY name",
            ReadIo,
            cancellationToken,
            ("$run", runId),
            ("$step", step));

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

    private async Task<T> WriteAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // deferred: false issues BEGIN IMMEDIATE: take the write lock now, waiting out other writers.
            await using var tx = _connection.BeginTransaction(deferred: false);
            var result = await work(tx);
            await tx.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<T> ReadAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // A read transaction gives multi-query reads one consistent snapshot.
            await using var tx = _connection.BeginTransaction(deferred: true);
            var result = await work(tx);
            await tx.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var tx = connection.BeginTransaction(deferred: false);
        await ExecuteAsync(tx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", cancellationToken);
        var current = await ScalarAsync(tx, "SELECT version FROM schema_version", cancellationToken);
        var version = current is null ? 0 : Convert.ToInt32(current, CultureInfo.InvariantCulture);
        if (version > MetadataSchema.LatestVersion)
        {
            throw new InvalidOperationException(
                $"metadata database {connection.DataSource} has schema version {version}, newer than this toolkit knows ({MetadataSchema.LatestVersion}); upgrade the toolkit");
        }

        for (var next = version + 1; next <= MetadataSchema.LatestVersion; next++)
        {
            await ExecuteAsync(tx, MetadataSchema.Migrations[next - 1], cancellationToken);
        }

        if (current is null)
        {
            await ExecuteAsync(tx, "INSERT INTO schema_version (version) VALUES ($v)", cancellationToken, ("$v", MetadataSchema.LatestVersion));
        }
        else if (version != MetadataSchema.LatestVersion)
        {
            await ExecuteAsync(tx, "UPDATE schema_version SET version = $v", cancellationToken, ("$v", MetadataSchema.LatestVersion));
        }

        await tx.CommitAsync(cancellationToken);
    }

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

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, (string Name, object? Value)[] args)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static Task<int> ExecuteAsync(SqliteTransaction tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args) =>
        ExecuteAsync(tx.Connection!, tx, sql, cancellationToken, args);

    private static async Task<int> ExecuteAsync(
        SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(connection, tx, sql, args);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteTransaction tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(tx.Connection!, tx, sql, args);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private static async Task<List<T>> QueryAsync<T>(
        SqliteTransaction tx, string sql, Func<SqliteDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(tx.Connection!, tx, sql, args);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static RunRecord ReadRun(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        Pipeline = r.GetString(1),
        PipelineDigest = r.GetString(2),
        Status = ParseRunStatus(r.GetString(3)),
        StartedAt = ParseTime(r.GetString(4)),
        FinishedAt = r.IsDBNull(5) ? null : ParseTime(r.GetString(5)),
        ParamsJson = r.GetString(6),
        GitCommit = r.IsDBNull(7) ? null : r.GetString(7),
        GitBranch = r.IsDBNull(8) ? null : r.GetString(8),
        Error = r.IsDBNull(9) ? null : r.GetString(9),
    };

    private static StepRecord ReadStep(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        Step = r.GetString(1),
        Component = r.GetString(2),
        Status = ParseStepStatus(r.GetString(3)),
        StartedAt = r.IsDBNull(4) ? null : ParseTime(r.GetString(4)),
        FinishedAt = r.IsDBNull(5) ? null : ParseTime(r.GetString(5)),
        Attempts = r.GetInt32(6),
        Cached = r.GetInt32(7) != 0,
        ExitCode = r.IsDBNull(8) ? null : r.GetInt32(8),
        CacheKey = r.IsDBNull(9) ? null : r.GetString(9),
        ParamsJson = r.GetString(10),
        Error = r.IsDBNull(11) ? null : r.GetString(11),
    };

    private static ArtifactRecord ReadArtifact(SqliteDataReader r) => new()
    {
        Digest = r.GetString(0),
        Size = r.GetInt64(1),
        Kind = r.GetString(2),
        MediaType = r.IsDBNull(3) ? null : r.GetString(3),
        CreatedAt = ParseTime(r.GetString(4)),
    };

    private static StepIoRecord ReadIo(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        Step = r.GetString(1),
        Name = r.GetString(2),
        Digest = r.GetString(3),
    };

    private static MetricRecord ReadMetric(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        Step = r.GetString(1),
        Name = r.GetString(2),
        Value = r.GetDouble(3),
    };

    private static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static string ToText(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown run status"),
    };

    private static string ToText(StepStatus status) => status switch
    {
        StepStatus.Pending => "pending",
        StepStatus.Running => "running",
        StepStatus.Succeeded => "succeeded",
        StepStatus.Failed => "failed",
        StepStatus.Skipped => "skipped",
        StepStatus.Cached => "cached",
        StepStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown step status"),
    };

    private static RunStatus ParseRunStatus(string text) => Enum.GetValues<RunStatus>().First(s => ToText(s) == text);

    private static StepStatus ParseStepStatus(string text) => Enum.GetValues<StepStatus>().First(s => ToText(s) == text);

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

    private static string WriteOutputs(IReadOnlyDictionary<string, string> outputs)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, digest) in outputs.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, digest);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Dictionary<string, string> ReadOutputs(string json)
    {
        using var document = JsonDocument.Parse(json);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            outputs[property.Name] = property.Value.GetString() ?? string.Empty;
        }

        return outputs;
    }

    private sealed class GraphBuilder(string root)
    {
        public List<LineageArtifact> Artifacts { get; } = [];

        public List<LineageStep> Steps { get; } = [];

        public List<LineageEdge> Edges { get; } = [];

        public HashSet<string> StepIds { get; } = new(StringComparer.Ordinal);

        public LineageGraph Build() => new() { Root = root, Artifacts = Artifacts, Steps = Steps, Edges = Edges };
    }
}
