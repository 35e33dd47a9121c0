using System.Text.Json;

namespace Toolkit.Cli.Tests.Commands;

/// <summary><c>mlops artifacts verify</c> and the cache's own check, on a real store made by a real run.</summary>
public sealed class ArtifactsVerifyTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ArtifactsVerifyTests()
    {
        File.WriteAllText(_temp.File("toolkit.yaml"), "apiVersion: toolkit/v1\nkind: Project\nstore: .state\n");
        File.WriteAllText(_temp.File("p.yaml"), """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: small
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: diabetes, rows: 200, seed: 1 }
              - name: count
                run: 'wc -l < "$TOOLKIT_INPUT_ROWS" > "$TOOLKIT_OUTPUT_OUT"'
                inputs: { rows: ingest.dataset }
                outputs: [out]
            """);
    }

    public void Dispose() => _temp.Dispose();

    // Artifacts are stored read-only; an edit in place needs write permission first, as it would for a person.
    private static void MakeWritable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private string ArtifactPath(string digest) =>
        Path.Combine(_temp.Path, ".state", "artifacts", "sha256", digest[7..9], digest[7..]);

    private async Task<JsonElement> VerifyAsync(int expectedExit, params string[] extra)
    {
        var result = await CliRunner.RunInAsync(_temp.Path, ["artifacts", "verify", "--json", .. extra]);
        result.ExitCode.Should().Be(expectedExit, result.Error);
        return JsonDocument.Parse(result.Output).RootElement;
    }

    /// <summary>Runs the pipeline; returns the digest of the ingest step's dataset.</summary>
    private async Task<string> RunAsync()
    {
        var run = await CliRunner.RunInAsync(_temp.Path, "pipeline", "run", "p.yaml", "--json");
        run.ExitCode.Should().Be(0, run.Error);
        return JsonDocument.Parse(run.Output).RootElement.GetProperty("steps").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == "ingest").GetProperty("outputs").GetProperty("dataset").GetProperty("digest").GetString()!;
    }

    [Fact]
    public async Task Verify_SoundStore_Ok()
    {
        await RunAsync();

        var report = await VerifyAsync(0);

        report.GetProperty("ok").GetBoolean().Should().BeTrue();
        report.GetProperty("checked").GetInt32().Should().BeGreaterThanOrEqualTo(2);
        report.GetProperty("damaged").GetArrayLength().Should().Be(0);
        report.GetProperty("missing").GetArrayLength().Should().Be(0);
        report.GetProperty("database").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task ArtifactEditedInPlace_SameSize_VerifyFindsIt_CacheRecomputesIt()
    {
        var digest = await RunAsync();
        var path = ArtifactPath(digest);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^3] = bytes[^3] == (byte)'1' ? (byte)'2' : (byte)'1';
        MakeWritable(path);
        await File.WriteAllBytesAsync(path, bytes);

        var report = await VerifyAsync(1);
        report.GetProperty("damaged").EnumerateArray().Select(d => d.GetString()).Should().Equal(digest);

        var rerun = await CliRunner.RunInAsync(_temp.Path, "pipeline", "run", "p.yaml", "--json");
        rerun.ExitCode.Should().Be(0, rerun.Error);
        var steps = JsonDocument.Parse(rerun.Output).RootElement.GetProperty("steps").EnumerateArray().ToList();
        steps.Single(s => s.GetProperty("name").GetString() == "ingest").GetProperty("status").GetString()
            .Should().Be("succeeded", "an output whose file no longer matches its digest is not reused from the cache");
        (await VerifyAsync(0)).GetProperty("ok").GetBoolean().Should().BeTrue("the rerun put the right content back under its name");
    }

    [Fact]
    public async Task Repair_RemovesDamagedAndUnreferenced_ThenSound()
    {
        var digest = await RunAsync();
        var path = ArtifactPath(digest);
        MakeWritable(path);
        await File.AppendAllTextAsync(path, "tampered");
        var stray = Path.Combine(_temp.Path, ".state", "artifacts", "sha256", "00", new string('0', 64));
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        await File.WriteAllTextAsync(stray, "");

        var repaired = await VerifyAsync(0, "--repair");

        repaired.GetProperty("damaged").GetArrayLength().Should().Be(2, "the tampered file, and the stray file whose content is not its name");
        File.Exists(path).Should().BeFalse();
        File.Exists(stray).Should().BeFalse();
        (await CliRunner.RunInAsync(_temp.Path, "pipeline", "run", "p.yaml")).ExitCode.Should().Be(0);
        (await VerifyAsync(0)).GetProperty("ok").GetBoolean().Should().BeTrue();
    }
}
