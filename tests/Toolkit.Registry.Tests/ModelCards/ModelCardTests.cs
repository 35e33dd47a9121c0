using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Registry.ModelCards;

namespace Toolkit.Registry.Tests.ModelCards;

public sealed class ModelCardTests
{
    private static readonly Model Model = RegistryTestFolder.Train(7);

    private static ModelVersion Version(bool? gate = true) => new()
    {
        Model = "diabetes",
        Version = 3,
        Digest = "sha256:" + new string('a', 64),
        CreatedAt = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)),
        CreatedBy = "alice",
        RunId = "20240506-050809-abcdef",
        Pipeline = "train-diabetes",
        DataDigest = "sha256:" + new string('d', 64),
        Parameters = new Dictionary<string, string> { ["split"] = "0.8" },
        Metrics = new Dictionary<string, double> { ["evaluate.rmse"] = 0.123456789, ["evaluate.r2"] = 0.5 },
        GatePassed = gate,
        GitCommit = "0123abc",
        GitBranch = "main",
    };

    private static string[] Lines(string card) => card.Split('\n');

    [Fact]
    public void Render_Identity_NameVersionDigestTaskAlgorithmCreator()
    {
        var card = ModelCard.Render(Version(), Model, null);

        card.Should().StartWith("# diabetes v3\n");
        Lines(card).Should().Contain(
        [
            "| Model | diabetes |",
            "| Version | 3 |",
            $"| Digest | `sha256:{new string('a', 64)}` |",
            "| Flavor | tkm |",
            "| Task | regression |",
            "| Algorithm | ridge |",
            "| Label | y |",

            // Recorded 07:08:09 at +02:00, shown in UTC.
            "| Created | 2024-05-06 05:08:09 UTC by alice |",
        ]);
    }

    [Fact]
    public void Render_HyperparametersAndSignature_ListedWithTypes()
    {
        var card = ModelCard.Render(Version(), Model, null);

        // Ridge's declared defaults; the table built in the tests has a float32, a float64 and a three-colour column.
        card.Should().Contain("## Hyperparameters\n\n| Name | Value |\n|---|---|\n| alpha | 1.0 |\n| fit_intercept | true |\n");
        card.Should().Contain("| Column | Type |\n|---|---|\n| a | float32 |\n| b | float64 |\n| colour | categorical (3 categories) |\n");
        Lines(card).Should().NotContain("| y | float64 |", "the label is not an input");
    }

    [Fact]
    public void Render_Metrics_RegisteredAndTrainingSortedWithSixDigits()
    {
        var card = ModelCard.Render(Version(), Model, null);

        // 0.123456789 to six significant digits is 0.123457.
        card.Should().Contain("## Metrics\n\n| Metric | Value |\n|---|---|\n| evaluate.r2 | 0.5 |\n| evaluate.rmse | 0.123457 |\n");
        Lines(card).Should().Contain("| train_rows | 40 |");
    }

    [Fact]
    public void Render_Lineage_RunPipelineDataGitAndParameters()
    {
        var card = ModelCard.Render(Version(), Model, null);

        Lines(card).Should().Contain(
        [
            "| Run | 20240506-050809-abcdef |",
            "| Pipeline | train-diabetes |",
            $"| Data digest | `sha256:{new string('d', 64)}` |",
            "| Training rows | 40 |",
            "| Seed | 7 |",
            "| Git commit | `0123abc` |",
            "| Git branch | main |",
            "| split | 0.8 |",
        ]);
    }

    [Fact]
    public void Render_NoLineageRecorded_SaysUnknownAndFallsBackToTheFilesDataDigest()
    {
        var bare = new ModelVersion { Model = "diabetes", Version = 1, Digest = "sha256:" + new string('b', 64), CreatedAt = DateTimeOffset.UnixEpoch };

        var card = ModelCard.Render(bare, Model, null);

        Lines(card).Should().Contain(
        [
            "| Run | unknown |",
            "| Git commit | unknown |",
            $"| Data digest | `{Model.Training.DataDigest}` |",
            "| Created | 1970-01-01 00:00:00 UTC by unknown |",
            "_No evaluation metrics were registered._",
        ]);
    }

    [Theory]
    [InlineData(true, "**Passed.**")]
    [InlineData(false, "**Failed.** This version may not be promoted.")]
    [InlineData(null, "**No gate ran.** This version may not be promoted while its stage requires passed gates.")]
    public void Render_GateResult_StatedUnderGates(bool? gate, string expected)
    {
        var card = ModelCard.Render(Version(gate), Model, null);

        card.Should().EndWith("## Gates\n\n" + expected + "\n");
    }

    [Fact]
    public void Render_GateReport_AppendedAfterTheResult()
    {
        var card = ModelCard.Render(Version(), Model, "### Gate report\n\n- rmse <= 0.2: passed\n\n\n");

        card.Should().EndWith("## Gates\n\n**Passed.**\n\n### Gate report\n\n- rmse <= 0.2: passed\n");
    }

    [Fact]
    public void Render_SectionsInOrder_AndSameTextEveryTime()
    {
        var card = ModelCard.Render(Version(), Model, null);
        var again = ModelCard.Render(Version(), RegistryTestFolder.Train(7), null);

        again.Should().Be(card, "the card holds only recorded facts");
        var sections = new[] { "## Hyperparameters", "## Signature", "## Metrics", "## Lineage", "## Gates" }.Select(s => card.IndexOf(s, StringComparison.Ordinal)).ToList();
        sections.Should().NotContain(-1).And.BeInAscendingOrder();
        card.Should().NotContain(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        card.Should().NotContain("\r");
    }

    [Fact]
    public void Render_PipeInValue_IsEscapedSoTheTableHolds()
    {
        var card = ModelCard.Render(Version() with { GitBranch = "feature|x\ny" }, Model, null);

        Lines(card).Should().Contain("| Git branch | feature\\|x y |");
    }

    [Fact]
    public void Render_Classifier_ListsClassesWithPositive()
    {
        var rows = 30;
        var x = Enumerable.Range(0, rows).Select(i => (float)i).ToArray();
        var label = Enumerable.Range(0, rows).Select(i => (string?)(i % 2 == 0 ? "no" : "yes")).ToArray();
        var table = new DataTable([new Float32Column("x", x), CategoricalColumn.FromValues("outcome", label)]);
        var classifier = ModelTrainer.Train(table, new TrainRequest { Algorithm = "logistic-regression", Label = "outcome" }, new TrainContext { Seed = 1 });

        var card = ModelCard.Render(Version(), classifier, null);

        Lines(card).Should().Contain(["| Task | binary-classification |", "| Classes | no, yes (positive: yes) |", "| Label | outcome |"]);
    }

    [Fact]
    public void Render_HtmlInColumnNamesAndCategories_EscapedNeverATag()
    {
        var table = RegistryTestFolder.Table();
        var hostile = new DataTable(table.Columns.Select(c => c.Name == "colour"
            ? CategoricalColumn.FromValues("<script>alert(1)</script>", [.. Enumerable.Range(0, table.RowCount).Select(i => i % 2 == 0 ? "a&b" : "<img src=x onerror=y>")])
            : c));
        var model = ModelTrainer.Train(hostile, new TrainRequest { Algorithm = "ridge", Label = "y" }, new TrainContext { Seed = 1 });

        var card = ModelCard.Render(Version(), model, null);

        card.Should().NotContain("<script").And.NotContain("<img");
        Lines(card).Should().Contain("| &lt;script&gt;alert(1)&lt;/script&gt; | categorical (2 categories) |");
    }
}
