using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using static Toolkit.Storage.Sql;

namespace Toolkit.Pipelines.Storage;

/// <summary>Mapping between table rows and records: column lists, readers, status names, cache outputs JSON.</summary>
internal static class MetadataRows
{
    internal const string RunColumns =
        "SELECT run_id, pipeline, pipeline_digest, status, started_at, finished_at, params_json, git_commit, git_branch, error FROM runs";

    internal const string StepColumns =
        "SELECT run_id, step, component, status, started_at, finished_at, attempts, cached, exit_code, cache_key, params_json, error FROM steps";

    internal static RunRecord ReadRun(SqliteDataReader r) => new()
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

    internal static StepRecord ReadStep(SqliteDataReader r) => new()
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

    internal static ArtifactRecord ReadArtifact(SqliteDataReader r) => new()
    {
        Digest = r.GetString(0),
        Size = r.GetInt64(1),
        Kind = r.GetString(2),
        MediaType = r.IsDBNull(3) ? null : r.GetString(3),
        CreatedAt = ParseTime(r.GetString(4)),
    };

    internal static StepIoRecord ReadIo(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        Step = r.GetString(1),
        Name = r.GetString(2),
        Digest = r.GetString(3),
    };

    internal static MetricRecord ReadMetric(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        Step = r.GetString(1),
        Name = r.GetString(2),
        Value = r.GetDouble(3),
    };

    internal static string ToText(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown run status"),
    };

    internal static string ToText(StepStatus status) => status switch
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

    internal static RunStatus ParseRunStatus(string text) => Enum.GetValues<RunStatus>().First(s => ToText(s) == text);

    internal static StepStatus ParseStepStatus(string text) => Enum.GetValues<StepStatus>().First(s => ToText(s) == text);

    internal static string WriteOutputs(IReadOnlyDictionary<string, string> outputs)
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

    internal static Dictionary<string, string> ReadOutputs(string json)
    {
        using var document = JsonDocument.Parse(json);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            outputs[property.Name] = property.Value.GetString() ?? string.Empty;
        }

        return outputs;
    }
}
