namespace Toolkit.Pipelines.Storage;

/// <summary>
/// Schema migrations, applied in order on open. Never edit a shipped step: append a new one, so an old
/// database moves forward one version at a time and <c>schema_version</c> says where it stands.
/// </summary>
internal static class MetadataSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE runs (
            run_id          TEXT PRIMARY KEY,
            pipeline        TEXT NOT NULL,
            pipeline_digest TEXT NOT NULL,
            status          TEXT NOT NULL CHECK (status IN ('running','succeeded','failed','cancelled')),
            started_at      TEXT NOT NULL,
            finished_at     TEXT,
            params_json     TEXT NOT NULL,
            git_commit      TEXT,
            git_branch      TEXT,
            owner           TEXT NOT NULL,
            error           TEXT
        );
        CREATE INDEX runs_by_start ON runs (started_at DESC, run_id DESC);
        CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at DESC);
        CREATE INDEX runs_by_status ON runs (status);

        CREATE TABLE steps (
            run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            step        TEXT NOT NULL,
            component   TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('pending','running','succeeded','failed','skipped','cached','cancelled')),
            started_at  TEXT,
            finished_at TEXT,
            attempts    INTEGER NOT NULL,
            cached      INTEGER NOT NULL CHECK (cached IN (0, 1)),
            exit_code   INTEGER,
            cache_key   TEXT,
            params_json TEXT NOT NULL,
            error       TEXT,
            PRIMARY KEY (run_id, step)
        );

        CREATE TABLE artifacts (
            digest     TEXT PRIMARY KEY,
            size       INTEGER NOT NULL,
            kind       TEXT NOT NULL,
            media_type TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TABLE step_inputs (
            run_id TEXT NOT NULL,
            step   TEXT NOT NULL,
            name   TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (run_id, step, name),
            FOREIGN KEY (run_id, step) REFERENCES steps (run_id, step) ON DELETE CASCADE
        );
        CREATE INDEX step_inputs_by_digest ON step_inputs (digest);

        CREATE TABLE step_outputs (
            run_id TEXT NOT NULL,
            step   TEXT NOT NULL,
            name   TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (run_id, step, name),
            FOREIGN KEY (run_id, step) REFERENCES steps (run_id, step) ON DELETE CASCADE
        );
        CREATE INDEX step_outputs_by_digest ON step_outputs (digest);

        CREATE TABLE metrics (
            run_id TEXT NOT NULL,
            step   TEXT NOT NULL,
            name   TEXT NOT NULL,
            value  REAL NOT NULL,
            PRIMARY KEY (run_id, step, name),
            FOREIGN KEY (run_id, step) REFERENCES steps (run_id, step) ON DELETE CASCADE
        );

        CREATE TABLE cache_entries (
            cache_key    TEXT PRIMARY KEY,
            outputs_json TEXT NOT NULL,
            run_id       TEXT NOT NULL,
            step         TEXT NOT NULL,
            created_at   TEXT NOT NULL
        );
        """,
    ];
}
