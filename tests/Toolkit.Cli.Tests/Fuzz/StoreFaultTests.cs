using System.Diagnostics;

namespace Toolkit.Cli.Tests.Fuzz;

/// <summary>
/// The store under faults (#11): a store this user may not write still answers read commands, and a
/// write names the read-only file; temp files of a killed import are removed by the next command; an
/// artifact is never more readable than the file it came from.
/// </summary>
public sealed class StoreFaultTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public StoreFaultTests()
    {
        File.WriteAllText(_folder.File("toolkit.yaml"), "store: .toolkit\n");
        File.WriteAllText(_folder.File("p.yaml"), """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: faults
            steps:
              - name: ingest
                uses: data/synthesize
                with:
                  generator: diabetes
                  rows: 60

            """);
    }

    public void Dispose()
    {
        Unmount();
        _folder.Dispose();
    }

    private string Store => _folder.File(".toolkit");

    /// <summary>
    /// Root ignores file modes, so the store is made read-only the way a file system does it: a read-only
    /// bind mount of the store over itself (needs root, as the tests here run; elsewhere the test says so and stops).
    /// </summary>
    [Fact]
    public async Task ReadOnlyStore_ReadCommandsWork_AWriteNamesTheReadOnlyFile()
    {
        (await RunAsync("pipeline", "run", "p.yaml")).ExitCode.Should().Be(0);
        (await RunAsync("model", "list")).ExitCode.Should().Be(0); // creates the registry, as a user's earlier commands would
        var before = Directory.EnumerateFiles(Store, "*", SearchOption.AllDirectories).Select(f => (f, File.GetLastWriteTimeUtc(f))).ToList();
        if (!MountReadOnly())
        {
            Environment.GetEnvironmentVariable("CI").Should().NotBe("true", "CI runs this test as root, where a read-only bind mount is possible");
            return;
        }

        var list = await RunAsync("runs", "list", "--json");
        list.ExitCode.Should().Be(0, list.Error);
        list.Output.Should().Contain("\"faults\"");
        (await RunAsync("model", "list")).ExitCode.Should().Be(0);
        (await RunAsync("artifacts", "verify")).ExitCode.Should().Be(0);

        var run = await RunAsync("pipeline", "run", "p.yaml", "--no-cache");
        run.ExitCode.Should().Be(ExitCodes.Failure);
        run.Error.Should().Contain(Path.Combine(Store, "metadata.db")).And.Contain("read-only").And.NotContain("SQLite Error");

        Unmount();
        Directory.EnumerateFiles(Store, "*", SearchOption.AllDirectories).Select(f => (f, File.GetLastWriteTimeUtc(f)))
            .Should().BeEquivalentTo(before, "reading a store writes nothing to it");
    }

    [Fact]
    public async Task TempOfAKilledImport_RemovedByTheNextCommand_ALiveOneKept()
    {
        (await RunAsync("pipeline", "run", "p.yaml")).ExitCode.Should().Be(0);
        (await RunAsync("model", "list")).ExitCode.Should().Be(0);
        var artifactTemps = Path.Combine(Store, "artifacts", "tmp");
        var registryModels = Path.Combine(Store, "registry", "models", "sha256", "ab");
        Directory.CreateDirectory(artifactTemps);
        Directory.CreateDirectory(registryModels);
        var dead = DeadPid();
        var killedImport = Path.Combine(artifactTemps, $"{dead}.{Guid.NewGuid():N}.tmp");
        var killedRegister = Path.Combine(registryModels, $".{new string('a', 64)}.tkm.{dead}.{Guid.NewGuid():N}.tmp");
        var inProgress = Path.Combine(artifactTemps, $"{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        foreach (var file in new[] { killedImport, killedRegister, inProgress })
        {
            await File.WriteAllBytesAsync(file, new byte[1 << 20]);
        }

        (await RunAsync("runs", "list")).ExitCode.Should().Be(0);
        File.Exists(killedImport).Should().BeFalse("the next command that opens the store removes an abandoned import");
        File.Exists(inProgress).Should().BeTrue("a temp whose writer is alive may be an import in progress");

        (await RunAsync("model", "list")).ExitCode.Should().Be(0);
        File.Exists(killedRegister).Should().BeFalse("the next command that opens the registry removes an abandoned registration");
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite, UnixFileMode.UserRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, UnixFileMode.UserRead | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    public async Task LoadCsv_StoresTheArtifact_NoMoreReadableThanItsSource(UnixFileMode source, UnixFileMode expected)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes
        }

        await File.WriteAllTextAsync(_folder.File("private.csv"), "a,y\n1,0\n2,1\n3,0\n");
        File.SetUnixFileMode(_folder.File("private.csv"), source);
        await File.WriteAllTextAsync(_folder.File("load.yaml"), """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: load
            steps:
              - name: load
                uses: data/load-csv
                with:
                  path: private.csv

            """);

        var run = await RunAsync("pipeline", "run", "load.yaml", "--json");

        run.ExitCode.Should().Be(0, run.Error);
        using var json = System.Text.Json.JsonDocument.Parse(run.Output);
        var dataset = json.RootElement.GetProperty("steps")[0].GetProperty("outputs").GetProperty("dataset").GetProperty("path").GetString()!;
        File.GetUnixFileMode(dataset).Should().Be(expected);
    }

    [Fact]
    public async Task DerivedArtifacts_OfAPrivateSource_AreNoMoreReadableThanIt()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes
        }

        var rows = string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},{i % 2}\n"));
        await File.WriteAllTextAsync(_folder.File("private.csv"), "a,y\n" + rows);
        File.SetUnixFileMode(_folder.File("private.csv"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(_folder.File("split.yaml"), """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: split
            steps:
              - name: load
                uses: data/load-csv
                with:
                  path: private.csv
              - name: split
                uses: data/split
                inputs: { dataset: load.dataset }
                with:
                  test_fraction: 0.25
                  seed: 1

            """);

        var run = await RunAsync("pipeline", "run", "split.yaml", "--json");

        run.ExitCode.Should().Be(0, run.Error);
        using var json = System.Text.Json.JsonDocument.Parse(run.Output);
        var split = json.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "split");
        var outputs = split.GetProperty("outputs").EnumerateObject().Select(o => o.Value.GetProperty("path").GetString()!).ToList();
        outputs.Should().HaveCountGreaterThanOrEqualTo(2);
        foreach (var path in outputs)
        {
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead, "{0} is computed from a 0600 file", path);
        }
    }

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunInAsync(_folder.Path, args);

    private bool MountReadOnly()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root")
        {
            return false;
        }

        return Run("mount", "--bind", Store, Store) && (Run("mount", "-o", "remount,bind,ro", Store) || !Unmount());
    }

    private bool Unmount() => OperatingSystem.IsLinux() && Directory.Exists(Store) && File.ReadAllText("/proc/self/mounts").Contains(Store, StringComparison.Ordinal) && Run("umount", Store);

    private static bool Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    /// <summary>A process id no process has now: a child that has exited (and been reaped).</summary>
    private static int DeadPid()
    {
        using var child = Process.Start(new ProcessStartInfo("true"))!;
        child.WaitForExit();
        return child.Id;
    }
}
