using Toolkit.Ml.Data;
using Toolkit.Monitoring.Drift;
using Toolkit.Monitoring.Reports;
using Toolkit.Serving.Tests;

namespace Toolkit.Monitoring.Tests.Reports;

public sealed class DriftReportTests
{
    private const string ScriptName = "<script>window.__pwned=1</script>";
    private const string ImageCategory = "<img src=x onerror=\"window.__pwned=2\">";

    private static DriftReport Report()
    {
        var rng = new Random(3);
        double[] Values(int n, double shift) => [.. Enumerable.Range(0, n).Select(_ => shift + rng.NextDouble())];
        var reference = new DataTable(
        [
            new Float64Column(ScriptName, Values(2_000, 0)),
            new Float64Column("stable", Values(2_000, 0)),
            CategoricalColumn.FromValues("kind", [.. Enumerable.Range(0, 2_000).Select(i => i % 2 == 0 ? "a" : "b")]),
        ]);
        var current = new DataTable(
        [
            new Float64Column(ScriptName, Values(1_500, 0.5)),
            new Float64Column("stable", Values(1_500, 0)),
            CategoricalColumn.FromValues("kind", [.. Enumerable.Range(0, 1_500).Select(i => i % 3 == 0 ? ImageCategory : "a")]),
        ]);
        return DriftDetector.Compare(reference, current);
    }

    [ChromiumFact]
    public async Task Html_InChromium_ShowsVerdictAndOneHistogramAndScoreChartPerFeature()
    {
        using var folder = new TestFolder();
        var report = Report();
        var path = folder.File("report.html");
        await File.WriteAllTextAsync(path, DriftHtmlReport.Render(report, "drift <b>check</b>"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;

        await using var browser = await Chromium.StartAsync(ct);
        var page = await browser.NewPageAsync(ct);
        await page.NavigateAsync(new Uri(path), ct);

        var verdict = await page.TextAsync("document.getElementById('verdict').textContent", ct);
        verdict.Should().StartWith(report.DatasetDrift ? "Dataset drift" : "No dataset drift").And.Contain($"of {report.Features.Count} features");
        report.DatasetDrift.Should().BeTrue("two of three features moved");
        (await page.EvaluateAsync("document.querySelectorAll('svg.chart').length", ct)).GetInt32().Should().Be(1 + (2 * report.Features.Count));
        (await page.EvaluateAsync("document.querySelectorAll('svg.histogram').length", ct)).GetInt32().Should().Be(report.Features.Count);
        (await page.EvaluateAsync("document.querySelectorAll('section.feature[data-drifted=true]').length", ct)).GetInt32()
            .Should().Be(report.Features.Count(f => f.Drifted));
        (await page.TextAsync("typeof window.__pwned", ct)).Should().Be("undefined", "names are escaped and scripts are not allowed");
        (await page.EvaluateAsync("document.querySelectorAll('script, img, b').length", ct)).GetInt32().Should().Be(0);
        var headings = await page.EvaluateAsync("Array.from(document.querySelectorAll('section.feature h3')).map((h) => h.textContent)", ct);
        headings.EnumerateArray().Select(h => h.GetString()).Should().Contain(n => n!.StartsWith(ScriptName, StringComparison.Ordinal));
    }

    [Fact]
    public void Html_Always_CarriesTheContentSecurityPolicyAndNoExternalReference()
    {
        var html = DriftHtmlReport.Render(Report(), "t");
        html.Should().Contain("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'");
        html.Should().NotContain(ScriptName).And.NotContain("<img").And.NotContain("src=\"http");
    }

    [Fact]
    public void Markdown_Always_HasVerdictAndARowPerFeatureWithUserTextDefused()
    {
        var report = Report();
        var md = DriftMarkdownReport.Render(report, "drift | check");

        md.Should().Contain(report.DatasetDrift ? "**Dataset drift" : "No dataset drift");
        md.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| feature", StringComparison.Ordinal))
            .Should().Be(report.Features.Count);
        md.Should().Contain("drift \\| check").And.NotContain("<script>");
    }
}
