using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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
    /// <summary>Scalar values are cached as a JSON artifact under this reserved output name.</summary>
    internal const string ValuesOutput = "_values";

    private readonly Workspace _workspace;
    private readonly IComponentCatalog _catalog;
    private readonly IStepExecutor _executor;
    private readonly TimeProvider _time;

    public PipelineRunner(Workspace workspace, IComponentCatalog catalog, IStepExecutor executor, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(executor);
        _workspace = workspace;
        _catalog = catalog;
        _executor = executor;
        _time = time ?? TimeProvider.System;
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
    /// cache), will run, or will run because something upstream will.
    /// </summary>
    public async Task<IReadOnlyList<PlannedStep>> PlanAsync(PipelineSpec spec, RunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var parameters = ResolveParams(spec, options.Params);
        var graph = PipelineGraph.Build(spec);
        var state = new RunState(spec, graph, parameters, "plan", "", options, Stopwatch.StartNew());
        var plan = new List<PlannedStep>();
        foreach (var name in graph.TopologicalOrder())
        {
            var step = spec.Step(name)!;
            var component = step.Uses is not null && _catalog.TryGet(step.Uses, out var c) ? c : null;
            var blocked = graph.DependenciesOf(name).Where(d => state.Results[d].Status != StepStatus.Cached).ToList();
            if (blocked.Count > 0)
            {
                state.Results[name] = new StepResult { Name = name, Status = StepStatus.Pending };
                plan.Add(new PlannedStep(name, ComponentLabel(step), PlannedAction.RunAfterUpstream, null, $"after {string.Join(", ", blocked)}"));
                continue;
            }

            if (step.When is { } when && !Template.Parse(WhenExpression.Wrap(when.Text)).Evaluate(r => Resolve(state, r)).IsTruthy)
            {
                state.Results[name] = new StepResult { Name = name, Status = StepStatus.Skipped };
                plan.Add(new PlannedStep(name, ComponentLabel(step), PlannedAction.Skip, null, $"condition is false: {when.Text}"));
                continue;
            }

            var parametersOfStep = ResolveWith(state, step, component?.Descriptor);
            var inputDigests = step.Inputs.ToDictionary(
                i => i.Key, i => (IReadOnlyList<string>)[.. i.Value.Select(r => state.Results[r.Step].Outputs[r.Output])], StringComparer.Ordinal);
            var keyCommand = step.Run is null
                ? null
                : RenderCommand(state, step, n => string.Join(' ', inputDigests.TryGetValue(n, out var ds) ? ds : []), n => "<output:" + n + ">");
            var external = component is IExternalInputs outside ? await outside.ExternalDigestAsync(parametersOfStep, cancellationToken) : null;
            var key = CacheKey(step, component?.Descriptor, parametersOfStep, inputDigests, keyCommand, external);
            var cached = step.Cache && !options.NoCache ? await _workspace.Metadata.TryGetCacheAsync(key, _workspace.Artifacts, cancellationToken) : null;
            if (cached is null)
            {
                state.Results[name] = new StepResult { Name = name, Status = StepStatus.Pending };
                plan.Add(new PlannedStep(name, ComponentLabel(step), PlannedAction.Run, key, step.Cache && !options.NoCache ? "not in the cache" : "cache off"));
                continue;
            }

            var (values, labels) = await ReadValuesAsync(cached, cancellationToken);
            state.Results[name] = new StepResult
            {
                Name = name,
                Status = StepStatus.Cached,
                Outputs = cached.Where(o => o.Key != ValuesOutput).ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal),
                Values = values,
                Labels = labels,
            };
            plan.Add(new PlannedStep(name, ComponentLabel(step), PlannedAction.Cached, key, null));
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
                Component = ComponentLabel(spec.Step(name)!),
                Status = StepStatus.Pending,
            }, CancellationToken.None);
        }

        var state = new RunState(spec, graph, parameters, run.RunId, runDir, options, clock);
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
            await RecordAsync(state, spec.Step(name)!, result, null, null, CancellationToken.None);
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
            await RecordAsync(state, step, skipped, null, null, CancellationToken.None);
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
            if (step.When is { } when && !Template.Parse(WhenExpression.Wrap(when.Text)).Evaluate(r => Resolve(state, r)).IsTruthy)
            {
                var skipped = new StepResult { Name = step.Name, Status = StepStatus.Skipped, Error = $"condition is false: {when.Text}", LogPath = null };
                await RecordAsync(state, step, skipped, null, null, CancellationToken.None);
                events?.Report(new RunEvent(RunEventKind.StepSkipped, state.RunId, step.Name, skipped.Error, state.Clock.Elapsed));
                return skipped;
            }

            IComponent? component = null;
            if (step.Uses is not null && !_catalog.TryGet(step.Uses, out component))
            {
                throw new StepFailedException($"unknown component '{step.Uses}'");
            }

            var parameters = ResolveWith(state, step, component?.Descriptor);
            var inputDigests = step.Inputs.ToDictionary(
                i => i.Key,
                i => (IReadOnlyList<string>)[.. i.Value.Select(r => state.Results[r.Step].Outputs.TryGetValue(r.Output, out var d)
                    ? d
                    : throw new StepFailedException($"input '{i.Key}': step '{r.Step}' produced no output '{r.Output}'"))],
                StringComparer.Ordinal);
            var keyCommand = step.Run is null
                ? null
                : RenderCommand(state, step, n => string.Join(' ', inputDigests.TryGetValue(n, out var ds) ? ds : []), n => "<output:" + n + ">");
            var external = component is IExternalInputs outside ? await outside.ExternalDigestAsync(parameters, cancellationToken) : null;
            var cacheKey = CacheKey(step, component?.Descriptor, parameters, inputDigests, keyCommand, external);
            var useCache = step.Cache && !state.Options.NoCache;

            if (useCache && await _workspace.Metadata.TryGetCacheAsync(cacheKey, _workspace.Artifacts, cancellationToken) is { } cached)
            {
                var (values, labels) = await ReadValuesAsync(cached, cancellationToken);
                var hit = new StepResult
                {
                    Name = step.Name,
                    Status = StepStatus.Cached,
                    Cached = true,
                    CacheKey = cacheKey,
                    Outputs = cached.Where(o => o.Key != ValuesOutput).ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal),
                    Values = values,
                    Labels = labels,
                    Duration = _time.GetUtcNow() - started,
                };
                await RecordAsync(state, step, hit, parameters, inputDigests, CancellationToken.None, started);
                events?.Report(new RunEvent(RunEventKind.StepCached, state.RunId, step.Name, "cached", state.Clock.Elapsed));
                return hit;
            }

            await _workspace.Metadata.UpsertStepAsync(new StepRecord
            {
                RunId = state.RunId,
                Step = step.Name,
                Component = ComponentLabel(step),
                Status = StepStatus.Running,
                StartedAt = started,
                CacheKey = cacheKey,
                ParamsJson = JsonSerializer.Serialize(parameters),
            }, CancellationToken.None);
            events?.Report(new RunEvent(RunEventKind.StepStarted, state.RunId, step.Name, step.Uses ?? "run", state.Clock.Elapsed));

            var inputPaths = inputDigests.ToDictionary(
                i => i.Key, i => (IReadOnlyList<string>)[.. i.Value.Select(_workspace.Artifacts.PathOf)], StringComparer.Ordinal);
            var (execution, outputs, attempts) = await ExecuteWithRetriesAsync(state, step, component, parameters, inputPaths, stepDir, logPath, cancellationToken);

            // Import outputs into the content-addressed store; only then is the step's work durable.
            var outputDigests = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, path) in outputs)
            {
                if (!File.Exists(path))
                {
                    throw new StepFailedException($"the step did not write its output '{name}'");
                }

                var info = await _workspace.Artifacts.ImportAsync(path, CancellationToken.None);
                var kind = component?.Descriptor.Outputs.FirstOrDefault(o => o.Name == name)?.Kind ?? "file";
                await _workspace.Metadata.RecordArtifactAsync(info, kind, null, CancellationToken.None);
                outputDigests[name] = info.Digest;
            }

            var valuesInfo = await _workspace.Artifacts.PutBytesAsync(SerializeValues(execution.Result), CancellationToken.None);
            await _workspace.Metadata.RecordArtifactAsync(valuesInfo, "values", "application/json", CancellationToken.None);
            var cacheOutputs = new Dictionary<string, string>(outputDigests, StringComparer.Ordinal) { [ValuesOutput] = valuesInfo.Digest };
            if (step.Cache)
            {
                await _workspace.Metadata.PutCacheAsync(cacheKey, cacheOutputs, state.RunId, step.Name, CancellationToken.None);
            }

            var result = new StepResult
            {
                Name = step.Name,
                Status = StepStatus.Succeeded,
                Attempts = attempts,
                CacheKey = cacheKey,
                Outputs = outputDigests,
                Values = execution.Result.Values,
                Labels = execution.Result.Labels,
                Duration = _time.GetUtcNow() - started,
                LogPath = logPath,
            };
            await RecordAsync(state, step, result, parameters, inputDigests, CancellationToken.None, started, execution.ExitCode);
            events?.Report(new RunEvent(RunEventKind.StepSucceeded, state.RunId, step.Name, "succeeded", state.Clock.Elapsed));
            return result;
        }
        catch (Exception ex) when (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            var result = new StepResult { Name = step.Name, Status = StepStatus.Cancelled, Error = "cancelled", Duration = _time.GetUtcNow() - started, LogPath = logPath };
            await RecordAsync(state, step, result, null, null, CancellationToken.None, started);
            events?.Report(new RunEvent(RunEventKind.StepCancelled, state.RunId, step.Name, "cancelled", state.Clock.Elapsed));
            return result;
        }
        catch (Exception ex)
        {
            // Any failure inside a step (a component's own exception included) fails that step, not the runner.
            var attempts = ex is AttemptsExhaustedException exhausted ? exhausted.Attempts : 1;
            var inner = ex is AttemptsExhaustedException e2 ? e2.InnerException! : ex;
            var message = OneLine(inner);
            var result = new StepResult
            {
                Name = step.Name,
                Status = StepStatus.Failed,
                Error = message,
                Attempts = attempts,
                Duration = _time.GetUtcNow() - started,
                LogPath = File.Exists(logPath) ? logPath : null,
            };
            await RecordAsync(state, step, result, null, null, CancellationToken.None, started, (inner as StepFailedException)?.ExitCode);
            events?.Report(new RunEvent(RunEventKind.StepFailed, state.RunId, step.Name, message, state.Clock.Elapsed));
            return result;
        }
    }

    private async Task<(StepExecution Execution, IReadOnlyDictionary<string, string> Outputs, int Attempts)> ExecuteWithRetriesAsync(
        RunState state,
        StepSpec step,
        IComponent? component,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, IReadOnlyList<string>> inputs,
        string stepDir,
        string logPath,
        CancellationToken cancellationToken)
    {
        var maxAttempts = step.Retries.Count + 1;
        var backoff = step.Retries.Backoff;
        for (var attempt = 1; ; attempt++)
        {
            var attemptDir = Path.Combine(stepDir, string.Create(CultureInfo.InvariantCulture, $"attempt-{attempt}"));
            var outDir = Path.Combine(attemptDir, "out");
            Directory.CreateDirectory(outDir);
            var outputNames = component?.Descriptor.Outputs.Select(o => o.Name) ?? step.Outputs;
            var outputs = outputNames.ToDictionary(n => n, n => Path.Combine(outDir, n), StringComparer.Ordinal);
            var command = step.Run is null
                ? null
                : RenderCommand(state, step, n => string.Join(' ', inputs.TryGetValue(n, out var ps) ? ps.Select(Quote) : []), n => Quote(outputs[n]));

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (step.Timeout is { } limit)
            {
                timeout.CancelAfter(limit);
            }

            await using var log = new StreamWriter(logPath, append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"--- attempt {attempt}/{maxAttempts} of step '{step.Name}' ({step.Uses ?? "run"}) at {_time.GetUtcNow():O}"));
            try
            {
                var invocation = new StepInvocation
                {
                    RunId = state.RunId,
                    Step = step,
                    Component = component,
                    Command = command,
                    Parameters = parameters,
                    Inputs = inputs,
                    Outputs = outputs,
                    WorkDirectory = attemptDir,
                    Log = log,
                };
                var execution = await _executor.ExecuteAsync(invocation, timeout.Token);
                return (execution, outputs, attempt);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsRetryable(ex))
            {
                var failure = ex is OperationCanceledException
                    ? new StepFailedException($"timed out after {Describe(step.Timeout!.Value)}")
                    : ex;
                await log.WriteLineAsync($"--- attempt {attempt.ToString(CultureInfo.InvariantCulture)} failed: {OneLine(failure)}");
                if (attempt >= maxAttempts)
                {
                    throw new AttemptsExhaustedException(attempt, failure);
                }

                state.Options.Events?.Report(new RunEvent(RunEventKind.StepRetrying, state.RunId, step.Name,
                    string.Create(CultureInfo.InvariantCulture, $"attempt {attempt} failed ({OneLine(failure)}); retrying in {Describe(backoff)}"),
                    state.Clock.Elapsed));
                await Task.Delay(backoff, _time, cancellationToken);
                backoff *= 2;
            }
        }
    }

    private static bool IsRetryable(Exception ex) => ex is not (ExpressionException or ArgumentException);

    private ExprValue Resolve(RunState state, ExprRef r) => r.Scope switch
    {
        "params" => state.Params.TryGetValue(r.Name, out var p) ? ExprValue.FromText(p) : ExprValue.Null,
        "steps" when state.Results.TryGetValue(r.Step!, out var s) =>
            s.Values.TryGetValue(r.Name, out var v) ? new ExprValue(v)
            : s.Labels.TryGetValue(r.Name, out var l) ? new ExprValue(l)
            : s.Outputs.TryGetValue(r.Name, out var d) ? new ExprValue(d)
            : ExprValue.Null,
        _ => ExprValue.Null,
    };

    private SortedDictionary<string, string> ResolveWith(RunState state, StepSpec step, ComponentDescriptor? descriptor)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in descriptor?.Parameters ?? [])
        {
            if (p.Default is not null)
            {
                result[p.Name] = p.Default;
            }
        }

        foreach (var (key, value) in step.With)
        {
            result[key] = Render(state, value);
        }

        return result;
    }

    private string Render(RunState state, SpecValue value) => value switch
    {
        ScalarValue s => Template.Parse(s.Text).Evaluate(r => Resolve(state, r)).ToText(),
        ListValue l => JsonSerializer.Serialize(l.Items.Select(i => Render(state, i))),
        MapValue m => JsonSerializer.Serialize(m.Entries.ToDictionary(e => e.Key, e => Render(state, e.Value))),
        _ => "",
    };

    /// <summary>
    /// The command of a <c>run:</c> step with expressions resolved; <c>inputs.x</c> and <c>outputs.y</c>
    /// become what <paramref name="input"/> and <paramref name="output"/> say (paths to run, digests and
    /// names for the cache key).
    /// </summary>
    private string RenderCommand(RunState state, StepSpec step, Func<string, string> input, Func<string, string> output) =>
        Template.Parse(step.Run!).Evaluate(r => r.Scope switch
        {
            "inputs" => new ExprValue(input(r.Name)),
            "outputs" => new ExprValue(output(r.Name)),
            _ => Resolve(state, r),
        }).ToText();

    private string CacheKey(
        StepSpec step,
        ComponentDescriptor? descriptor,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, IReadOnlyList<string>> inputs,
        string? command,
        string? external)
    {
        // Canonical JSON (sorted keys) of everything that determines the outputs.
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("component", descriptor?.Reference ?? "run");
            if (command is not null)
            {
                w.WriteString("command", command);
                w.WriteString("image", step.Image);
                w.WriteStartArray("outputs");
                foreach (var o in step.Outputs.Order(StringComparer.Ordinal))
                {
                    w.WriteStringValue(o);
                }

                w.WriteEndArray();
            }

            w.WriteStartObject("params");
            foreach (var (k, v) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteStartObject("inputs");
            foreach (var (k, ds) in inputs.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteStartArray(k);
                foreach (var d in ds)
                {
                    w.WriteStringValue(d);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            if (external is not null)
            {
                w.WriteString("external", external);
            }

            if (_executor.CacheIdentity(step) is { } identity)
            {
                w.WriteString("executor", identity);
            }

            w.WriteEndObject();
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private static byte[] SerializeValues(ComponentResult result)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("values");
            foreach (var (k, v) in result.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(k, v);
            }

            w.WriteEndObject();
            w.WriteStartObject("labels");
            foreach (var (k, v) in result.Labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private async Task<(IReadOnlyDictionary<string, double>, IReadOnlyDictionary<string, string>)> ReadValuesAsync(
        IReadOnlyDictionary<string, string> outputs, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (outputs.TryGetValue(ValuesOutput, out var digest))
        {
            var bytes = await File.ReadAllBytesAsync(_workspace.Artifacts.PathOf(digest), cancellationToken);
            using var doc = JsonDocument.Parse(bytes);
            foreach (var p in doc.RootElement.GetProperty("values").EnumerateObject())
            {
                values[p.Name] = p.Value.GetDouble();
            }

            foreach (var p in doc.RootElement.GetProperty("labels").EnumerateObject())
            {
                labels[p.Name] = p.Value.GetString()!;
            }
        }

        return (values, labels);
    }

    private async Task RecordAsync(
        RunState state,
        StepSpec step,
        StepResult result,
        IReadOnlyDictionary<string, string>? parameters,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? inputs,
        CancellationToken cancellationToken,
        DateTimeOffset? started = null,
        int? exitCode = null)
    {
        await _workspace.Metadata.UpsertStepAsync(new StepRecord
        {
            RunId = state.RunId,
            Step = step.Name,
            Component = ComponentLabel(step),
            Status = result.Status,
            StartedAt = started,
            FinishedAt = started is null ? null : _time.GetUtcNow(),
            Attempts = result.Attempts,
            Cached = result.Cached,
            ExitCode = exitCode,
            CacheKey = result.CacheKey,
            ParamsJson = parameters is null ? "{}" : JsonSerializer.Serialize(parameters),
            Error = result.Error,
        }, cancellationToken);

        if (inputs is not null)
        {
            var flatInputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, digests) in inputs)
            {
                for (var i = 0; i < digests.Count; i++)
                {
                    flatInputs[digests.Count == 1 ? name : string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]")] = digests[i];
                }
            }

            await _workspace.Metadata.RecordStepIoAsync(state.RunId, step.Name, flatInputs, result.Outputs, cancellationToken);
        }

        var finite = result.Values.Where(v => double.IsFinite(v.Value)).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        if (finite.Count > 0)
        {
            await _workspace.Metadata.RecordMetricsAsync(state.RunId, step.Name, finite, cancellationToken);
        }
    }

    /// <summary>Single-quotes a path for /bin/sh (paths of the store never contain quotes, but work folders might).</summary>
    private static string Quote(string path) => OperatingSystem.IsWindows() ? "\"" + path + "\"" : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string ComponentLabel(StepSpec step) => step.Uses ?? (step.Image is null ? "run" : "run@" + step.Image);

    private static string OneLine(Exception ex) => ex.Message.ReplaceLineEndings(" ").Trim();

    private static string Describe(TimeSpan t) =>
        t.TotalSeconds >= 1 ? t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s" : t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";

    private sealed class AttemptsExhaustedException(int attempts, Exception inner) : Exception(inner.Message, inner)
    {
        public int Attempts { get; } = attempts;
    }

    private sealed class RunState(
        PipelineSpec spec, PipelineGraph graph, IReadOnlyDictionary<string, string> parameters, string runId, string runDirectory, RunOptions options, Stopwatch clock)
    {
        public PipelineSpec Spec { get; } = spec;

        public PipelineGraph Graph { get; } = graph;

        public IReadOnlyDictionary<string, string> Params { get; } = parameters;

        public string RunId { get; } = runId;

        public string RunDirectory { get; } = runDirectory;

        public RunOptions Options { get; } = options;

        public Stopwatch Clock { get; } = clock;

        public System.Collections.Concurrent.ConcurrentDictionary<string, StepResult> Results { get; } = new(StringComparer.Ordinal);
    }
}
