using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Toolkit.GitHub.Tests;

/// <summary>
/// GitHub's own OpenAPI description (npm <c>@octokit/openapi</c>) served by Prism (<c>@stoplight/prism-cli</c>)
/// on a free port of 127.0.0.1, one per test class (it takes seconds to load the 13 MB description). Prism
/// refuses a request that does not match the description (422) and logs why; <see cref="RequestViolations"/>
/// reads its log. With <c>--errors</c> a violation is also an error answer, never a silent 200; the toolkit
/// avoids the few endpoints whose example in GitHub's description breaks its own schema (then Prism answers 500).
/// </summary>
public sealed class PrismServer : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    public Uri ApiUrl { get; private set; } = null!;

    public IReadOnlyList<string> Log => [.. _log];

    public static string Folder => Path.Combine(RepositoryRoot(), "tests", "Toolkit.GitHub.Tests", "prism");

    public async Task InitializeAsync()
    {
        var prism = Path.Combine(Folder, "node_modules", "@stoplight", "prism-cli", "dist", "index.js");
        var spec = Path.Combine(Folder, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json");
        if (!File.Exists(prism) || !File.Exists(spec))
        {
            // As the workflow check does: install what package-lock.json pins (.ci/run does it up front).
            await RunAsync("npm", $"ci --no-audit --no-fund --silent --prefix \"{Folder}\"");
        }

        var port = FreePort();
        var start = new ProcessStartInfo("node", $"\"{prism}\" mock \"{spec}\" -h 127.0.0.1 -p {port} --errors")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            _log.Enqueue(e.Data);
            if (e.Data.Contains("Prism is listening", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        _process.OutputDataReceived += OnLine;
        _process.ErrorDataReceived += OnLine;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromMinutes(3)));
        if (first != listening.Task)
        {
            throw new InvalidOperationException("Prism did not start: " + string.Join("\n", _log.TakeLast(20)));
        }

        ApiUrl = new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>Log lines from <paramref name="from"/> on where Prism found a request not matching GitHub's description.</summary>
    public IReadOnlyList<string> RequestViolations(int from = 0) =>
        [.. Log.Skip(from).Where(l =>
            l.Contains("Request did not pass the validation rules", StringComparison.Ordinal)
            || l.Contains("NO_PATH_MATCHED", StringComparison.Ordinal)
            || l.Contains("NO_METHOD_MATCHED", StringComparison.Ordinal)
            || (l.Contains("[VALIDATOR]", StringComparison.Ordinal) && l.Contains("error", StringComparison.Ordinal) && !l.Contains("Violation: response", StringComparison.Ordinal)))];

    /// <summary>The requests Prism received from <paramref name="from"/> on, as "get /repos/..." (Prism logs no query).</summary>
    public IReadOnlyList<string> Received(int from = 0) =>
        [.. Log.Skip(from).Where(l => l.Contains("[HTTP SERVER]", StringComparison.Ordinal) && l.Contains("Request received", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("[HTTP SERVER]", StringComparison.Ordinal) + 14)..l.IndexOf(" ℹ", StringComparison.Ordinal)].Trim())];

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Toolkit.sln not found above the test folder.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed: {error}");
        }
    }
}
