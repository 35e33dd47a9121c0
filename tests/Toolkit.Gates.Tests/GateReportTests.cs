using System.Text.Json;

namespace Toolkit.Gates.Tests;

public sealed class GateReportTests
{
    private static GateReport Sample(bool withChampion) => new(
        "diabetes",
        "sha256:0123456789abcdef0123",
        "gradient-boosting",
        withChampion ? 3 : null,
        withChampion ? "sha256:fedcba9876543210fedc" : null,
        [
            new GateCheck { Name = "threshold:auc", Kind = CheckKind.Threshold, Subject = "auc", Value = 0.87432, Op = ">=", Threshold = 0.8, ChampionValue = withChampion ? 0.87 : null, Delta = withChampion ? 0.00432 : null, Status = CheckStatus.Passed },
            new GateCheck { Name = "regression:log_loss", Kind = CheckKind.Regression, Subject = "log_loss", Value = 0.33, Op = "max_increase_relative", Threshold = 0.05, ChampionValue = 0.3, Delta = 0.03, Status = CheckStatus.Failed, Note = "worse by 10.00% of prod's value" },
            new GateCheck { Name = "data:min_rows", Kind = CheckKind.Data, Subject = "rows", Value = 3000, Op = ">=", Threshold = 1000, Status = CheckStatus.Passed },
            new GateCheck { Name = "model:signature", Kind = CheckKind.Model, Subject = "signature", Op = "compatible", Status = CheckStatus.Skipped, Note = "no version in prod" },
        ]);

    [Fact]
    public void ToJson_HasTheDocumentedShape()
    {
        using var doc = JsonDocument.Parse(Sample(withChampion: true).ToJson());
        var root = doc.RootElement;

        root.EnumerateObject().Select(p => p.Name).Should().Equal("model", "passed", "candidate", "champion", "checks");
        root.GetProperty("model").GetString().Should().Be("diabetes");
        root.GetProperty("passed").GetBoolean().Should().BeFalse();
        root.GetProperty("candidate").EnumerateObject().Select(p => (p.Name, p.Value.GetString())).Should().Equal(
            ("digest", "sha256:0123456789abcdef0123"), ("algorithm", "gradient-boosting"));
        root.GetProperty("champion").GetProperty("version").GetInt32().Should().Be(3);
        var checks = root.GetProperty("checks");
        checks.GetArrayLength().Should().Be(4);
        checks[0].EnumerateObject().Select(p => p.Name).Should().Equal(
            "name", "kind", "subject", "value", "op", "threshold", "champion_value", "delta", "status", "note");
        checks[0].GetProperty("op").GetString().Should().Be(">=");
        checks[0].GetProperty("value").GetDouble().Should().Be(0.87432);
        checks[1].GetProperty("status").GetString().Should().Be("failed");
        checks[1].GetProperty("kind").GetString().Should().Be("regression");
        checks[3].GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);
        checks[3].GetProperty("note").GetString().Should().Be("no version in prod");
    }

    [Fact]
    public void ToJson_NoChampion_IsNull_AndTextIsStable()
    {
        var report = Sample(withChampion: false);

        using var doc = JsonDocument.Parse(report.ToJson());

        doc.RootElement.GetProperty("champion").ValueKind.Should().Be(JsonValueKind.Null);
        report.ToJson().Should().Be(Sample(withChampion: false).ToJson()).And.Contain("\">=\"");
    }

    [Fact]
    public void ToMarkdown_HeadingTableAndFormattedValues()
    {
        var md = Sample(withChampion: true).ToMarkdown();
        var lines = md.Split('\n');

        lines[0].Should().Be("## ❌ Gates failed: diabetes");
        md.Should().Contain("`gradient-boosting` `sha256:0123456789ab`").And.Contain("champion (prod): v3 `sha256:fedcba987654`");
        md.Should().Contain("2 passed, 1 failed, 1 skipped.");
        md.Should().Contain("| Check | Kind | Value | Threshold | Δ vs champion | Status | Note |");
        lines.Should().Contain("| threshold:auc | threshold | 0.8743 | >= 0.8000 | +0.0043 | ✅ passed |  |");
        lines.Should().Contain("| regression:log_loss | regression | 0.3300 | max_increase_relative 0.0500 | +0.0300 | ❌ failed | worse by 10.00% of prod's value |");
        lines.Should().Contain("| data:min_rows | data | 3000 | >= 1000 | – | ✅ passed |  |");
        lines.Should().Contain("| model:signature | model | – | compatible | – | ⏭️ skipped | no version in prod |");
        md.Should().Be(Sample(withChampion: true).ToMarkdown());
    }

    [Fact]
    public void ToMarkdown_AllPassed_GreenHeading_NoChampion()
    {
        var report = new GateReport("housing", "sha256:aa", "lasso", null, null,
            [new GateCheck { Name = "threshold:rmse", Kind = CheckKind.Threshold, Subject = "rmse", Value = 49.66789, Op = "<=", Threshold = 70, Status = CheckStatus.Passed, Note = "a | b" }]);

        var md = report.ToMarkdown();

        md.Should().StartWith("## ✅ Gates passed: housing\n");
        md.Should().Contain("champion (prod): none");
        md.Should().Contain("| 49.6679 | <= 70.0000 |").And.Contain("a \\| b");
    }
}
