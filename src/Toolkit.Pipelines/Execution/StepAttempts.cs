using System.Globalization;
using System.Text;
using Toolkit.Secrets;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Execution;

/// <summary>
/// Runs a resolved step's attempts on the executor: a fresh folder per attempt, the timeout, retries
/// with doubling backoff, and a log line for each attempt.
/// </summary>
internal sealed class StepAttempts(IStepExecutor executor, TimeProvider time)
{
    public async Task<(StepExecution Execution, IReadOnlyDictionary<string, string> Outputs, int Attempts)> RunAsync(
        RunState state,
        ResolvedStep resolved,
        IReadOnlyDictionary<string, IReadOnlyList<string>> inputs,
        string stepDir,
        string logPath,
        CancellationToken cancellationToken)
    {
        var step = resolved.Step;
        var component = resolved.Component;
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
                : StepExpressions.RenderCommand(state, step, n => string.Join(' ', inputs.TryGetValue(n, out var ps) ? ps.Select(Quote) : []), n => Quote(outputs[n]));

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (step.Timeout is { } limit)
            {
                timeout.CancelAfter(limit);
            }

            await using var file = new StreamWriter(logPath, append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };

            // Step logs are kept under the store and shown by `runs logs`: the caller's secrets never reach them.
            await using var log = TextWriter.Synchronized(SecretMask.FromEnvironment().Wrap(file));
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"--- attempt {attempt}/{maxAttempts} of step '{step.Name}' ({step.Uses ?? "run"}) at {time.GetUtcNow():O}"));
            try
            {
                var invocation = new StepInvocation
                {
                    RunId = state.RunId,
                    Step = step,
                    Component = component,
                    Command = command,
                    Parameters = resolved.Parameters,
                    Inputs = inputs,
                    Outputs = outputs,
                    WorkDirectory = attemptDir,
                    ProjectDirectory = state.ProjectDirectory,
                    Log = log,
                };
                var execution = await executor.ExecuteAsync(invocation, timeout.Token);
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
                await Task.Delay(backoff, time, cancellationToken);
                backoff *= 2;
            }
        }
    }

    public static string OneLine(Exception ex) => ex.Message.ReplaceLineEndings(" ").Trim();

    private static bool IsRetryable(Exception ex) => ex is not (ExpressionException or ArgumentException);

    /// <summary>Single-quotes a path for /bin/sh (paths of the store never contain quotes, but work folders might).</summary>
    private static string Quote(string path) => OperatingSystem.IsWindows() ? "\"" + path + "\"" : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Describe(TimeSpan t) =>
        t.TotalSeconds >= 1 ? t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s" : t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";
}

/// <summary>Every attempt of a step failed; the inner exception is the last failure.</summary>
internal sealed class AttemptsExhaustedException(int attempts, Exception inner) : Exception(inner.Message, inner)
{
    public int Attempts { get; } = attempts;
}
