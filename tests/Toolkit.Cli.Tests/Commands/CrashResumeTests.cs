using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Toolkit.Pipelines.Execution;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// A real mlops process killed with SIGKILL in the middle of a run: the store stays consistent and
/// the next run resumes from the steps that completed.
/// </summary>
public sealed partial class CrashResumeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _temp.Dispose();
    }

    private const string Pipeline = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: crash
        params: { wait: 60 }
        steps:
          - name: first
            run: 'head -c 200000 /dev/urandom > "$TOOLKIT_OUTPUT_OUT"; printf "%s" 1 >> "$TOOLKIT_OUTPUT_OUT"'
            outputs: [out]
          - name: second
            run: 'sleep ${{ params.wait }}; cat "$TOOLKIT_INPUT_X" > "$TOOLKIT_OUTPUT_OUT"'
            inputs: { x: first.out }
            outputs: [out]
        """;

    private Process Start(params string[] args)
    {
        var mlops = Path.Combine(AppContext.BaseDirectory, "mlops.dll");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _temp.Path, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(mlops);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["CI"] = "true"; // plain progress lines
        return Process.Start(start)!;
    }

    [Fact]
    public async Task KillMinus9_MidRun_NextRunResumesFromCompletedSteps()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the pipeline's run: steps use /bin/sh tools
        }

        File.WriteAllText(_temp.File("toolkit.yaml"), "store: .toolkit\n");
        File.WriteAllText(_temp.File("crash.yaml"), Pipeline);

        using (var victim = Start("pipeline", "run", "crash.yaml"))
        {
            // Wait until the first step is done and the second is running, then kill without warning.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? line;
            while ((line = await victim.StandardError.ReadLineAsync(timeout.Token)) is not null)
            {
                if (line.Contains("second", StringComparison.Ordinal) && line.Contains("running", StringComparison.Ordinal))
                {
                    break;
                }
            }

            line.Should().NotBeNull("the first run reached the second step");
            victim.Kill(entireProcessTree: true);
            await victim.WaitForExitAsync();
        }

        await using (var workspace = await Workspace.OpenAsync(_temp.File(".toolkit")))
        {
            foreach (var artifact in workspace.Artifacts.Enumerate())
            {
                (await workspace.Artifacts.VerifyAsync(artifact.Digest)).Should().BeTrue("no artifact is left half-written");
            }
        }

        using var resumed = Start("pipeline", "run", "crash.yaml", "--param", "wait=0", "--json");
        var output = await resumed.StandardOutput.ReadToEndAsync();
        await resumed.WaitForExitAsync();

        resumed.ExitCode.Should().Be(0, output);
        using var json = JsonDocument.Parse(output);
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        steps["first"].GetProperty("cached").GetBoolean().Should().BeTrue("the completed step is not redone");
        steps["second"].GetProperty("status").GetString().Should().Be("succeeded");
        File.ReadAllBytes(steps["second"].GetProperty("outputs").GetProperty("out").GetProperty("path").GetString()!).Should()
            .HaveCount(200_001).And.EndWith([(byte)'1']);

        using var list = Start("runs", "list", "--json");
        var runs = await list.StandardOutput.ReadToEndAsync();
        await list.WaitForExitAsync();
        using var runsJson = JsonDocument.Parse(runs);
        runsJson.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("status").GetString())
            .Should().Equal("succeeded", "failed"); // newest first; the killed run is not left 'running'
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [Fact]
    public async Task CtrlC_MidRun_StopsTheStepProcess_AndRecordsCancelled()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.WriteAllText(_temp.File("toolkit.yaml"), "store: .toolkit\n");
        var marker = Guid.NewGuid().ToString("N");
        File.WriteAllText(_temp.File("slow.yaml"), $$"""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: slow
            steps:
              - name: wait
                run: 'sleep 120 # {{marker}}'
            """);

        using var run = Start("pipeline", "run", "slow.yaml", "--json");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line;
        while ((line = await run.StandardError.ReadLineAsync(timeout.Token)) is not null && !line.Contains("running", StringComparison.Ordinal))
        {
        }

        kill(run.Id, 2).Should().Be(0); // SIGINT, as Ctrl+C sends
        var output = await run.StandardOutput.ReadToEndAsync(timeout.Token);
        await run.WaitForExitAsync(timeout.Token);

        run.ExitCode.Should().Be(1);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("status").GetString().Should().Be("cancelled");
        json.RootElement.GetProperty("steps")[0].GetProperty("status").GetString().Should().Be("cancelled");
        Process.GetProcessesByName("sleep").Where(p => CommandLine(p.Id).Contains(marker, StringComparison.Ordinal))
            .Should().BeEmpty("the step's process tree is stopped");
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}
