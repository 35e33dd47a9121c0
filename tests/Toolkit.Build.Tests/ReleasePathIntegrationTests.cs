using System.Text.Json;

namespace Toolkit.Build.Tests;

/// <summary>
/// The release path as release.yml runs it, for real: Cake through ./build.sh and through
/// dotnet pwsh ./build.ps1, on a copy of the repository (its own store and registry), with the mlops
/// built beside these tests (--mlops=PATH, so the solution is not rebuilt) and a small pipeline
/// (--param=rows=3000) so training takes seconds.
/// </summary>
public sealed class ReleasePathIntegrationTests : IDisposable
{
    private readonly BuildCopy _copy = BuildCopy.Create();

    public void Dispose() => _copy.Dispose();

    public static TheoryData<string> Shells => new() { "bash", "pwsh" };

    [Theory]
    [MemberData(nameof(Shells))]
    public async Task Promote_RegisterDevThenPreprodWithApprover_RegistryHoldsAliasesAndApproval(string shell)
    {
        var dev = await BuildAsync(shell, "--target=Promote", "--stage=dev", "--param=rows=3000");
        dev.ExitCode.Should().Be(0, dev.All);
        dev.Output.Should().Contain("registered diabetes v1 sha256:");

        var preprod = await BuildAsync(shell, "--target=Promote", "--stage=preprod", "--model-version=1", "--approver=alice", "--reason=QA signed off");
        preprod.ExitCode.Should().Be(0, preprod.All);

        // A given version is promoted as it is: nothing trained, gated or registered again.
        SkippedTasks(preprod.Output).Should().Contain(["Pipeline", "Gate", "Register"]);

        using var show = JsonDocument.Parse((await MlopsOkAsync("model", "show", "diabetes", "--json")).Output);
        var versions = show.RootElement.GetProperty("versions").EnumerateArray().ToList();
        versions.Should().ContainSingle();
        versions[0].GetProperty("version").GetInt32().Should().Be(1);
        versions[0].GetProperty("stages").EnumerateArray().Select(s => s.GetString()).Should().Equal("dev", "preprod");
        versions[0].GetProperty("parameters").GetProperty("rows").GetString().Should().Be("3000", "--param reaches the pipeline");

        using var history = JsonDocument.Parse((await MlopsOkAsync("model", "history", "diabetes", "--json")).Output);
        var promotion = history.RootElement.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("action").GetString() == "promote" && e.GetProperty("stage").GetString() == "preprod");
        promotion.GetProperty("version").GetInt32().Should().Be(1);
        promotion.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()).Should().Equal("alice");
        promotion.GetProperty("reason").GetString().Should().Be("QA signed off");
    }

    // release.yml's preprod job in a repository without the MLflow secret: a fresh checkout whose
    // embedded registry is empty. The job must pass, say why nothing moved, and move nothing.
    [Fact]
    public async Task Promote_PreprodInGitHubActionsWithoutMlflow_PassesWithAWarning()
    {
        var dev = await BuildAsync("bash", "--target=Promote", "--stage=dev", "--param=rows=3000");
        dev.ExitCode.Should().Be(0, dev.All);
        var github = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_ACTOR"] = "bob", ["MLFLOW_TRACKING_URI"] = "" };

        var preprod = await _copy.BashAsync(github, "--target=Promote", "--stage=preprod", "--model-version=1", "--approver=alice", "--mlops=" + BuildCopy.Mlops);

        preprod.ExitCode.Should().Be(0, preprod.All);
        preprod.All.Should().Contain("Promote skipped: no MLFLOW_TRACKING_URI secret");
        using var show = JsonDocument.Parse((await MlopsOkAsync("model", "show", "diabetes", "--json")).Output);
        show.RootElement.GetProperty("versions")[0].GetProperty("stages").EnumerateArray().Select(s => s.GetString()).Should().Equal("dev");
    }

    // Cake reads the number (both bootstraps pass arguments through unchanged: the test above).
    [Fact]
    public async Task Promote_ModelVersionThatDoesNotExist_FailsNamingThatVersion()
    {
        var dev = await BuildAsync("bash", "--target=Promote", "--stage=dev", "--param=rows=3000");
        dev.ExitCode.Should().Be(0, dev.All);

        var result = await BuildAsync("bash", "--target=Promote", "--stage=preprod", "--model-version=7", "--approver=alice");

        result.ExitCode.Should().NotBe(0, result.All);
        result.All.Should().Contain("model 'diabetes' has no version 7");
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public async Task Bootstrap_VersionInsteadOfModelVersion_Exit2PointsToModelVersion(string shell)
    {
        var result = await BuildAsync(shell, "--target=Promote", "--stage=preprod", "--version=2");

        result.ExitCode.Should().Be(2, result.All);
        result.Error.Should().Contain("--model-version=2");
        result.All.Should().NotContain("Flags cannot be assigned a value");
    }

    [Fact]
    public async Task Tasks_Listing_DescribesModelVersionNotVersion()
    {
        var result = await _copy.BashAsync("--target=Tasks");

        result.ExitCode.Should().Be(0, result.All);
        var promote = result.Output.Split('\n').Single(l => l.StartsWith("Promote ", StringComparison.Ordinal));
        promote.Should().Contain("--model-version=N").And.NotContain("--version=");
    }

    [Fact]
    public async Task Outputs_AfterRelease_NamesGateTestResultsAndStoreFolders()
    {
        var dev = await BuildAsync("bash", "--target=Promote", "--stage=dev", "--param=rows=3000");
        dev.ExitCode.Should().Be(0, dev.All);

        var result = await _copy.BashAsync("--target=Outputs");

        result.ExitCode.Should().Be(0, result.All);
        var lines = result.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        lines.Should().ContainSingle(l => l.StartsWith("  artifacts/gate/ ", StringComparison.Ordinal) && !l.Contains("not made yet", StringComparison.Ordinal));
        lines.Should().ContainSingle(l => l.StartsWith("  .toolkit/ ", StringComparison.Ordinal) && !l.Contains("not made yet", StringComparison.Ordinal));
        lines.Should().ContainSingle(l => l.StartsWith("  artifacts/test-results/ ", StringComparison.Ordinal) && l.EndsWith("(not made yet)", StringComparison.Ordinal), "no test ran in this copy");
        File.Exists(_copy.PathOf("artifacts/gate/diabetes.md")).Should().BeTrue();
        File.Exists(_copy.PathOf("artifacts/gate/diabetes-card.md")).Should().BeTrue();
    }

    private Task<ProcessResult> BuildAsync(string shell, params string[] args)
    {
        string[] all = [.. args, "--mlops=" + BuildCopy.Mlops];
        return shell == "pwsh" ? _copy.PwshAsync(all) : _copy.BashAsync(all);
    }

    private async Task<ProcessResult> MlopsOkAsync(params string[] args)
    {
        var result = await _copy.MlopsAsync(args);
        result.ExitCode.Should().Be(0, result.All);
        return result;
    }

    // The task names Cake's summary table marks Skipped ("  Gate      -      Skipped    reason").
    private static List<string> SkippedTasks(string output) =>
        output.Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length >= 3 && w[1] == "-" && w[2] == "Skipped")
            .Select(w => w[0])
            .ToList();
}
