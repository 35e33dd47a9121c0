using System.Diagnostics;
using System.Text;

namespace Toolkit.Build.Tests;

internal sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    /// <summary>Both streams, for assertion messages and for text that may go to either.</summary>
    public string All => Output + Error;
}

/// <summary>Runs a real process in a folder with a clean environment (no CI or registry variables of the caller).</summary>
internal static class ProcessRunner
{
    // A hung build must fail the test run, not stall it; generous, so it never decides a result.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(10);

    // Variables that would change what the build does: a CI job's, an MLflow registry's.
    private static readonly string[] Isolated = ["CI", "GITHUB_ACTIONS", "GITHUB_ACTOR", "GITHUB_OUTPUT", "GITHUB_RUN_ID", "MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN"];

    private static readonly string CakeCache = Path.Combine(Path.GetTempPath(), "toolkit-tests", "cake-script-cache");

    public static async Task<ProcessResult> RunAsync(
        string workingDirectory, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in Isolated)
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["NO_COLOR"] = "1";

        // build.cake is compiled once for all copies: Cake keys its script cache on the content of the
        // script and what it loads, so an edited script is compiled again.
        start.Environment["CAKE_SETTINGS_ENABLESCRIPTCACHE"] = "true";
        start.Environment["CAKE_PATHS_CACHE"] = CakeCache;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(Guard);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = new StringBuilder();
        var error = new StringBuilder();
        var reading = Task.WhenAll(
            Pump(process.StandardOutput, output, guard.Token),
            Pump(process.StandardError, error, guard.Token));
        try
        {
            await process.WaitForExitAsync(guard.Token);
            await reading;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {Guard}:\n{output}\n{error}");
        }

        return new ProcessResult(process.ExitCode, output.ToString(), error.ToString());
    }

    private static async Task Pump(StreamReader reader, StringBuilder into, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            into.AppendLine(line);
        }
    }
}
