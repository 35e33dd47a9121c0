using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Execution;

/// <summary>
/// One attempt of one step, fully resolved: what to run (a component or a command), its parameters
/// as text, input artifact paths (read-only), the output paths to write, where to log, and limits.
/// The same invocation runs in-process, as a process, in a container or on Argo.
/// </summary>
public sealed record StepInvocation
{
    public required string RunId { get; init; }

    public required StepSpec Step { get; init; }

    /// <summary>The component for a <c>uses:</c> step; null for a <c>run:</c> step.</summary>
    public IComponent? Component { get; init; }

    /// <summary>The command of a <c>run:</c> step with every <c>${{ }}</c> already resolved.</summary>
    public string? Command { get; init; }

    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Inputs { get; init; }

    public required IReadOnlyDictionary<string, string> Outputs { get; init; }

    /// <summary>A scratch folder for this attempt (<c>TOOLKIT_WORK</c> for commands).</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>
    /// The project folder: the working directory of steps, so relative paths in parameters and
    /// commands (<c>models/diabetes/model.yaml</c>, <c>python score.py</c>) mean the same everywhere.
    /// </summary>
    public required string ProjectDirectory { get; init; }

    public required TextWriter Log { get; init; }

    public int MaxThreads { get; init; } = Environment.ProcessorCount;
}

/// <summary>What an attempt produced besides its output files.</summary>
public sealed record StepExecution(ComponentResult Result, int? ExitCode);

/// <summary>A step attempt that failed: the message says why, in one line.</summary>
public sealed class StepFailedException : Exception
{
    public StepFailedException(string message, int? exitCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public StepFailedException()
    {
    }

    public StepFailedException(string message)
        : base(message)
    {
    }

    public StepFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int? ExitCode { get; }
}

/// <summary>Runs step attempts somewhere: in this process, as a child process, in a container, ...</summary>
public interface IStepExecutor
{
    /// <summary>A short name for logs and the <c>--executor</c> option.</summary>
    string Name { get; }

    /// <summary>Extra text for the cache key (e.g. an image digest), or null when the executor does not change results.</summary>
    ValueTask<string?> CacheIdentityAsync(StepSpec step, CancellationToken cancellationToken);

    /// <summary>Runs one attempt. Cancellation (Ctrl+C, timeout) must stop the work and leave nothing running.</summary>
    Task<StepExecution> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken);
}
