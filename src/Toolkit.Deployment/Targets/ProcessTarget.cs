using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Toolkit.Deployment.Targets;

/// <summary>
/// A stage's service as a background <c>mlops serve --model NAME --model-version N --port P</c>, for machines
/// without Docker. The process is detached (its own session, stdio to <c>serve.log</c>), so it outlives the
/// deploy; <c>serve.pid</c> under <c>&lt;store&gt;/deployments/&lt;instance&gt;/</c> says which process it is.
/// </summary>
internal sealed class ProcessTarget(MlopsLauncher launcher, string projectRoot, string deploymentsRoot) : IServiceTarget
{
    public const string PidFileName = "serve.pid";
    public const string LogFileName = "serve.log";

    /// <summary>The stage's prediction log, beside its serve.log (a candidate writes to its stage's).</summary>
    public const string PredictionLogFileName = "predictions.jsonl";

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    public DeploymentTarget Kind => DeploymentTarget.Process;

    public async Task<RunningService> StartAsync(ServiceSpec spec, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var folder = Path.Combine(deploymentsRoot, spec.Instance);
        Directory.CreateDirectory(folder);
        var log = Path.Combine(folder, LogFileName);
        await File.AppendAllTextAsync(
            log,
            string.Create(CultureInfo.InvariantCulture, $"--- {DateTimeOffset.UtcNow:O} mlops serve {spec.Model} v{spec.Version} on 127.0.0.1:{spec.Port}{Environment.NewLine}"),
            cancellationToken);

        // Each stage's service logs its own live traffic (the checks mark theirs and are left out), at
        // model.yaml's serving.prediction_log rate: what monitoring reads.
        string[] serve =
        [
            .. launcher.Prefix, "serve", "--model", spec.Model, "--model-version", spec.Version.ToString(CultureInfo.InvariantCulture),
            "--port", spec.Port.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1",
            "--log", Path.Combine(deploymentsRoot, StageInstance(spec), PredictionLogFileName),
        ];
        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"starting mlops serve {spec.Model} v{spec.Version} on port {spec.Port} (log: {log})"));
        using var process = Process.Start(Detached(launcher.FileName, serve, log))
            ?? throw new DeploymentException($"could not start {launcher.FileName}", DeploymentFailureKind.Failed);
        var pid = process.Id;
        var started = StartTime(process);
        var service = new RunningService
        {
            Target = DeploymentTarget.Process,
            Instance = spec.Instance,
            Port = spec.Port,
            Pid = pid,
            PidStartedAt = started,
            LogPath = log,
        };
        var pidFile = new PidFile(pid, started, spec.Model, spec.Version, spec.Port);
        await File.WriteAllTextAsync(Path.Combine(folder, PidFileName), JsonSerializer.Serialize(pidFile), cancellationToken);
        return service;
    }

    public async Task StopAsync(RunningService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.Pid is { } pid && IsOurs(pid, service.PidStartedAt))
        {
            // SIGTERM first: mlops serve lets in-flight requests finish; SIGKILL only when it does not end in time.
            await SignalAsync(pid, "TERM", cancellationToken);
            var waited = Stopwatch.StartNew();
            while (IsOurs(pid, service.PidStartedAt) && waited.Elapsed < StopGrace)
            {
                await Task.Delay(100, cancellationToken);
            }

            if (IsOurs(pid, service.PidStartedAt))
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(cancellationToken);
                }
                catch (ArgumentException)
                {
                    // Gone in the meantime.
                }
                catch (InvalidOperationException)
                {
                    // Gone in the meantime.
                }
            }
        }

        var pidPath = Path.Combine(deploymentsRoot, service.Instance, PidFileName);
        if (File.Exists(pidPath))
        {
            File.Delete(pidPath);
        }
    }

    public Task<bool> IsRunningAsync(RunningService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        return Task.FromResult(service.Pid is { } pid && IsOurs(pid, service.PidStartedAt));
    }

    public async Task<string?> TailAsync(RunningService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.LogPath is not { } log || !File.Exists(log))
        {
            return null;
        }

        var lines = await File.ReadAllLinesAsync(log, cancellationToken);
        return string.Join(" | ", lines.Reverse().TakeWhile(l => !l.StartsWith("--- ", StringComparison.Ordinal)).Reverse().TakeLast(5));
    }

    /// <summary>
    /// True while the process with this pid is alive and is the one started at <paramref name="startedAt"/>
    /// (a pid the system gave to another process since does not count).
    /// </summary>
    internal static bool IsOurs(int pid, DateTimeOffset? startedAt)
    {
        if (OperatingSystem.IsLinux())
        {
            // A zombie (exited, not yet reaped) still has a /proc entry: state Z counts as dead.
            var stat = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat";
            try
            {
                var text = File.ReadAllText(stat);
                var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
                if (state is "Z" or "X")
                {
                    return false;
                }
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
            {
                return false;
            }

            return startedAt is not { } expected || Math.Abs((StartTime(process) - expected).TotalSeconds) < 2;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static DateTimeOffset StartTime(Process process) => new DateTimeOffset(process.StartTime).ToUniversalTime();

    /// <summary>
    /// On Unix: <c>setsid sh -c 'exec "$@" &gt;&gt; LOG 2&gt;&amp;1 &lt; /dev/null'</c>, so the server has its own session
    /// (no Ctrl+C or hang-up of the deploy's terminal reaches it) and none of the deploy's pipes; exec keeps the pid.
    /// </summary>
    private static string StageInstance(ServiceSpec spec) => $"{spec.Model}-{spec.Stage}";

    private ProcessStartInfo Detached(string file, IReadOnlyList<string> args, string log)
    {
        ProcessStartInfo start;
        if (OperatingSystem.IsWindows())
        {
            start = new ProcessStartInfo(file) { CreateNoWindow = true };
            foreach (var a in args)
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            var setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
            start = new ProcessStartInfo(setsid ?? "/bin/sh");
            if (setsid is not null)
            {
                start.ArgumentList.Add("/bin/sh");
            }

            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec \"$@\" >> \"$0\" 2>&1 < /dev/null");
            start.ArgumentList.Add(log);
            start.ArgumentList.Add(file);
            foreach (var a in args)
            {
                start.ArgumentList.Add(a);
            }
        }

        start.UseShellExecute = false;
        start.WorkingDirectory = projectRoot;
        return start;
    }

    private static async Task SignalAsync(int pid, string signal, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var start = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-" + signal);
        start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(start);
        if (kill is not null)
        {
            await kill.WaitForExitAsync(cancellationToken);
        }
    }

    /// <summary>What serve.pid holds.</summary>
    private sealed record PidFile(int Pid, DateTimeOffset StartedAt, string Model, int Version, int Port);
}
