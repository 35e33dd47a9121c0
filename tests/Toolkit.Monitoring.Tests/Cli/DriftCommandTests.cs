using System.Text.Json;

namespace Toolkit.Monitoring.Tests.Cli;

public sealed class DriftCommandTests
{
    private static async Task Synth(TestFolder folder, string name, int rows, int seed, string drift)
    {
        var r = await Mlops.RunAsync(folder.Path, "data", "synth", "--generator", "diabetes", "--rows", rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--drift", drift, "--out", name);
        r.ExitCode.Should().Be(0, r.Error);
    }

    [Fact]
    public async Task Drift_UndriftedSynthPair_ExitsZeroWithNoTrigger()
    {
        using var folder = new TestFolder();
        await Synth(folder, "ref.csv", 20_000, 1, "0");
        await Synth(folder, "cur.csv", 5_000, 2, "0");

        var r = await Mlops.RunAsync(folder.Path, "drift", "--reference", "ref.csv", "--current", "cur.csv", "--label", "diabetes", "--json");

        r.ExitCode.Should().Be(0, r.Error);
        using var json = JsonDocument.Parse(r.Output);
        json.RootElement.GetProperty("dataset_drift").GetBoolean().Should().BeFalse();
        json.RootElement.GetProperty("trigger").GetString().Should().Be("none");
        json.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("name").GetString())
            .Should().NotContain("diabetes", "the label is left out");
    }

    [Fact]
    public async Task Drift_SynthDrift03_ExitsThreeNamingGlucoseBmiAge()
    {
        using var folder = new TestFolder();
        await Synth(folder, "ref.csv", 20_000, 1, "0");
        await Synth(folder, "cur.csv", 5_000, 2, "0.3");

        var r = await Mlops.RunAsync(folder.Path, "drift", "--reference", "ref.csv", "--current", "cur.csv", "--label", "diabetes", "--json");

        r.ExitCode.Should().Be(3, r.Error);
        using var json = JsonDocument.Parse(r.Output);
        var root = json.RootElement;
        root.EnumerateObject().Select(p => p.Name).Should().Equal("dataset_drift", "drifted_share", "features", "prediction_drift", "trigger");
        root.GetProperty("dataset_drift").GetBoolean().Should().BeTrue();
        root.GetProperty("trigger").GetString().Should().Be("drift");
        root.GetProperty("prediction_drift").ValueKind.Should().Be(JsonValueKind.Null);
        var features = root.GetProperty("features").EnumerateArray().ToList();
        features[0].EnumerateObject().Select(p => p.Name).Should().Equal(
            "name", "type", "test", "statistic", "p_value", "psi", "wasserstein", "wasserstein_norm", "drifted");
        var drifted = features.Where(f => f.GetProperty("drifted").GetBoolean()).Select(f => f.GetProperty("name").GetString()).ToList();
        drifted.Should().Contain(["glucose", "bmi", "age"]);
        drifted.Should().NotContain(["sex", "smoking", "family_history"], "the drift moves age, bmi and glucose and what they drive");
        root.GetProperty("drifted_share").GetDouble().Should().Be((double)drifted.Count / features.Count);
        r.Error.Should().Contain("glucose").And.Contain("bmi").And.Contain("age");
    }

    [Fact]
    public async Task Drift_CurrentMissingAColumn_ExitsTwoNamingFileAndColumn()
    {
        using var folder = new TestFolder();
        folder.WriteCsv("ref.csv", ["a", "b"], [[1, 2, 3], [4, 5, 6]]);
        folder.WriteCsv("cur.csv", ["a", "c"], [[1, 2, 3], [4, 5, 6]]);

        var r = await Mlops.RunAsync(folder.Path, "drift", "--reference", "ref.csv", "--current", "cur.csv");

        r.ExitCode.Should().Be(2);
        r.Error.Should().Contain("cur.csv").And.Contain("'b'");
    }

    [Fact]
    public async Task Drift_CurrentWithExtraColumn_ExitsTwoNamingIt()
    {
        using var folder = new TestFolder();
        folder.WriteCsv("ref.csv", ["a"], [[1, 2, 3]]);
        folder.WriteCsv("cur.csv", ["a", "zz"], [[1, 2, 3], [4, 5, 6]]);

        var r = await Mlops.RunAsync(folder.Path, "drift", "--reference", "ref.csv", "--current", "cur.csv");

        r.ExitCode.Should().Be(2);
        r.Error.Should().Contain("cur.csv").And.Contain("'zz'");
    }

    [Fact]
    public async Task Drift_TextInANumericColumn_ExitsTwoNamingFileLineAndColumn()
    {
        using var folder = new TestFolder();
        folder.WriteCsv("ref.csv", ["a", "b"], [[1, 2, 3], [4, 5, 6]]);
        File.WriteAllText(folder.File("cur.csv"), "a,b\n1,2\n3,oops\n");

        var r = await Mlops.RunAsync(folder.Path, "drift", "--reference", "ref.csv", "--current", "cur.csv");

        r.ExitCode.Should().Be(2);
        r.Error.Should().Contain("cur.csv:3").And.Contain("column 'b'");
    }

    [Fact]
    public async Task Drift_ColumnsOption_ComparesOnlyThose()
    {
        using var folder = new TestFolder();
        double[] x = [.. Enumerable.Range(0, 200).Select(i => (double)i)];
        folder.WriteCsv("ref.csv", ["a", "b", "c"], [x, x, x]);
        folder.WriteCsv("cur.csv", ["a", "b"], [x, [.. x.Select(v => v + 500)]]);

        var r = await Mlops.RunAsync(folder.Path, "drift", "--reference", "ref.csv", "--current", "cur.csv", "--columns", "a", "--json");

        r.ExitCode.Should().Be(0, r.Error);
        using var json = JsonDocument.Parse(r.Output);
        json.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("name").GetString()).Should().Equal("a");
    }

    [Fact]
    public async Task Drift_HtmlAndMarkdown_WritesBothReports()
    {
        using var folder = new TestFolder();
        await Synth(folder, "ref.csv", 3_000, 1, "0");
        await Synth(folder, "cur.csv", 800, 2, "0.5");

        var r = await Mlops.RunAsync(folder.Path, "drift", "--reference", "ref.csv", "--current", "cur.csv", "--label", "diabetes",
            "--html", "report.html", "--markdown", "report.md");

        r.ExitCode.Should().Be(3, r.Error);
        File.ReadAllText(folder.File("report.html")).Should().StartWith("<!DOCTYPE html>").And.Contain("Dataset drift");
        File.ReadAllText(folder.File("report.md")).Should().Contain("| glucose | numeric | ks |");
    }

    [Fact]
    public async Task Drift_PredictionColumnShifted_ReportsPredictionDriftAndExitsThree()
    {
        using var folder = new TestFolder();
        var rng = new Random(12);
        double[] Uniform(int n, double shift) => [.. Enumerable.Range(0, n).Select(_ => Math.Round(Math.Min(1, rng.NextDouble() + shift), 4))];
        folder.WriteCsv("ref.csv", ["x", "score"], [Uniform(4_000, 0), Uniform(4_000, 0)]);
        folder.WriteCsv("cur.csv", ["x", "score"], [Uniform(3_000, 0), Uniform(3_000, 0.3)]);

        var r = await Mlops.RunAsync(folder.Path, "drift", "--reference", "ref.csv", "--current", "cur.csv", "--prediction", "score", "--json");

        r.ExitCode.Should().Be(3, r.Error);
        using var json = JsonDocument.Parse(r.Output);
        json.RootElement.GetProperty("dataset_drift").GetBoolean().Should().BeFalse();
        json.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("name").GetString()).Should().Equal("x");
        var prediction = json.RootElement.GetProperty("prediction_drift");
        prediction.GetProperty("name").GetString().Should().Be("score");
        prediction.GetProperty("drifted").GetBoolean().Should().BeTrue();
        json.RootElement.GetProperty("trigger").GetString().Should().Be("drift");
    }
}
