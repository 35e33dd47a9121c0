using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Execution;

/// <summary>How to run a pipeline.</summary>
public sealed record RunOptions
{
    /// <summary>Overrides of the pipeline's params (<c>--param k=v</c>).</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary>Run every step even when its outputs are cached.</summary>
    public bool NoCache { get; init; }

    /// <summary>At most this many steps at once (default: cores).</summary>
    public int MaxParallel { get; init; } = Environment.ProcessorCount;

    public IProgress<RunEvent>? Events { get; init; }

    public string? GitCommit { get; init; }

    public string? GitBranch { get; init; }

    /// <summary>
    /// The project folder: the working folder of steps, and what relative paths in parameters and
    /// commands are relative to. Null: the folder that holds the store.
    /// </summary>
    public string? ProjectDirectory { get; init; }
}

public enum RunEventKind
{
    RunStarted,
    StepStarted,
    StepCached,
    StepRetrying,
    StepSucceeded,
    StepFailed,
    StepSkipped,
    StepCancelled,
    RunFinished,
}

/// <summary>Something that happened during a run, for live progress.</summary>
public sealed record RunEvent(RunEventKind Kind, string RunId, string? Step, string Message, TimeSpan Elapsed);

/// <summary>The outcome of one step in a run.</summary>
public sealed record StepResult
{
    public required string Name { get; init; }

    public required StepStatus Status { get; init; }

    public bool Cached { get; init; }

    public int Attempts { get; init; }

    public TimeSpan Duration { get; init; }

    public string? CacheKey { get; init; }

    /// <summary>Output artifacts: name → digest.</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>();

    /// <summary>Scalar values the step reported (metrics).</summary>
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public string? Error { get; init; }

    public string? LogPath { get; init; }
}

/// <summary>The outcome of a run.</summary>
public sealed record RunResult
{
    public required string RunId { get; init; }

    public required string Pipeline { get; init; }

    public required RunStatus Status { get; init; }

    public required IReadOnlyList<StepResult> Steps { get; init; }

    public required TimeSpan Duration { get; init; }

    public required string RunDirectory { get; init; }

    /// <summary>The pipeline's params as the run resolved them (defaults with overrides applied).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public string? Error { get; init; }
}

/// <summary>A pipeline parameter override that does not fit (unknown name, wrong type).</summary>
public sealed class PipelineParameterException : Exception
{
    public PipelineParameterException(string message)
        : base(message)
    {
    }

    public PipelineParameterException()
    {
    }

    public PipelineParameterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>What a plan says a step will do.</summary>
public enum PlannedAction
{
    Cached,
    Run,
    RunAfterUpstream,
    Skip,
}

/// <summary>One step of a plan: what it will do and why.</summary>
public sealed record PlannedStep(string Name, string Component, PlannedAction Action, string? CacheKey, string? Reason);
