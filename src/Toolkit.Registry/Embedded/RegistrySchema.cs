using Microsoft.Data.Sqlite;
using Toolkit.Storage;

namespace Toolkit.Registry.Embedded;

/// <summary>
/// The registry database's tables, as numbered migrations. A database newer than this toolkit is refused
/// rather than written with an older idea of the schema.
/// </summary>
internal static class RegistrySchema
{
    /// <summary>Migration N (1-based) brings the schema from version N-1 to N. Append only.</summary>
    internal static readonly string[] Migrations =
    [
        """
        CREATE TABLE models (
            name TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        );
        CREATE TABLE versions (
            model TEXT NOT NULL REFERENCES models (name),
            version INTEGER NOT NULL CHECK (version >= 1),
            digest TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT,
            run_id TEXT,
            pipeline TEXT,
            data_digest TEXT,
            params_json TEXT NOT NULL,
            metrics_json TEXT NOT NULL,
            gate_passed INTEGER CHECK (gate_passed IN (0, 1)),
            git_commit TEXT,
            git_branch TEXT,
            PRIMARY KEY (model, version),
            UNIQUE (model, digest)
        );
        CREATE TABLE aliases (
            model TEXT NOT NULL,
            alias TEXT NOT NULL,
            version INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (model, alias),
            FOREIGN KEY (model, version) REFERENCES versions (model, version)
        );
        CREATE TABLE audit_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            model TEXT NOT NULL REFERENCES models (name),
            action TEXT NOT NULL CHECK (action IN ('register', 'promote', 'rollback')),
            version INTEGER NOT NULL,
            stage TEXT,
            previous_version INTEGER,
            actor TEXT NOT NULL,
            reason TEXT,
            approvals_json TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX audit_events_by_model ON audit_events (model, seq);
        CREATE TABLE model_cards (
            model TEXT NOT NULL,
            version INTEGER NOT NULL,
            markdown TEXT NOT NULL,
            PRIMARY KEY (model, version),
            FOREIGN KEY (model, version) REFERENCES versions (model, version)
        );
        CREATE TABLE gate_reports (
            model TEXT NOT NULL,
            version INTEGER NOT NULL,
            report_json TEXT NOT NULL,
            PRIMARY KEY (model, version),
            FOREIGN KEY (model, version) REFERENCES versions (model, version)
        );
        CREATE TABLE tracked_runs (
            run_id TEXT PRIMARY KEY,
            pipeline TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            params_json TEXT NOT NULL,
            metrics_json TEXT NOT NULL,
            tags_json TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        """,
        """
        CREATE TABLE smoke_samples (
            model TEXT NOT NULL,
            version INTEGER NOT NULL,
            rows INTEGER NOT NULL CHECK (rows >= 0),
            sample_json TEXT NOT NULL,
            PRIMARY KEY (model, version),
            FOREIGN KEY (model, version) REFERENCES versions (model, version)
        );
        """,

        // 3: deploy and undeploy events. SQLite cannot change a CHECK constraint, so the table is copied.
        """
        CREATE TABLE audit_events_v2 (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            model TEXT NOT NULL REFERENCES models (name),
            action TEXT NOT NULL CHECK (action IN ('register', 'promote', 'rollback', 'deploy', 'undeploy')),
            version INTEGER NOT NULL,
            stage TEXT,
            previous_version INTEGER,
            actor TEXT NOT NULL,
            reason TEXT,
            approvals_json TEXT NOT NULL,
            at TEXT NOT NULL
        );
        INSERT INTO audit_events_v2 SELECT seq, model, action, version, stage, previous_version, actor, reason, approvals_json, at FROM audit_events;
        DROP TABLE audit_events;
        ALTER TABLE audit_events_v2 RENAME TO audit_events;
        CREATE INDEX audit_events_by_model ON audit_events (model, seq);
        """,

        // 4: a version's signature (mlops model sign), at most one per version.
        """
        CREATE TABLE IF NOT EXISTS version_signatures (
            model TEXT NOT NULL,
            version INTEGER NOT NULL,
            key_id TEXT NOT NULL,
            signature TEXT NOT NULL,
            signed_at TEXT NOT NULL,
            PRIMARY KEY (model, version),
            FOREIGN KEY (model, version) REFERENCES versions (model, version)
        );
        """,

        // 5: the reference profile monitoring compares live data with, one per version (IF NOT EXISTS: a
        // database whose schema version was wound back by hand may hold the table already).
        """
        CREATE TABLE IF NOT EXISTS reference_profiles (
            model TEXT NOT NULL,
            version INTEGER NOT NULL,
            profile_json TEXT NOT NULL,
            PRIMARY KEY (model, version),
            FOREIGN KEY (model, version) REFERENCES versions (model, version)
        );
        """,

        // 6: the version's model flavor (tkm, mlnet, onnx). A version without a row was registered before
        // flavors and is a .tkm, so old rows need no rewrite (and IF NOT EXISTS, as for 5).
        """
        CREATE TABLE IF NOT EXISTS version_flavors (
            model TEXT NOT NULL,
            version INTEGER NOT NULL,
            flavor TEXT NOT NULL,
            PRIMARY KEY (model, version),
            FOREIGN KEY (model, version) REFERENCES versions (model, version)
        );
        """,
    ];

    internal static Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        Sql.MigrateAsync(
            connection,
            Migrations,
            (found, known) => new RegistryException(
                $"registry database {connection.DataSource} has schema version {found}, newer than this toolkit knows ({known}); upgrade the toolkit"),
            cancellationToken);
}
