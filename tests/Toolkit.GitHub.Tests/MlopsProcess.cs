using System.Diagnostics;

namespace Toolkit.GitHub.Tests;

internal sealed record MlopsResult(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;
}

/// <summary>
/// Runs the built <c>mlops</c> as its own process, so that each test gives it the environment GitHub Actions
/// would (GITHUB_*) without touching this process's: tests run in parallel. Inherited GITHUB_* variables are
/// dropped, so the tests behave the same inside a real Actions job.
/// </summary>
internal static class MlopsProcess
{
    public static async Task<MlopsResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlops.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("GITHUB_", StringComparison.Ordinal) || k.StartsWith("MLFLOW_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new MlopsResult(process.ExitCode, await output, await error);
    }
}

/// <summary>A project folder (reference pipelines and policies) with one housing pipeline run, made once; tests work on copies.</summary>
public sealed class ProjectWithRun : IAsyncLifetime
{
    public string Template { get; } = Path.Combine(Path.GetTempPath(), "toolkit-tests", "github-" + Guid.NewGuid().ToString("N"));

    public string RunId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var root = PrismServer.RepositoryRoot();
        foreach (var folder in new[] { "pipelines", "models/housing" })
        {
            Directory.CreateDirectory(Path.Combine(Template, folder));
            foreach (var file in Directory.GetFiles(Path.Combine(root, folder)))
            {
                File.Copy(file, Path.Combine(Template, folder, Path.GetFileName(file)));
            }
        }

        // The same model under a policy it cannot pass: r2 >= 0.999.
        var strict = File.ReadAllText(Path.Combine(Template, "models/housing/model.yaml"))
            .Replace("name: housing", "name: strict", StringComparison.Ordinal)
            .Replace("\"r2 >= 0.80\"", "\"r2 >= 0.999\"", StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(Template, "models/strict"));
        File.WriteAllText(Path.Combine(Template, "models/strict/model.yaml"), strict);
        File.WriteAllText(Path.Combine(Template, "toolkit.yaml"), "store: .toolkit\n");

        var run = await MlopsProcess.RunAsync(Template, new Dictionary<string, string>(), "pipeline", "run", "pipelines/housing.yaml", "--param", "rows=1500", "--json");
        run.ExitCode.Should().Be(0, run.Error);
        using var json = System.Text.Json.JsonDocument.Parse(run.Output);
        RunId = json.RootElement.GetProperty("run_id").GetString()!;
    }

    /// <summary>A fresh copy of the project (store and registry included) for one test.</summary>
    public string Copy()
    {
        var target = Path.Combine(Path.GetTempPath(), "toolkit-tests", "github-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(Template, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(Template, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return target;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Template, recursive: true);
        return Task.CompletedTask;
    }
}
