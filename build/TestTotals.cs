// The totals of a test run, read from its TRX files: one line ("Tests: N passed, N failed, N skipped")
// and each skipped test with its reason. Shared: build/tests.cake #loads this file and
// tests/Toolkit.Build.Tests compiles it, so what the build prints is what the tests check. No
// namespace, because a Cake script cannot declare one.
#nullable enable
#pragma warning disable CA1050 // Declare types in namespaces: a Cake script cannot.

using System.Globalization;
using System.Xml.Linq;

/// <summary>One test that did not run, and why (the skip reason the framework recorded).</summary>
internal sealed record SkippedTest(string Name, string Reason);

internal sealed class TestTotals
{
    public long Passed { get; private set; }

    public long Failed { get; private set; }

    public long Skipped { get; private set; }

    /// <summary>Results with an outcome that is none of the above (InProgress, Pending, ...): shown, never hidden.</summary>
    public long Other { get; private set; }

    public long Total => Passed + Failed + Skipped + Other;

    public int Files { get; private set; }

    public List<SkippedTest> SkippedTests { get; } = [];

    /// <summary>The one line CI logs and humans read.</summary>
    public string Line => string.Create(
        CultureInfo.InvariantCulture,
        $"Tests: {Passed} passed, {Failed} failed, {Skipped} skipped{(Other > 0 ? $", {Other} other" : string.Empty)}");

    /// <summary>
    /// Counts every UnitTestResult by its outcome. The summary's Counters cannot be trusted for this:
    /// xunit's skipped tests have outcome NotExecuted while Counters says notExecuted="0".
    /// </summary>
    public static TestTotals Read(IEnumerable<string> trxFiles)
    {
        var totals = new TestTotals();
        foreach (var file in trxFiles)
        {
            totals.Files++;
            var document = XDocument.Load(file);
            foreach (var result in document.Descendants().Where(e => e.Name.LocalName == "UnitTestResult"))
            {
                totals.Add(result);
            }
        }

        totals.SkippedTests.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return totals;
    }

    /// <summary>Why nothing passed, or null when something did (the build then fails with this text).</summary>
    public string? NothingRanReason(string? filter)
    {
        if (Passed > 0 || Failed > 0)
        {
            return null;
        }

        var selection = filter is null ? "no filter" : $"the filter '{filter}'";
        if (Total == 0)
        {
            return Files == 0
                ? $"No test ran: dotnet test wrote no TRX file ({selection}); is there a test project in the solution?"
                : string.Create(CultureInfo.InvariantCulture, $"No test ran: no test matches {selection} in {Files} test project(s).");
        }

        return string.Create(CultureInfo.InvariantCulture, $"No test ran: all {Total} test(s) matching {selection} were skipped (reasons above).");
    }

    private void Add(XElement result)
    {
        switch ((string?)result.Attribute("outcome"))
        {
            case "Passed":
            case "PassedButRunAborted":
                Passed++;
                break;
            case "Failed":
            case "Error":
            case "Timeout":
            case "Aborted":
                Failed++;
                break;
            case "NotExecuted":
            case "NotRunnable":
            case "Inconclusive":
                Skipped++;
                SkippedTests.Add(new SkippedTest((string?)result.Attribute("testName") ?? "(unnamed test)", Reason(result)));
                break;
            default:
                Other++;
                break;
        }
    }

    // xunit writes the skip reason as the error message; other frameworks may only write it to StdOut.
    private static string Reason(XElement result)
    {
        var output = result.Elements().FirstOrDefault(e => e.Name.LocalName == "Output");
        var text = output?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value
            ?? output?.Elements().FirstOrDefault(e => e.Name.LocalName == "StdOut")?.Value;
        return string.IsNullOrWhiteSpace(text) ? "no reason recorded" : text.Trim().ReplaceLineEndings(" ");
    }
}

#nullable restore // back to the including file's setting (Cake scripts: off)
