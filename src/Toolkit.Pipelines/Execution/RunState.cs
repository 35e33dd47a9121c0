using System.Collections.Concurrent;
using System.Diagnostics;
using Toolkit.Pipelines.Planning;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Execution;

/// <summary>One run (or plan) in progress: the pipeline, its resolved params and the results so far.</summary>
internal sealed class RunState(
    PipelineSpec spec,
    PipelineGraph graph,
    IReadOnlyDictionary<string, string> parameters,
    string runId,
    string runDirectory,
    string projectDirectory,
    RunOptions options,
    Stopwatch clock)
{
    public PipelineSpec Spec { get; } = spec;

    public PipelineGraph Graph { get; } = graph;

    public IReadOnlyDictionary<string, string> Params { get; } = parameters;

    public string RunId { get; } = runId;

    public string RunDirectory { get; } = runDirectory;

    /// <summary>Where relative paths of parameters and commands resolve; the working folder of steps.</summary>
    public string ProjectDirectory { get; } = projectDirectory;

    public RunOptions Options { get; } = options;

    public Stopwatch Clock { get; } = clock;

    public ConcurrentDictionary<string, StepResult> Results { get; } = new(StringComparer.Ordinal);
}
