using System.Diagnostics;
using System.Text.Json;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Planning;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Execution;

/// <summary>
/// Runs a validated pipeline: ready steps in parallel (bounded), each looked up in the cache first
/// (component version + resolved parameters + input digests), otherwise executed with retries and a
/// timeout; outputs go to the content-addressed store; runs, steps, artifacts, lineage and metrics
/// go to the metadata store. The first failure cancels the rest (fail-fast).
/// </summary>
public sealed class PipelineRunner
{
    private readonly Workspace _workspace;
    private readonly TimeProvider _time;
    private readonly StepResolver _resolver;
    private readonly StepRecorder _recorder;
    private readonly StepAttempts _attempts;

    public PipelineRunner(Workspace workspace, IComponentCatalog catalog, IStepExecutor executor, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(executor);
        _workspace = workspace;
        _time = time ?? TimeProvider.System;
        _resolver = new StepResolver(workspace, catalog, executor);
        _recorder = new StepRecorder(workspace, _time);
        _attempts = new StepAttempts(executor, _time);
    }

    /// <summary>The pipeline's params with overrides applied and type-checked.</summary>
    public static IReadOnlyDictionary<string, string> ResolveParams(PipelineSpec spec, IReadOnlyDictionary<string, string> overrides)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(overrides);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in spec.Params)
        {
            result[p.Name] = p.Default;
        }

        foreach (var (name, value) in overrides)
        {
            var declared = spec.Params.FirstOrDefault(p => p.Name == name)
                ?? throw new PipelineParameterException(
                    $"pipeline '{spec.Name}' has no parameter '{name}'{DidYouMean.Suffix(name, spec.Params.Select(p => p.Name))}; " +
                    $"its parameters: {(spec.Params.Count == 0 ? "none" : string.Join(", ", spec.Params.Select(p => p.Name)))}");
            if (!ParamValues.Fits(declared.Type, value))
            {
                throw new PipelineParameterException($"parameter '{name}' must be a {ParamValues.Describe(declared.Type)}, not '{value}'");
            }

            result[name] = value;
        }

        return result;
    }

    /// <summary>
    /// What a run would do now, without running anything: each step is cached (its key is in the
    /// cache), will run, or will run because something upstream will. Steps resolve exactly as in
    /// <see cref="RunAsync"/> (same keys with the same executor).
    /// </summary>
    public async Task<IReadOnlyList<PlannedStep>> PlanAsync(PipelineSpec spec, RunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var parameters = ResolveParams(spec, options.Params);
        var graph = PipelineGraph.Build(spec);
        var state = new RunState(spec, graph, parameters, "plan", "", ProjectDirectoryOf(options), options, Stopwatch.StartNew());
        var plan = new List<PlannedStep>();
        foreach (var name in graph.TopologicalOrder())
        {
            var step = spec.Step(name)!;
            var label = StepRecorder.ComponentLabel(step);
            var blocked = graph.DependenciesOf(name).Where(d => state.Results[d].Status != StepStatus.Cached).ToList();
            if (blocked.Count > 0)
            {
                state.Results[name] = new StepResult { Name = name, Status = StepStatus.Pending };
                plan.Add(new PlannedStep(name, label, PlannedAction.RunAfterUpstream, null, $"after {string.Join(", ", blocked)}"));
                continue;
            }

            var resolved = await _resolver.ResolveAsync(state, step, store: false, cancellationToken);
            if (resolved.SkipReason is { } skip)
            {
                state.Results[name] = new StepResult { Name = name, Status = StepStatus.Skipped };
                plan.Add(new PlannedStep(name, label, PlannedAction.Skip, null, skip));
                continue;
            }

            if (resolved.Cached is not { } cached)
            {
                state.Results[name] = new StepResult { Name = name, Status = StepStatus.Pending };
                plan.Add(new PlannedStep(name, label, PlannedAction.Run, resolved.CacheKey, resolved.UsesCache ? "not in the cache" : "cache off"));
                continue;
            }

            state.Results[name] = new StepResult
            {
                Name = name,
                Status = StepStatus.Cached,
                Outputs = cached.Outputs,
                Values = cached.Values,
                Labels = cached.Labels,
            };
            plan.Add(new PlannedStep(name, label, PlannedAction.Cached, resolved.CacheKey, null));
        }

        return plan;
    }

    public async Task<RunResult> RunAsync(PipelineSpec spec, RunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var parameters = ResolveParams(spec, options.Params);
        var graph = PipelineGraph.Build(spec);
        var order = graph.TopologicalOrder();
        var clock = Stopwatch.StartNew();

        var run = await _workspace.Metadata.CreateRunAsync(new NewRun
        {
            Pipeline = spec.Name,
            PipelineDigest = spec.Digest,
            ParamsJson = JsonSerializer.Serialize(parameters),
            GitCommit = options.GitCommit,
            GitBranch = options.GitBranch,
        }, cancellationToken);
        var runDir = _workspace.RunDirectory(run.RunId);
        Directory.CreateDirectory(runDir);
        options.Events?.Report(new RunEvent(RunEventKind.RunStarted, run.RunId, null, $"run {run.RunId} of {spec.Name}", TimeSpan.Zero));

        foreach (var name in order)
        {
            await _workspace.Metadata.UpsertStepAsync(new StepRecord
            {
                RunId = run.RunId,
                Step = name,
                Component = StepRecorder.ComponentLabel(spec.Step(name)!),
                Status = StepStatus.Pending,
            }, CancellationToken.None);
        }

        var state = new RunState(spec, graph, parameters, run.RunId, runDir, ProjectDirectoryOf(options), options, clock);
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new Dictionary<Task<StepResult>, string>();
        var waiting = new List<string>(order);
        var maxParallel = Math.Max(1, options.MaxParallel);
        string? firstError = null;

        while (waiting.Count > 0 || running.Count > 0)
        {
            // Start every step whose dependencies are all finished, up to the parallel limit.
            for (var i = 0; i < waiting.Count && running.Count < maxParallel && !failFast.IsCancellationRequested; i++)
            {
                var name = waiting[i];
                if (!graph.DependenciesOf(name).All(state.Results.ContainsKey))
                {
                    continue;
                }

                waiting.RemoveAt(i--);
                running.Add(RunStepAsync(state, spec.Step(name)!, failFast.Token), name);
            }

            if (running.Count == 0)
            {
                break; // cancelled: nothing more will start
            }

            var done = await Task.WhenAny(running.Keys);
            running.Remove(done);
            var result = await done;
            state.Results[result.Name] = result;
            if (result.Status == StepStatus.Failed && !failFast.IsCancellationRequested)
            {
                firstError ??= $"step '{result.Name}' failed: {result.Error}";
                await failFast.CancelAsync();
            }
        }

        // Whatever never started was cancelled (fail-fast or Ctrl+C).
        foreach (var name in waiting)
        {
            var result = new StepResult { Name = name, Status = StepStatus.Cancelled, Error = "not started: the run was stopped" };
            state.Results[name] = result;
            await _recorder.RecordAsync(state, spec.Step(name)!, result, null, null);
            options.Events?.Report(new RunEvent(RunEventKind.StepCancelled, run.RunId, name, "not started", clock.Elapsed));
        }

        var status = firstError is not null ? RunStatus.Failed
            : cancellationToken.IsCancellationRequested ? RunStatus.Cancelled
            : RunStatus.Succeeded;
        await _workspace.Metadata.UpdateRunStatusAsync(run.RunId, status, firstError, CancellationToken.None);
        var final = new RunResult
        {
            RunId = run.RunId,
            Pipeline = spec.Name,
            Status = status,
            Steps = [.. order.Select(n => state.Results[n])],
            Duration = clock.Elapsed,
            RunDirectory = runDir,
            Parameters = parameters,
            Error = firstError ?? (status == RunStatus.Cancelled ? "the run was cancelled" : null),
        };
        options.Events?.Report(new RunEvent(RunEventKind.RunFinished, run.RunId, null, status.ToString().ToLowerInvariant(), clock.Elapsed));
        return final;
    }

    private async Task<StepResult> RunStepAsync(RunState state, StepSpec step, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var events = state.Options.Events;
        var deps = state.Graph.DependenciesOf(step.Name).Select(d => state.Results[d]).ToList();
        if (deps.FirstOrDefault(d => d.Status is StepStatus.Skipped or StepStatus.Cancelled or StepStatus.Failed) is { } blocked)
        {
            var skipped = new StepResult
            {
                Name = step.Name,
                Status = blocked.Status == StepStatus.Skipped ? StepStatus.Skipped : StepStatus.Cancelled,
                Error = $"'{blocked.Name}' was {blocked.Status.ToString().ToLowerInvariant()}",
            };
            await _recorder.RecordAsync(state, step, skipped, null, null);
            events?.Report(new RunEvent(skipped.Status == StepStatus.Skipped ? RunEventKind.StepSkipped : RunEventKind.StepCancelled,
                state.RunId, step.Name, skipped.Error, state.Clock.Elapsed));
            return skipped;
        }

        var stepDir = Path.Combine(state.RunDirectory, step.Name);
        Directory.CreateDirectory(stepDir);
        var logPath = Path.Combine(stepDir, "log.txt");
        var started = _time.GetUtcNow();
        try
        {
            var resolved = await _resolver.ResolveAsync(state, step, store: true, cancellationToken);
            if (resolved.SkipReason is { } reason)
            {
                var skipped = new StepResult { Name = step.Name, Status = StepStatus.Skipped, Error = reason, LogPath = null };
                await _recorder.RecordAsync(state, step, skipped, null, null);
                events?.Report(new RunEvent(RunEventKind.StepSkipped, state.RunId, step.Name, skipped.Error, state.Clock.Elapsed));
                return skipped;
            }

            if (resolved.Cached is { } cached)
            {
                var hit = new StepResult
                {
                    Name = step.Name,
                    Status = StepStatus.Cached,
                    Cached = true,
                    CacheKey = resolved.CacheKey,
                    Outputs = cached.Outputs,
                    Values = cached.Values,
                    Labels = cached.Labels,
                    Duration = _time.GetUtcNow() - started,
                };
                await _recorder.RecordAsync(state, step, hit, resolved.Parameters, resolved.InputDigests, started);
                events?.Report(new RunEvent(RunEventKind.StepCached, state.RunId, step.Name, "cached", state.Clock.Elapsed));
                return hit;
            }

            await _recorder.MarkRunningAsync(state, resolved, started);
            events?.Report(new RunEvent(RunEventKind.StepStarted, state.RunId, step.Name, step.Uses ?? "run", state.Clock.Elapsed));

            var inputPaths = resolved.InputDigests.ToDictionary(
                i => i.Key, i => (IReadOnlyList<string>)[.. i.Value.Select(_workspace.Artifacts.PathOf)], StringComparer.Ordinal);
            var (execution, outputs, attempts) = await _attempts.RunAsync(state, resolved, inputPaths, stepDir, logPath, cancellationToken);
            var outputDigests = await _recorder.StoreOutputsAsync(state, resolved, outputs, execution.Result);
            var result = new StepResult
            {
                Name = step.Name,
                Status = StepStatus.Succeeded,
                Attempts = attempts,
                CacheKey = resolved.CacheKey,
                Outputs = outputDigests,
                Values = execution.Result.Values,
                Labels = execution.Result.Labels,
                Duration = _time.GetUtcNow() - started,
                LogPath = logPath,
            };
            await _recorder.RecordAsync(state, step, result, resolved.Parameters, resolved.InputDigests, started, execution.ExitCode);
            events?.Report(new RunEvent(RunEventKind.StepSucceeded, state.RunId, step.Name, "succeeded", state.Clock.Elapsed));
            return result;
        }
        catch (Exception ex) when (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            var result = new StepResult { Name = step.Name, Status = StepStatus.Cancelled, Error = "cancelled", Duration = _time.GetUtcNow() - started, LogPath = logPath };
            await _recorder.RecordAsync(state, step, result, null, null, started);
            events?.Report(new RunEvent(RunEventKind.StepCancelled, state.RunId, step.Name, "cancelled", state.Clock.Elapsed));
            return result;
        }
        catch (Exception ex)
        {
            // Any failure inside a step (a component's own exception included) fails that step, not the runner.
            var attempts = ex is AttemptsExhaustedException exhausted ? exhausted.Attempts : 1;
            var inner = ex is AttemptsExhaustedException e2 ? e2.InnerException! : ex;
            var message = StepAttempts.OneLine(inner);
            var result = new StepResult
            {
                Name = step.Name,
                Status = StepStatus.Failed,
                Error = message,
                Attempts = attempts,
                Duration = _time.GetUtcNow() - started,
                LogPath = File.Exists(logPath) ? logPath : null,
            };
            await _recorder.RecordAsync(state, step, result, null, null, started, (inner as StepFailedException)?.ExitCode);
            events?.Report(new RunEvent(RunEventKind.StepFailed, state.RunId, step.Name, message, state.Clock.Elapsed));
            return result;
        }
    }

    /// <summary>The project the steps work in: given, else the folder that holds the store.</summary>
    private string ProjectDirectoryOf(RunOptions options) =>
        Path.GetFullPath(options.ProjectDirectory ?? Path.GetDirectoryName(_workspace.Root) ?? _workspace.Root);
}
