using System.Diagnostics;
using System.Text.Json;

namespace Toolkit.Monitoring.Tests;

/// <summary>
/// A test that compares with scipy computed live by Debian's /usr/bin/python3: skipped with the reason where
/// scipy is missing, except in CI (CI=true), where .ci/run installs python3-scipy and a skip would hide a gap.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ScipyFactAttribute : FactAttribute
{
    public ScipyFactAttribute()
    {
        if (!ScipyPeer.Available && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "scipy not installed (apt-get install python3-scipy)";
        }
    }
}

/// <summary>Runs a Python script against scipy with a JSON input file and parses the JSON it prints.</summary>
internal static class ScipyPeer
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> Probe = new(() =>
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import scipy, numpy"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        p.WaitForExit();
        return p.ExitCode == 0;
    });

    public static bool Available => Probe.Value;

    /// <summary>Runs <paramref name="script"/> (which reads the JSON file named by sys.argv[1]) and returns what it printed.</summary>
    public static JsonElement Run(string script, object input)
    {
        var dir = Path.Combine(Path.GetTempPath(), "toolkit-scipy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var inputPath = Path.Combine(dir, "input.json");
            var scriptPath = Path.Combine(dir, "peer.py");
            File.WriteAllText(inputPath, JsonSerializer.Serialize(input));
            File.WriteAllText(scriptPath, script);
            using var p = Process.Start(new ProcessStartInfo(Python, [scriptPath, inputPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"python3 failed ({p.ExitCode}): {stderr.Result}");
            }

            using var doc = JsonDocument.Parse(stdout);
            return doc.RootElement.Clone();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>|actual − expected| ≤ rel·|expected| (or both below 1e-300).</summary>
    public static bool Close(double actual, double expected, double rel)
    {
        if (double.IsNaN(expected))
        {
            return double.IsNaN(actual);
        }

        if (Math.Abs(expected) < 1e-300 && Math.Abs(actual) < 1e-300)
        {
            return true;
        }

        return Math.Abs(actual - expected) <= rel * Math.Abs(expected);
    }
}
