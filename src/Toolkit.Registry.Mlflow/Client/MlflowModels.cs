using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toolkit.Registry.Mlflow;

// Request and response shapes of MLflow's REST API 2.0 (mlflow/protos/service.proto,
// model_registry.proto). Names are snake_case on the wire. int64 fields (timestamps) are read whether
// the server sends numbers (the OSS server) or strings (proto3 JSON, e.g. Databricks and some proxies);
// model version numbers are proto strings and stay strings here.

/// <summary>A key/value tag (runs, experiments, registered models and model versions share the shape).</summary>
public sealed record MlflowTag(string Key, string Value);

public sealed record MlflowExperiment
{
    public required string ExperimentId { get; init; }

    public required string Name { get; init; }

    public string? ArtifactLocation { get; init; }

    public string? LifecycleStage { get; init; }

    public long? CreationTime { get; init; }

    public long? LastUpdateTime { get; init; }

    public IReadOnlyList<MlflowTag>? Tags { get; init; }
}

public sealed record MlflowRunInfo
{
    public required string RunId { get; init; }

    public string? RunName { get; init; }

    public string? ExperimentId { get; init; }

    /// <summary><c>RUNNING</c>, <c>SCHEDULED</c>, <c>FINISHED</c>, <c>FAILED</c> or <c>KILLED</c>.</summary>
    public string? Status { get; init; }

    public long? StartTime { get; init; }

    public long? EndTime { get; init; }

    public string? ArtifactUri { get; init; }

    public string? LifecycleStage { get; init; }
}

public sealed record MlflowMetric(string Key, double Value, long Timestamp, long Step);

public sealed record MlflowParam(string Key, string Value);

public sealed record MlflowRunData
{
    public IReadOnlyList<MlflowMetric>? Metrics { get; init; }

    public IReadOnlyList<MlflowParam>? Params { get; init; }

    public IReadOnlyList<MlflowTag>? Tags { get; init; }
}

public sealed record MlflowRun
{
    public required MlflowRunInfo Info { get; init; }

    public MlflowRunData? Data { get; init; }
}

/// <summary>What <c>runs/create</c> takes.</summary>
public sealed record NewRun
{
    public required string ExperimentId { get; init; }

    public string? RunName { get; init; }

    /// <summary>Unix milliseconds.</summary>
    public long? StartTime { get; init; }

    public IReadOnlyList<MlflowTag>? Tags { get; init; }
}

/// <summary>What <c>runs/log-batch</c> takes (the client chunks it to MLflow's limits).</summary>
public sealed record RunBatch
{
    public IReadOnlyList<MlflowMetric> Metrics { get; init; } = [];

    public IReadOnlyList<MlflowParam> Params { get; init; } = [];

    public IReadOnlyList<MlflowTag> Tags { get; init; } = [];
}

public sealed record MlflowAlias(string Alias, string Version);

public sealed record MlflowRegisteredModel
{
    public required string Name { get; init; }

    public long? CreationTimestamp { get; init; }

    public long? LastUpdatedTimestamp { get; init; }

    public string? Description { get; init; }

    /// <summary>Latest version per (legacy) stage; only <c>READY</c> versions.</summary>
    public IReadOnlyList<MlflowModelVersion>? LatestVersions { get; init; }

    public IReadOnlyList<MlflowTag>? Tags { get; init; }

    public IReadOnlyList<MlflowAlias>? Aliases { get; init; }
}

public static class ModelVersionStatus
{
    public const string PendingRegistration = "PENDING_REGISTRATION";
    public const string FailedRegistration = "FAILED_REGISTRATION";
    public const string Ready = "READY";
}

public sealed record MlflowModelVersion
{
    public required string Name { get; init; }

    /// <summary>The version number, a string on the wire.</summary>
    public required string Version { get; init; }

    public long? CreationTimestamp { get; init; }

    public long? LastUpdatedTimestamp { get; init; }

    public string? UserId { get; init; }

    public string? CurrentStage { get; init; }

    public string? Description { get; init; }

    public string? Source { get; init; }

    public string? RunId { get; init; }

    /// <summary>See <see cref="ModelVersionStatus"/>.</summary>
    public string? Status { get; init; }

    public string? StatusMessage { get; init; }

    public IReadOnlyList<MlflowTag>? Tags { get; init; }

    public string? RunLink { get; init; }

    public IReadOnlyList<string>? Aliases { get; init; }

    [JsonIgnore]
    public int VersionNumber => int.TryParse(Version, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
        ? v
        : throw new FormatException($"MLflow returned model version '{Version}' for '{Name}', which is not a version number.");

    public string? Tag(string key) => Tags?.LastOrDefault(t => t.Key == key)?.Value;
}

/// <summary>What <c>model-versions/create</c> takes.</summary>
public sealed record NewModelVersion
{
    public required string Name { get; init; }

    /// <summary>Where the version's files are, e.g. <c>mlflow-artifacts:/toolkit/models/x/…</c>.</summary>
    public required string Source { get; init; }

    public string? RunId { get; init; }

    public IReadOnlyList<MlflowTag>? Tags { get; init; }

    public string? Description { get; init; }
}

// Response envelopes: internal, the client unwraps them.
internal sealed record ExperimentEnvelope(MlflowExperiment? Experiment);

internal sealed record CreateExperimentResponse(string ExperimentId);

internal sealed record RunEnvelope(MlflowRun? Run);

internal sealed record RunInfoEnvelope(MlflowRunInfo? RunInfo);

internal sealed record RegisteredModelEnvelope(MlflowRegisteredModel? RegisteredModel);

internal sealed record RegisteredModelsPage(IReadOnlyList<MlflowRegisteredModel>? RegisteredModels, string? NextPageToken);

internal sealed record ModelVersionEnvelope(MlflowModelVersion? ModelVersion);

internal sealed record ModelVersionsPage(IReadOnlyList<MlflowModelVersion>? ModelVersions, string? NextPageToken);

internal static class MlflowJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // int64 as JSON strings (proto3 JSON mapping) and as numbers both read.
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
