using Toolkit.Gates;

namespace Toolkit.GitHub.Tests;

public sealed class ReportTests
{
    [Fact]
    public void ToComment_AnyReport_StartsWithTheModelsHiddenMarker()
    {
        var comment = TestData.Report().ToComment();

        comment.Should().StartWith("<!-- toolkit:report model=diabetes -->\n");
    }

    [Fact]
    public void ToMarkdown_MetricsAgainstProd_DeltaAndWhichWayIsBetter()
    {
        var markdown = TestData.Report(auc: 0.874).ToMarkdown();

        markdown.Should().Contain("| auc ↑ | 0.8740 | 0.8700 | +0.0040 🟢 |");
        markdown.Should().Contain("| log_loss ↓ | 0.2500 | 0.2600 | -0.0100 🟢 |");
        markdown.Should().Contain("prod v3");
    }

    [Fact]
    public void ToMarkdown_EvaluatedMetrics_GatedFirstThenTheRestWithProdsValues()
    {
        var report = TestData.Report();
        report = new PullRequestReport
        {
            Gate = report.Gate,
            Policy = report.Policy,
            PolicyPath = report.PolicyPath,
            RunId = report.RunId,
            Metrics = [new MetricRow("recall", 0.61, 0.65), new MetricRow("log_loss", 0.25, 0.26), new MetricRow("auc", 0.874, null)],
        };

        var rows = report.ToMarkdown().Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| metric", StringComparison.Ordinal)).ToList();

        rows.Should().Equal(
            "| auc ↑ | 0.8740 | n/a | – |",
            "| log_loss ↓ | 0.2500 | 0.2600 | -0.0100 🟢 |",
            "| recall ↑ | 0.6100 | 0.6500 | -0.0400 🔴 |");
    }

    [Fact]
    public void ToMarkdown_Pipeline_MermaidGraphWithOutcomesTimesAndEdges()
    {
        var markdown = TestData.Report(aucPasses: false).ToMarkdown();

        markdown.Should().Contain("```mermaid\nflowchart LR\n");
        markdown.Should().Contain("s0[\"ingest<br/>cached 0.1s\"]:::cached");
        markdown.Should().Contain("s1[\"train<br/>ran 13s\"]:::ran");
        markdown.Should().Contain("s2[\"evaluate<br/>failed 1.5s\"]:::failed");
        markdown.Should().Contain("s0 --> s1").And.Contain("s1 --> s2").And.Contain("s0 --> s2");
        markdown.Should().Contain("3 steps: 1 ran, 1 cached, 1 failed.");
    }

    [Fact]
    public void ToMarkdown_SignatureChanged_ListsEachChange()
    {
        var markdown = TestData.Report(aucPasses: false).ToMarkdown();

        markdown.Should().Contain("  - input 'bmi' was dropped\n").And.Contain("  - new required input 'waist'");
        markdown.Should().Contain("size_mb <= 50`: 1.25 MB");
    }

    [Fact]
    public void ToMarkdown_NoLineLongerThanAPhoneTable()
    {
        var markdown = TestData.Report(aucPasses: false).ToMarkdown();

        // Tables have at most four columns; prose lines may wrap, table rows cannot.
        markdown.Split('\n').Where(l => l.StartsWith('|')).Should().OnlyContain(l => l.Count(c => c == '|') <= 5);
    }

    [Fact]
    public void Conclusion_FailedPassedAllSkipped_FailureSuccessNeutral()
    {
        TestData.Report(aucPasses: false).Conclusion.Should().Be("failure");
        TestData.Report().Conclusion.Should().Be("success");
        var skipped = new GateReport("m", "sha256:a", "ridge", null, null,
            [new GateCheck { Name = "regression:auc", Kind = CheckKind.Regression, Subject = "auc", Op = "max_drop", Status = CheckStatus.Skipped }]);
        new PullRequestReport { Gate = skipped, PolicyPath = "models/m/model.yaml", RunId = "r" }.Conclusion.Should().Be("neutral");
    }

    [Fact]
    public void Annotations_FailedThresholdAndRegression_OnTheirPolicyLines()
    {
        var lines = TestData.PolicyText.Split('\n');
        int Line(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal)) + 1;

        var annotations = TestData.Report(aucPasses: false).Annotations();

        annotations.Select(a => (a.Path, a.Line)).Should().Equal(
            ("models/diabetes/model.yaml", Line("auc >= 0.80")),
            ("models/diabetes/model.yaml", Line("max_drop: 0.01")));
        TestData.Report().Annotations().Should().BeEmpty();
    }

    [Fact]
    public void CheckLines_ParsedPolicy_EveryThresholdAndRegressionRule()
    {
        var policy = TestData.Policy;

        policy.CheckLines.Keys.Should().BeEquivalentTo("threshold:auc", "threshold:log_loss", "regression:auc");
        policy.CheckLines["threshold:log_loss"].Should().Be(policy.CheckLines["threshold:auc"] + 1);
    }
}
