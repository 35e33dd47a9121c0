using Microsoft.Data.Sqlite;
using Toolkit.Ml.Models;
using Toolkit.Storage;
using Toolkit.Registry.Promotion;
using Toolkit.Registry.Signing;
using static Toolkit.Storage.Sql;

namespace Toolkit.Registry.Embedded;

/// <summary>
/// The registry that needs no server: one SQLite file (<c>registry.db</c>) for models, versions, aliases,
/// audit events, model cards, gate reports and smoke samples, and model files stored by content digest beside it.
/// Several processes may use the same root at once; each instance holds its own connection.
/// </summary>
public sealed class EmbeddedRegistry : IModelRegistry, IAtomicAliasMove
{
    public const string DefaultRoot = ".toolkit/registry";

    public const string DatabaseFileName = "registry.db";

    private const string VersionColumns =
        "model, version, digest, created_at, created_by, run_id, pipeline, data_digest, params_json, metrics_json, gate_passed, git_commit, git_branch";

    // Read with every version (for 'model show'); the sample itself is read only when asked for.
    private const string SmokeRowsColumn =
        "(SELECT s.rows FROM smoke_samples s WHERE s.model = versions.model AND s.version = versions.version)";

    private const string SignatureColumns =
        "(SELECT g.key_id FROM version_signatures g WHERE g.model = versions.model AND g.version = versions.version), " +
        "(SELECT g.signature FROM version_signatures g WHERE g.model = versions.model AND g.version = versions.version), " +
        "(SELECT g.signed_at FROM version_signatures g WHERE g.model = versions.model AND g.version = versions.version)";
    private const string HasProfileColumn =
        "EXISTS (SELECT 1 FROM reference_profiles p WHERE p.model = versions.model AND p.version = versions.version)";

    // A version registered before flavors has no row: it is a .tkm.
    private const string FlavorColumn =
        "COALESCE((SELECT f.flavor FROM version_flavors f WHERE f.model = versions.model AND f.version = versions.version), 'tkm')";

    private readonly SqliteDatabase _database;
    private readonly ModelStore _store;
    private readonly TimeProvider _time;

    private EmbeddedRegistry(SqliteDatabase database, string root, TimeProvider time)
    {
        _database = database;
        _store = new ModelStore(root);
        _store.SweepAbandonedTemps(); // a registration killed mid-copy leaves its temp; the next command removes it
        _time = time;
        Root = root;
    }

    public string Backend => "embedded";

    /// <summary>The registry folder (absolute).</summary>
    public string Root { get; }

    /// <summary>
    /// Test seam: runs inside the registration transaction just before its commit, to stand for a process
    /// that dies with the file stored and the transaction still open.
    /// </summary>
    internal Func<CancellationToken, Task>? BeforeRegisterCommit { get; set; }

    /// <summary>Opens the registry at <paramref name="root"/> (e.g. <see cref="DefaultRoot"/>), creating and migrating it as needed.</summary>
    public static async Task<EmbeddedRegistry> OpenAsync(string root, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var fullRoot = Path.GetFullPath(root);
        var database = await SqliteDatabase.OpenAsync(Path.Combine(fullRoot, DatabaseFileName), durable: true, RegistrySchema.MigrateAsync, cancellationToken);
        return new EmbeddedRegistry(database, fullRoot, time ?? TimeProvider.System);
    }

    public async Task<RegisterResult> StoreVersionAsync(VerifiedRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var digest = registration.Digest;

        // The file goes in first: a row must never exist without its file, while a file without a row is harmless.
        await _store.StoreAsync(registration.Content, digest, registration.Flavor, cancellationToken);

        return await _database.WriteAsync(
            async tx =>
            {
                var existing = await ReadVersionsAsync(tx, "model = $model AND digest = $digest", cancellationToken, ("$model", registration.Model), ("$digest", digest));
                if (existing.Count > 0)
                {
                    return new RegisterResult(existing[0], Created: false);
                }

                var now = ParseTime(FormatTime(_time.GetUtcNow()));
                await ExecuteAsync(
                    tx,
                    "INSERT OR IGNORE INTO models (name, created_at) VALUES ($model, $at)",
                    cancellationToken,
                    ("$model", registration.Model),
                    ("$at", FormatTime(now)));

                // The write lock is held since BEGIN IMMEDIATE, so max + 1 stays free until the insert.
                var number = Convert.ToInt32(
                    await ScalarAsync(tx, "SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE model = $model", cancellationToken, ("$model", registration.Model)),
                    System.Globalization.CultureInfo.InvariantCulture);
                var version = registration.ToVersion(number, now);
                await ExecuteAsync(
                    tx,
                    $"INSERT INTO versions ({VersionColumns}) VALUES ($model, $version, $digest, $at, $by, $run, $pipeline, $data, $params, $metrics, $gate, $commit, $branch)",
                    cancellationToken,
                    ("$model", version.Model),
                    ("$version", version.Version),
                    ("$digest", version.Digest),
                    ("$at", FormatTime(now)),
                    ("$by", version.CreatedBy),
                    ("$run", version.RunId),
                    ("$pipeline", version.Pipeline),
                    ("$data", version.DataDigest),
                    ("$params", RegistryJson.Write(version.Parameters)),
                    ("$metrics", RegistryJson.Write(version.Metrics)),
                    ("$gate", version.GatePassed is { } g ? (g ? 1 : 0) : null),
                    ("$commit", version.GitCommit),
                    ("$branch", version.GitBranch));
                await ExecuteAsync(
                    tx,
                    "INSERT INTO version_flavors (model, version, flavor) VALUES ($model, $version, $flavor)",
                    cancellationToken,
                    ("$model", version.Model),
                    ("$version", version.Version),
                    ("$flavor", version.Flavor));
                await ExecuteAsync(
                    tx,
                    "INSERT INTO model_cards (model, version, markdown) VALUES ($model, $version, $markdown)",
                    cancellationToken,
                    ("$model", version.Model),
                    ("$version", version.Version),
                    ("$markdown", registration.ModelCardFor(version)));
                if (registration.GateReport is { } gateReport)
                {
                    await ExecuteAsync(
                        tx,
                        "INSERT INTO gate_reports (model, version, report_json) VALUES ($model, $version, $report)",
                        cancellationToken,
                        ("$model", version.Model),
                        ("$version", version.Version),
                        ("$report", gateReport));
                }

                if (registration.SmokeSampleJson is { } smokeSample)
                {
                    await ExecuteAsync(
                        tx,
                        "INSERT INTO smoke_samples (model, version, rows, sample_json) VALUES ($model, $version, $rows, $sample)",
                        cancellationToken,
                        ("$model", version.Model),
                        ("$version", version.Version),
                        ("$rows", version.SmokeRows),
                        ("$sample", smokeSample));
                }

                if (registration.ProfileJson is { } profile)
                {
                    await ExecuteAsync(
                        tx,
                        "INSERT INTO reference_profiles (model, version, profile_json) VALUES ($model, $version, $profile)",
                        cancellationToken,
                        ("$model", version.Model),
                        ("$version", version.Version),
                        ("$profile", profile));
                }

                await AppendAuditAsync(tx, version.Model, AuditAction.Register, version.Version, null, null, new AuditInfo(version.CreatedBy!, null), now, cancellationToken);
                if (BeforeRegisterCommit is { } hook)
                {
                    await hook(cancellationToken);
                }

                return new RegisterResult(version, Created: true);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken cancellationToken = default) =>
        _database.ReadAsync(
            async tx =>
            {
                var models = await QueryAsync(
                    tx,
                    "SELECT m.name, m.created_at, (SELECT MAX(version) FROM versions v WHERE v.model = m.name) FROM models m ORDER BY m.name",
                    r => (Name: r.GetString(0), CreatedAt: ParseTime(r.GetString(1)), Latest: r.GetInt32(2)),
                    cancellationToken);
                var aliases = await QueryAsync(
                    tx, "SELECT model, alias, version FROM aliases", r => (Model: r.GetString(0), Alias: r.GetString(1), Version: r.GetInt32(2)), cancellationToken);
                return (IReadOnlyList<RegisteredModel>)models
                    .Select(m => new RegisteredModel
                    {
                        Name = m.Name,
                        CreatedAt = m.CreatedAt,
                        LatestVersion = m.Latest,
                        Aliases = aliases.Where(a => a.Model == m.Name).ToDictionary(a => a.Alias, a => a.Version, StringComparer.Ordinal),
                    })
                    .ToList();
            },
            cancellationToken);

    public async Task<RegisteredModel?> GetModelAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var all = await ListModelsAsync(cancellationToken);
        return all.FirstOrDefault(m => m.Name == model);
    }

    public Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _database.ReadAsync(
            async tx => (IReadOnlyList<ModelVersion>)await ReadVersionsAsync(tx, "model = $model", cancellationToken, ("$model", model)),
            cancellationToken);
    }

    public async Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rows = await _database.ReadAsync(
            tx => ReadVersionsAsync(tx, "model = $model AND version = $version", cancellationToken, ("$model", model), ("$version", version)),
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<ModelVersion?> GetByAliasAsync(string model, string alias, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(alias);
        var rows = await _database.ReadAsync(
            tx => ReadVersionsAsync(
                tx,
                "model = $model AND version = (SELECT a.version FROM aliases a WHERE a.model = $model AND a.alias = $alias)",
                cancellationToken,
                ("$model", model),
                ("$alias", alias)),
            cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task SetAliasAsync(string model, string alias, int version, AuditAction action, AuditInfo audit, CancellationToken cancellationToken = default) =>
        SetAliasCoreAsync(model, alias, version, action, audit, null, cancellationToken);

    Task IAtomicAliasMove.SetAliasIfAsync(
        string model, string alias, int version, AuditAction action, AuditInfo audit, IReadOnlyDictionary<string, int?> expectedHolders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedHolders);
        return SetAliasCoreAsync(model, alias, version, action, audit, expectedHolders, cancellationToken);
    }

    private Task SetAliasCoreAsync(
        string model, string alias, int version, AuditAction action, AuditInfo audit, IReadOnlyDictionary<string, int?>? expectedHolders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ModelNames.Ensure(model);
        RegistryNames.EnsureAlias(alias);
        if (action is not (AuditAction.Promote or AuditAction.Rollback))
        {
            throw new ArgumentException("An alias moves by a promotion or a rollback, not by a registration or a deployment.", nameof(action));
        }

        if (string.IsNullOrWhiteSpace(audit.Actor))
        {
            throw new RegistryException($"moving '{alias}' of '{model}' needs an actor (who does it) for the audit log");
        }

        return _database.WriteAsync(
            async tx =>
            {
                await EnsureVersionAsync(tx, model, version, cancellationToken);
                foreach (var (expectedAlias, expectedVersion) in expectedHolders ?? new Dictionary<string, int?>())
                {
                    var holder = await ScalarAsync(
                        tx, "SELECT version FROM aliases WHERE model = $model AND alias = $alias", cancellationToken, ("$model", model), ("$alias", expectedAlias));
                    var actual = holder is null ? (int?)null : Convert.ToInt32(holder, System.Globalization.CultureInfo.InvariantCulture);
                    if (actual != expectedVersion)
                    {
                        throw new RegistryException(
                            $"{expectedAlias} of '{model}' changed while moving {alias}: it is {Holder(actual)}, it was {Holder(expectedVersion)} when checked; nothing was moved, try again");
                    }
                }

                var previous = await ScalarAsync(
                    tx, "SELECT version FROM aliases WHERE model = $model AND alias = $alias", cancellationToken, ("$model", model), ("$alias", alias));
                var now = _time.GetUtcNow();
                await ExecuteAsync(
                    tx,
                    """
                    INSERT INTO aliases (model, alias, version, updated_at) VALUES ($model, $alias, $version, $at)
                    ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at
                    """,
                    cancellationToken,
                    ("$model", model),
                    ("$alias", alias),
                    ("$version", version),
                    ("$at", FormatTime(now)));
                var previousVersion = previous is null ? (int?)null : Convert.ToInt32(previous, System.Globalization.CultureInfo.InvariantCulture);
                await AppendAuditAsync(tx, model, action, version, alias, previousVersion, audit, now, cancellationToken);
                return 0;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<AuditEvent>> HistoryAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _database.ReadAsync(
            async tx => (IReadOnlyList<AuditEvent>)await QueryAsync(
                tx,
                "SELECT seq, model, action, version, stage, previous_version, actor, reason, approvals_json, at FROM audit_events WHERE model = $model ORDER BY seq",
                r => new AuditEvent
                {
                    Sequence = r.GetInt64(0),
                    Model = r.GetString(1),
                    Action = ParseAction(r.GetString(2)),
                    Version = r.GetInt32(3),
                    Stage = GetNullableString(r, 4),
                    PreviousVersion = GetNullableInt32(r, 5),
                    Actor = r.GetString(6),
                    Reason = GetNullableString(r, 7),
                    Approvals = RegistryJson.ReadList(r.GetString(8)),
                    At = ParseTime(r.GetString(9)),
                },
                cancellationToken,
                ("$model", model)),
            cancellationToken);
    }

    public Task AppendDeploymentEventAsync(string model, int version, string stage, AuditAction action, AuditInfo audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ModelNames.Ensure(model);
        RegistryNames.EnsureAlias(stage);
        if (action is not (AuditAction.Deploy or AuditAction.Undeploy))
        {
            throw new ArgumentException("A deployment event is a deploy or an undeploy.", nameof(action));
        }

        if (string.IsNullOrWhiteSpace(audit.Actor))
        {
            throw new RegistryException($"a deployment of '{model}' needs an actor (who does it) for the audit log");
        }

        return _database.WriteAsync(
            async tx =>
            {
                await EnsureVersionAsync(tx, model, version, cancellationToken);
                await AppendAuditAsync(tx, model, action, version, stage, null, audit, _time.GetUtcNow(), cancellationToken);
                return 0;
            },
            cancellationToken);
    }

    public async Task DownloadModelAsync(string model, int version, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        var (digest, flavor) = await _database.ReadAsync(
            async tx =>
            {
                await EnsureVersionAsync(tx, model, version, cancellationToken);
                var row = await QueryAsync(
                    tx,
                    $"SELECT digest, {FlavorColumn} FROM versions WHERE model = $model AND version = $version",
                    r => (Digest: r.GetString(0), Flavor: r.GetString(1)),
                    cancellationToken,
                    ("$model", model),
                    ("$version", version));
                return row[0];
            },
            cancellationToken);
        var bytes = await _store.ReadStoredAsync(model, version, digest, flavor, cancellationToken);

        var full = Path.GetFullPath(destinationPath);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await stream.WriteAsync(bytes, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public Task SetSignatureAsync(string model, int version, VersionSignature signature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return _database.WriteAsync(
            async tx =>
            {
                await EnsureVersionAsync(tx, model, version, cancellationToken);
                await ExecuteAsync(
                    tx,
                    "INSERT OR REPLACE INTO version_signatures (model, version, key_id, signature, signed_at) VALUES ($model, $version, $key, $signature, $at)",
                    cancellationToken,
                    ("$model", model),
                    ("$version", version),
                    ("$key", signature.KeyId),
                    ("$signature", signature.Value),
                    ("$at", FormatTime(signature.SignedAt)));
                return 0;
            },
            cancellationToken);
    }

    public Task<string?> GetModelCardAsync(string model, int version, CancellationToken cancellationToken = default) =>
        ReadTextAsync("SELECT markdown FROM model_cards WHERE model = $model AND version = $version", model, version, cancellationToken);

    public Task<string?> GetGateReportAsync(string model, int version, CancellationToken cancellationToken = default) =>
        ReadTextAsync("SELECT report_json FROM gate_reports WHERE model = $model AND version = $version", model, version, cancellationToken);

    public async Task<SmokeSample?> GetSmokeSampleAsync(string model, int version, CancellationToken cancellationToken = default)
    {
        var json = await ReadTextAsync("SELECT sample_json FROM smoke_samples WHERE model = $model AND version = $version", model, version, cancellationToken);
        return json is null
            ? null
            : SmokeSample.Parse(json, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the smoke sample of '{model}' v{version} in {Path.Combine(Root, DatabaseFileName)}"));
    }

    public Task<string?> GetProfileAsync(string model, int version, CancellationToken cancellationToken = default) =>
        ReadTextAsync("SELECT profile_json FROM reference_profiles WHERE model = $model AND version = $version", model, version, cancellationToken);

    /// <summary>The schema version of the open database.</summary>
    public Task<int> SchemaVersionAsync(CancellationToken cancellationToken = default) =>
        _database.ReadAsync(
            async tx => Convert.ToInt32(await ScalarAsync(tx, "SELECT version FROM schema_version", cancellationToken), System.Globalization.CultureInfo.InvariantCulture),
            cancellationToken);

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    /// <summary>Where the model file of <paramref name="digest"/> lives in the store.</summary>
    internal string StoredPathOf(string digest, string flavor = ModelFlavors.Tkm) => _store.PathOf(digest, flavor);

    private static string Holder(int? version) => version is { } v ? "version " + v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "held by no version";

    private static async Task EnsureVersionAsync(SqliteTransaction tx, string model, int version, CancellationToken cancellationToken)
    {
        var versions = await QueryAsync(
            tx, "SELECT version FROM versions WHERE model = $model ORDER BY version", r => r.GetInt32(0), cancellationToken, ("$model", model));
        if (versions.Count == 0)
        {
            var models = await QueryAsync(tx, "SELECT name FROM models ORDER BY name", r => r.GetString(0), cancellationToken);
            throw new RegistryException(
                $"model '{model}' is not registered; registered models: {(models.Count == 0 ? "none" : string.Join(", ", models))}");
        }

        if (!versions.Contains(version))
        {
            throw new RegistryException($"model '{model}' has no version {version}; versions: {RegistryNames.DescribeVersions(versions)}");
        }
    }

    private static Task AppendAuditAsync(
        SqliteTransaction tx, string model, AuditAction action, int version, string? stage, int? previousVersion, AuditInfo audit, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync(
            tx,
            """
            INSERT INTO audit_events (model, action, version, stage, previous_version, actor, reason, approvals_json, at)
            VALUES ($model, $action, $version, $stage, $previous, $actor, $reason, $approvals, $at)
            """,
            cancellationToken,
            ("$model", model),
            ("$action", ActionText(action)),
            ("$version", version),
            ("$stage", stage),
            ("$previous", previousVersion),
            ("$actor", audit.Actor),
            ("$reason", audit.Reason),
            ("$approvals", RegistryJson.Write(audit.Approvals)),
            ("$at", FormatTime(at)));

    private static string ActionText(AuditAction action) => action switch
    {
        AuditAction.Register => "register",
        AuditAction.Promote => "promote",
        AuditAction.Rollback => "rollback",
        AuditAction.Deploy => "deploy",
        AuditAction.Undeploy => "undeploy",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "unknown audit action"),
    };

    private static AuditAction ParseAction(string text) => text switch
    {
        "register" => AuditAction.Register,
        "promote" => AuditAction.Promote,
        "rollback" => AuditAction.Rollback,
        "deploy" => AuditAction.Deploy,
        "undeploy" => AuditAction.Undeploy,
        _ => throw new InvalidDataException($"unknown audit action '{text}' in the registry database"),
    };

    private static async Task<List<ModelVersion>> ReadVersionsAsync(
        SqliteTransaction tx, string where, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        var rows = await QueryAsync(
            tx,
            $"SELECT {VersionColumns}, {SmokeRowsColumn}, {SignatureColumns}, {HasProfileColumn}, {FlavorColumn} FROM versions WHERE {where} ORDER BY model, version",
            r => new ModelVersion
            {
                Model = r.GetString(0),
                Version = r.GetInt32(1),
                Digest = r.GetString(2),
                CreatedAt = ParseTime(r.GetString(3)),
                CreatedBy = GetNullableString(r, 4),
                RunId = GetNullableString(r, 5),
                Pipeline = GetNullableString(r, 6),
                DataDigest = GetNullableString(r, 7),
                Parameters = RegistryJson.ReadStrings(r.GetString(8)),
                Metrics = RegistryJson.ReadNumbers(r.GetString(9)),
                GatePassed = r.IsDBNull(10) ? null : r.GetInt32(10) != 0,
                GitCommit = GetNullableString(r, 11),
                GitBranch = GetNullableString(r, 12),
                SmokeRows = r.IsDBNull(13) ? 0 : r.GetInt32(13),
                Signature = r.IsDBNull(14) ? null : new VersionSignature(r.GetString(14), r.GetString(15), ParseTime(r.GetString(16))),
                HasProfile = !r.IsDBNull(17) && r.GetInt64(17) != 0,
                Flavor = r.GetString(18),
            },
            cancellationToken,
            args);
        if (rows.Count == 0)
        {
            return rows;
        }

        var aliases = await QueryAsync(
            tx,
            "SELECT alias, version FROM aliases WHERE model = $model",
            r => (Alias: r.GetString(0), Version: r.GetInt32(1)),
            cancellationToken,
            ("$model", rows[0].Model));
        return [.. rows.Select(v => v with
        {
            Aliases = [.. aliases.Where(a => a.Version == v.Version).Select(a => a.Alias).OrderBy(StageRank).ThenBy(a => a, StringComparer.Ordinal)],
        })];
    }

    /// <summary>Stages in their order first, then any other alias.</summary>
    private static int StageRank(string alias)
    {
        var index = Stages.Ordered.ToList().IndexOf(alias);
        return index < 0 ? int.MaxValue : index;
    }

    private Task<string?> ReadTextAsync(string sql, string model, int version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _database.ReadAsync(
            async tx => (string?)await ScalarAsync(tx, sql, cancellationToken, ("$model", model), ("$version", version)),
            cancellationToken);
    }
}
