namespace Toolkit.Build.Tests;

/// <summary>
/// The Cake test targets for real (restore, build, dotnet test with TRX and coverage, the totals) on
/// a copy of build/ beside a one-project sample solution: one test passes, one is skipped.
/// </summary>
public sealed class TestTargetsIntegrationTests : IDisposable
{
    private readonly BuildCopy _copy = BuildCopy.Create(withProject: false);

    public TestTargetsIntegrationTests()
    {
        _copy.AddFromRepository("Directory.Packages.props");
        _copy.AddFixture("SampleSolution");
    }

    public void Dispose() => _copy.Dispose();

    [Fact]
    public async Task TestUnit_SampleWithSkippedTest_TotalsCountItAndPrintTheReason()
    {
        var result = await _copy.BashAsync("--target=Test.Unit");

        result.ExitCode.Should().Be(0, result.All);
        var lines = result.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        lines.Should().Contain("skipped: Sample.Tests.SampleTests.NeedsAGpu: no GPU on this machine");
        lines.Should().Contain("Tests: 1 passed, 0 failed, 1 skipped");
        Directory.EnumerateFiles(_copy.PathOf("artifacts/test-results/unit"), "*.trx", SearchOption.AllDirectories).Should().ContainSingle();
    }

    [Fact]
    public async Task Default_FailsBeforeTheEnd_StillSaysWhereTheOutputsAre()
    {
        // This copy has no workflow check (.ci/), no pipelines and no mlops: the main job must fail.
        var result = await _copy.BashAsync("--target=Default");

        result.ExitCode.Should().NotBe(0, result.All);
        var lines = result.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        var outputs = lines.IndexOf("Outputs:");
        outputs.Should().BeGreaterThanOrEqualTo(0, result.All);
        lines.Skip(outputs + 1).Take(3).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])
            .Should().Equal("artifacts/gate/", "artifacts/test-results/", ".toolkit/");
    }

    [Fact]
    public async Task TestIntegration_NoTestMatchesTheFilter_FailsSayingWhichFilter()
    {
        var result = await _copy.BashAsync("--target=Test.Integration");

        result.ExitCode.Should().NotBe(0, result.All);
        result.All.Should().Contain("No test ran: no test matches the filter 'FullyQualifiedName~IntegrationTests' in 1 test project(s).");
        result.All.Should().NotContain("No test ran.");
    }
}
