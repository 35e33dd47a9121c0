using System.Xml.Linq;

namespace Toolkit.Build.Tests;

/// <summary>
/// build/TestTotals.cs, the counting behind the build's totals line. The fixture is a real TRX that
/// dotnet test (xunit 2.9, VSTest adapter 3.1) wrote for one passed, one failed and one skipped test.
/// </summary>
public sealed class TestTotalsTests : IDisposable
{
    private static readonly string XunitTrx = Path.Combine(AppContext.BaseDirectory, "Fixtures", "xunit-passed-failed-skipped.trx");
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "toolkit-tests", Guid.NewGuid().ToString("N"));

    public TestTotalsTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Read_XunitTrxWithSkippedTest_CountsSkippedThoughCountersSayZero()
    {
        // The summary is what the build used to read: it claims nothing was left unexecuted.
        var counters = XDocument.Load(XunitTrx).Descendants().Single(e => e.Name.LocalName == "Counters");
        counters.Attribute("notExecuted")!.Value.Should().Be("0");

        var totals = TestTotals.Read([XunitTrx]);

        totals.Line.Should().Be("Tests: 1 passed, 1 failed, 1 skipped");
        totals.Total.Should().Be(3);
    }

    [Fact]
    public void Read_SkippedTest_ListsItWithTheSkipReason()
    {
        var totals = TestTotals.Read([XunitTrx]);

        totals.SkippedTests.Should().Equal(new SkippedTest("SampleTests.Skipped", "Docker tests skipped: no daemon socket at /var/run/docker.sock"));
    }

    [Fact]
    public void Read_ReasonOnlyInStdOut_TakesItFromStdOut()
    {
        var trx = Write("stdout.trx", Result("A.OnlyStdOut", "NotExecuted", "<Output><StdOut>needs a GPU\n(none here)</StdOut></Output>"));

        var totals = TestTotals.Read([trx]);

        totals.SkippedTests.Should().Equal(new SkippedTest("A.OnlyStdOut", "needs a GPU (none here)"));
    }

    [Fact]
    public void Read_SkippedWithoutAnyOutput_SaysNoReasonRecorded()
    {
        var trx = Write("bare.trx", Result("A.Bare", "NotExecuted", string.Empty));

        TestTotals.Read([trx]).SkippedTests.Single().Reason.Should().Be("no reason recorded");
    }

    [Fact]
    public void Read_SeveralProjects_SumsEveryFileAndSortsSkippedByName()
    {
        var second = Write("second.trx", Result("Z.Later", "NotExecuted", string.Empty) + Result("B.Ok", "Passed", string.Empty) + Result("C.Timeout", "Timeout", string.Empty));

        var totals = TestTotals.Read([second, XunitTrx]);

        totals.Line.Should().Be("Tests: 2 passed, 2 failed, 2 skipped");
        totals.Files.Should().Be(2);
        totals.SkippedTests.Select(s => s.Name).Should().Equal("SampleTests.Skipped", "Z.Later");
    }

    [Fact]
    public void Read_UnknownOutcome_ShownAsOtherNotDropped()
    {
        var trx = Write("pending.trx", Result("A.Pending", "Pending", string.Empty) + Result("A.Ok", "Passed", string.Empty));

        TestTotals.Read([trx]).Line.Should().Be("Tests: 1 passed, 0 failed, 0 skipped, 1 other");
    }

    [Fact]
    public void NothingRanReason_FilterMatchedNoTest_NamesTheFilterAndProjects()
    {
        var empty = Write("empty.trx", string.Empty);
        var totals = TestTotals.Read([empty, empty]);

        totals.NothingRanReason("FullyQualifiedName~IntegrationTests")
            .Should().Be("No test ran: no test matches the filter 'FullyQualifiedName~IntegrationTests' in 2 test project(s).");
    }

    [Fact]
    public void NothingRanReason_NoTrxAtAll_SaysNoTrxWasWritten()
    {
        TestTotals.Read([]).NothingRanReason(null).Should().StartWith("No test ran: dotnet test wrote no TRX file (no filter)");
    }

    [Fact]
    public void NothingRanReason_EverythingSkipped_SaysAllWereSkipped()
    {
        var trx = Write("skipped.trx", Result("A.One", "NotExecuted", string.Empty) + Result("A.Two", "NotExecuted", string.Empty));

        TestTotals.Read([trx]).NothingRanReason("Category=Docker")
            .Should().Be("No test ran: all 2 test(s) matching the filter 'Category=Docker' were skipped (reasons above).");
    }

    [Fact]
    public void NothingRanReason_SomethingPassed_IsNull()
    {
        TestTotals.Read([XunitTrx]).NothingRanReason(null).Should().BeNull();
    }

    private static string Result(string name, string outcome, string inner) =>
        $"<UnitTestResult testName=\"{name}\" outcome=\"{outcome}\">{inner}</UnitTestResult>";

    private string Write(string name, string results)
    {
        var path = Path.Combine(_temp, name);
        File.WriteAllText(path, $"<?xml version=\"1.0\" encoding=\"utf-8\"?><TestRun xmlns=\"http://microsoft.com/schemas/VisualStudio/TeamTest/2010\"><Results>{results}</Results></TestRun>");
        return path;
    }
}
