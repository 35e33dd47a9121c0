namespace Toolkit.Pipelines.Storage;

/// <summary>Status of a pipeline run; stored as its lowercase name.</summary>
public enum RunStatus
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>Status of one step of a run; stored as its lowercase name.</summary>
public enum StepStatus
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
    Cached,
    Cancelled,
}

/// <summary>What the runner knows when a run starts; the store adds the id, start time and owner.</summary>
public sealed record NewRun
{
    public required string Pipeline { get; init; }

    /// <summary>Digest of the pipeline file as run.</summary>
    public required string PipelineDigest { get; init; }

    /// <summary>Run parameters as JSON text (an object).</summary>
    public string ParamsJson { get; init; } = "{}";

    public string? GitCommit { get; init; }

    public string? GitBranch { get; init; }
}

public sealed record RunRecord
{
    /// <summary>Sortable id: <c>yyyyMMdd-HHmmss-xxxxxx</c> (UTC start second and 6 random hex digits).</summary>
    public required string RunId { get; init; }

    public required string Pipeline { get; init; }

    public required string PipelineDigest { get; init; }

    public required RunStatus Status { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public required string ParamsJson { get; init; }

    public string? GitCommit { get; init; }

    public string? GitBranch { get; init; }

    /// <summary>Why the run failed when the store, not the runner, ended it (abandoned run); otherwise null.</summary>
    public string? Error { get; init; }
}

public sealed record StepRecord
{
    public required string RunId { get; init; }

    public required string Step { get; init; }

    /// <summary><c>name@version</c> of the component, or <c>run:</c> for an inline command.</summary>
    public required string Component { get; init; }

    public required StepStatus Status { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public int Attempts { get; init; }

    public bool Cached { get; init; }

    public int? ExitCode { get; init; }

    public string? CacheKey { get; init; }

    /// <summary>Resolved step parameters as JSON text.</summary>
    public string ParamsJson { get; init; } = "{}";

    public string? Error { get; init; }
}

public sealed record ArtifactRecord
{
    public required string Digest { get; init; }

    public required long Size { get; init; }

    /// <summary><c>dataset</c>, <c>model</c>, <c>report</c>, <c>file</c>, ...</summary>
    public required string Kind { get; init; }

    public string? MediaType { get; init; }

    /// <summary>When the store first recorded this digest.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One named input or output of a step.</summary>
public sealed record StepIoRecord
{
    public required string RunId { get; init; }

    public required string Step { get; init; }

    public required string Name { get; init; }

    public required string Digest { get; init; }
}

public sealed record MetricRecord
{
    public required string RunId { get; init; }

    public required string Step { get; init; }

    public required string Name { get; init; }

    public required double Value { get; init; }
}

/// <summary>A run with everything recorded under it, ordered by step start then name.</summary>
public sealed record RunDetails
{
    public required RunRecord Run { get; init; }

    public required IReadOnlyList<StepRecord> Steps { get; init; }

    public required IReadOnlyList<StepIoRecord> Inputs { get; init; }

    public required IReadOnlyList<StepIoRecord> Outputs { get; init; }

    public required IReadOnlyList<MetricRecord> Metrics { get; init; }
}

/// <summary>An artifact node of a lineage graph; size/kind are null when the digest was never recorded as an artifact.</summary>
public sealed record LineageArtifact
{
    public required string Digest { get; init; }

    public long? Size { get; init; }

    public string? Kind { get; init; }

    public string? MediaType { get; init; }
}

/// <summary>A step node of a lineage graph, with what is needed to reproduce it.</summary>
public sealed record LineageStep
{
    /// <summary><c>runId/step</c>, the node id used by edges.</summary>
    public string Id => RunId + "/" + Step;

    public required string RunId { get; init; }

    public required string Pipeline { get; init; }

    public required string Step { get; init; }

    public required string Component { get; init; }

    public required StepStatus Status { get; init; }

    public required string ParamsJson { get; init; }

    public string? GitCommit { get; init; }

    public DateTimeOffset? StartedAt { get; init; }
}

public enum LineageEdgeKind
{
    /// <summary>Artifact (<see cref="LineageEdge.From"/>, a digest) consumed by step (<see cref="LineageEdge.To"/>).</summary>
    Input,

    /// <summary>Step (<see cref="LineageEdge.From"/>) produced artifact (<see cref="LineageEdge.To"/>, a digest).</summary>
    Output,
}

/// <summary>An edge between a digest and a step id (<c>runId/step</c>); <see cref="Name"/> is the input/output name.</summary>
public sealed record LineageEdge
{
    public required string From { get; init; }

    public required string To { get; init; }

    public required string Name { get; init; }

    public required LineageEdgeKind Kind { get; init; }
}

/// <summary>Lineage graph: artifacts and steps as nodes, input/output edges; nodes in discovery order (nearest first).</summary>
public sealed record LineageGraph
{
    public required string Root { get; init; }

    public required IReadOnlyList<LineageArtifact> Artifacts { get; init; }

    public required IReadOnlyList<LineageStep> Steps { get; init; }

    public required IReadOnlyList<LineageEdge> Edges { get; init; }
}
