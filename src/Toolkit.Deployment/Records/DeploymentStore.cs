using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Toolkit.Storage;

namespace Toolkit.Deployment.Records;

/// <summary>
/// Every deployment of the project, in <c>&lt;store&gt;/deployments/deployments.db</c> (SQLite, WAL, one
/// <c>BEGIN IMMEDIATE</c> transaction per write): what was deployed where, how it was checked, and which one
/// is each stage's current (<c>active</c>) deployment.
/// </summary>
internal sealed class DeploymentStore : IAsyncDisposable
{
    public const string FileName = "deployments.db";

    private const string Columns =
        "id, model, version, stage, target, url, port, image, image_digest, container_id, pid, pid_started_at, log_path, digest, " +
        "deployed_at, deployed_by, smoke_passed, smoke_rows, load_json, status, stopped_at";

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE deployments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            model TEXT NOT NULL,
            version INTEGER NOT NULL,
            stage TEXT NOT NULL,
            target TEXT NOT NULL CHECK (target IN ('docker', 'process')),
            url TEXT NOT NULL,
            port INTEGER NOT NULL,
            image TEXT,
            image_digest TEXT,
            container_id TEXT,
            pid INTEGER,
            pid_started_at TEXT,
            log_path TEXT,
            digest TEXT NOT NULL,
            deployed_at TEXT NOT NULL,
            deployed_by TEXT NOT NULL,
            smoke_passed INTEGER CHECK (smoke_passed IN (0, 1)),
            smoke_rows INTEGER,
            load_json TEXT,
            status TEXT NOT NULL CHECK (status IN ('active', 'replaced', 'stopped')),
            stopped_at TEXT
        );
        CREATE UNIQUE INDEX deployments_one_active ON deployments (model, stage) WHERE status = 'active';
        CREATE INDEX deployments_by_model ON deployments (model, stage, id);
        """,
    ];

    private static readonly JsonSerializerOptions LoadJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    private DeploymentStore(SqliteDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    public string Path => _database.Path;

    public static async Task<DeploymentStore> OpenAsync(string deploymentsFolder, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var database = await SqliteDatabase.OpenAsync(
            System.IO.Path.Combine(deploymentsFolder, FileName),
            durable: true,
            (connection, ct) => Sql.MigrateAsync(
                connection,
                Migrations,
                (found, known) => new InvalidDataException(
                    $"deployments database {connection.DataSource} has schema version {found}, newer than this toolkit knows ({known}); upgrade the toolkit"),
                ct),
            cancellationToken);
        return new DeploymentStore(database, time ?? TimeProvider.System);
    }

    /// <summary>Records <paramref name="record"/> as the stage's active deployment; the one before it becomes <c>replaced</c>.</summary>
    public Task<DeploymentRecord> RecordAsync(DeploymentRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _database.WriteAsync(
            async tx =>
            {
                await Sql.ExecuteAsync(
                    tx,
                    "UPDATE deployments SET status = 'replaced', stopped_at = $at WHERE model = $model AND stage = $stage AND status = 'active'",
                    cancellationToken,
                    ("$model", record.Model),
                    ("$stage", record.Stage),
                    ("$at", Sql.FormatTime(_time.GetUtcNow())));
                var id = await Sql.ScalarAsync(
                    tx,
                    """
                    INSERT INTO deployments (model, version, stage, target, url, port, image, image_digest, container_id, pid, pid_started_at, log_path,
                        digest, deployed_at, deployed_by, smoke_passed, smoke_rows, load_json, status)
                    VALUES ($model, $version, $stage, $target, $url, $port, $image, $image_digest, $container_id, $pid, $pid_started_at, $log_path,
                        $digest, $deployed_at, $deployed_by, $smoke_passed, $smoke_rows, $load_json, 'active')
                    RETURNING id
                    """,
                    cancellationToken,
                    ("$model", record.Model),
                    ("$version", record.Version),
                    ("$stage", record.Stage),
                    ("$target", DeploymentTargets.Name(record.Target)),
                    ("$url", record.Url),
                    ("$port", record.Port),
                    ("$image", record.Image),
                    ("$image_digest", record.ImageDigest),
                    ("$container_id", record.ContainerId),
                    ("$pid", record.Pid),
                    ("$pid_started_at", record.PidStartedAt is { } started ? Sql.FormatTime(started) : null),
                    ("$log_path", record.LogPath),
                    ("$digest", record.Digest),
                    ("$deployed_at", Sql.FormatTime(record.DeployedAt)),
                    ("$deployed_by", record.DeployedBy),
                    ("$smoke_passed", record.Smoke is { } smoke ? (smoke.Passed ? 1 : 0) : null),
                    ("$smoke_rows", record.Smoke?.Rows),
                    ("$load_json", record.Load is { } load ? JsonSerializer.Serialize(load, LoadJson) : null));
                return record with { Id = Convert.ToInt64(id, CultureInfo.InvariantCulture), Status = DeploymentStatus.Active, StoppedAt = null };
            },
            cancellationToken);
    }

    /// <summary>The stage's active deployment, or null.</summary>
    public async Task<DeploymentRecord?> ActiveAsync(string model, string stage, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("status = 'active' AND model = $model AND stage = $stage", cancellationToken, ("$model", model), ("$stage", stage));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Every stage's active deployment, by model then stage order of deployment.</summary>
    public Task<IReadOnlyList<DeploymentRecord>> ActiveAsync(CancellationToken cancellationToken = default) =>
        QueryAsync("status = 'active'", cancellationToken);

    /// <summary>Every deployment of <paramref name="model"/>, oldest first.</summary>
    public Task<IReadOnlyList<DeploymentRecord>> HistoryAsync(string model, CancellationToken cancellationToken = default) =>
        QueryAsync("model = $model", cancellationToken, ("$model", model));

    /// <summary>After a restart the active deployment runs under another pid or container.</summary>
    public Task UpdateRunningAsync(long id, int? pid, DateTimeOffset? pidStartedAt, string? containerId, CancellationToken cancellationToken = default) =>
        _database.WriteAsync(
            tx => Sql.ExecuteAsync(
                tx,
                "UPDATE deployments SET pid = $pid, pid_started_at = $started, container_id = $container WHERE id = $id",
                cancellationToken,
                ("$id", id),
                ("$pid", pid),
                ("$started", pidStartedAt is { } s ? Sql.FormatTime(s) : null),
                ("$container", containerId)),
            cancellationToken);

    /// <summary>The deployment no longer runs (stopped, or found dead).</summary>
    public Task MarkStoppedAsync(long id, CancellationToken cancellationToken = default) =>
        _database.WriteAsync(
            tx => Sql.ExecuteAsync(
                tx,
                "UPDATE deployments SET status = 'stopped', stopped_at = $at WHERE id = $id AND status = 'active'",
                cancellationToken,
                ("$id", id),
                ("$at", Sql.FormatTime(_time.GetUtcNow()))),
            cancellationToken);

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private async Task<IReadOnlyList<DeploymentRecord>> QueryAsync(string where, CancellationToken cancellationToken, params (string Name, object? Value)[] args) =>
        await _database.ReadAsync(
            tx => Sql.QueryAsync(tx, $"SELECT {Columns} FROM deployments WHERE {where} ORDER BY model, stage, id", Read, cancellationToken, args),
            cancellationToken);

    private static DeploymentRecord Read(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Model = r.GetString(1),
        Version = r.GetInt32(2),
        Stage = r.GetString(3),
        Target = DeploymentTargets.Parse(r.GetString(4)),
        Url = r.GetString(5),
        Port = r.GetInt32(6),
        Image = Sql.GetNullableString(r, 7),
        ImageDigest = Sql.GetNullableString(r, 8),
        ContainerId = Sql.GetNullableString(r, 9),
        Pid = Sql.GetNullableInt32(r, 10),
        PidStartedAt = Sql.GetNullableString(r, 11) is { } started ? Sql.ParseTime(started) : null,
        LogPath = Sql.GetNullableString(r, 12),
        Digest = r.GetString(13),
        DeployedAt = Sql.ParseTime(r.GetString(14)),
        DeployedBy = r.GetString(15),
        Smoke = r.IsDBNull(16) ? null : new SmokeOutcome(r.GetInt32(16) == 1, Sql.GetNullableInt32(r, 17) ?? 0, []),
        Load = Sql.GetNullableString(r, 18) is { } load ? JsonSerializer.Deserialize<LoadFigures>(load, LoadJson) : null,
        Status = r.GetString(19),
        StoppedAt = Sql.GetNullableString(r, 20) is { } stopped ? Sql.ParseTime(stopped) : null,
    };
}
