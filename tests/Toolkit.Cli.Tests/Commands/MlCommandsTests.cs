using System.Text.Json;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>The data → train → evaluate → predict → inspect path, end to end through the command line.</summary>
public sealed class MlCommandsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<string> SynthAsync(string generator, int rows, int seed, string name)
    {
        var path = _temp.File(name);
        var result = await CliRunner.RunAsync("data", "synth", "--generator", generator, "--rows", rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", path);
        result.ExitCode.Should().Be(0, result.Error);
        return path;
    }

    [Fact]
    public async Task DataSynth_SameSeed_SameBytes_OtherSeed_Differs()
    {
        var a = await SynthAsync("diabetes", 500, 7, "a.csv");
        var b = await SynthAsync("diabetes", 500, 7, "b.csv");
        var c = await SynthAsync("diabetes", 500, 8, "c.csv");

        File.ReadAllBytes(a).Should().Equal(File.ReadAllBytes(b));
        File.ReadAllBytes(a).Should().NotEqual(File.ReadAllBytes(c));
        File.ReadLines(a).Count().Should().Be(501, "a header and one line per row");
    }

    [Fact]
    public async Task TrainEvaluatePredict_LogisticOnDiabetes_LearnsAndRoundTrips()
    {
        var train = await SynthAsync("diabetes", 4000, 1, "train.csv");
        var test = await SynthAsync("diabetes", 2000, 2, "test.csv");
        var model = _temp.File("model.tkm");

        var trained = await CliRunner.RunAsync("train", "--data", train, "--label", "diabetes", "--algorithm", "logistic-regression",
            "--param", "c=0.5", "--seed", "3", "--out", model, "--json");
        trained.ExitCode.Should().Be(0, trained.Error);
        using var trainedJson = JsonDocument.Parse(trained.Output);
        trainedJson.RootElement.GetProperty("digest").GetString().Should().StartWith("sha256:");
        trainedJson.RootElement.GetProperty("hyperparameters").GetProperty("c").GetString().Should().Be("0.5");

        var evaluated = await CliRunner.RunAsync("evaluate", "--model", model, "--data", test, "--json");
        evaluated.ExitCode.Should().Be(0, evaluated.Error);
        using var metrics = JsonDocument.Parse(evaluated.Output);
        var root = metrics.RootElement;
        foreach (var name in new[] { "auc", "accuracy", "precision", "recall", "f1", "log_loss", "pr_auc" })
        {
            root.TryGetProperty(name, out _).Should().BeTrue($"evaluate --json has '{name}'");
        }

        root.GetProperty("auc").GetDouble().Should().BeGreaterThan(0.75, "the synthetic risk is learnable");
        root.GetProperty("rows").GetInt64().Should().Be(2000);

        var predictions = _temp.File("predictions.csv");
        var predicted = await CliRunner.RunAsync("predict", "--model", model, "--data", test, "--out", predictions);
        predicted.ExitCode.Should().Be(0, predicted.Error);
        var lines = File.ReadAllLines(predictions);
        lines[0].Should().Be("prediction,probability");
        lines.Should().HaveCount(2001);
    }

    [Fact]
    public async Task Train_SameDataAndSeed_SameModelFile()
    {
        var train = await SynthAsync("housing", 1500, 4, "housing.csv");
        var first = _temp.File("m1.tkm");
        var second = _temp.File("m2.tkm");

        (await CliRunner.RunAsync("train", "--data", train, "--label", "price", "--algorithm", "lasso", "--param", "alpha=0.1", "--seed", "5", "--out", first)).ExitCode.Should().Be(0);
        (await CliRunner.RunAsync("train", "--data", train, "--label", "price", "--algorithm", "lasso", "--param", "alpha=0.1", "--seed", "5", "--out", second)).ExitCode.Should().Be(0);

        File.ReadAllBytes(first).Should().Equal(File.ReadAllBytes(second));
    }

    [Fact]
    public async Task ModelInspect_ChangedFile_IsRefused()
    {
        var train = await SynthAsync("housing", 800, 4, "housing.csv");
        var model = _temp.File("m.tkm");
        (await CliRunner.RunAsync("train", "--data", train, "--label", "price", "--algorithm", "ridge", "--out", model)).ExitCode.Should().Be(0);

        var inspect = await CliRunner.RunAsync("model", "inspect", model, "--json");
        inspect.ExitCode.Should().Be(0, inspect.Error);
        using (var doc = JsonDocument.Parse(inspect.Output))
        {
            doc.RootElement.GetProperty("algorithm").GetString().Should().Be("ridge");
            doc.RootElement.GetProperty("signature").EnumerateArray().Select(e => e.GetProperty("name").GetString()).Should().NotContain("price");
        }

        var bytes = File.ReadAllBytes(model);
        bytes[^2] ^= 0x01;
        File.WriteAllBytes(model, bytes);

        var refused = await CliRunner.RunAsync("model", "inspect", model);
        refused.ExitCode.Should().Be(ExitCodes.BadInput, "a changed model file is bad input");
        refused.Error.Should().Contain("was changed after it was written");
    }

    [Fact]
    public async Task Train_UnknownParameter_ExitsTwo_ListsValidOnes()
    {
        var train = await SynthAsync("housing", 100, 4, "housing.csv");

        var result = await CliRunner.RunAsync("train", "--data", train, "--label", "price", "--algorithm", "lasso",
            "--param", "alfa=1", "--out", _temp.File("m.tkm"));

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("unknown parameter 'alfa'").And.Contain("alpha");
        File.Exists(_temp.File("m.tkm")).Should().BeFalse();
    }

    [Fact]
    public async Task Train_MissingLabelColumn_ExitsTwo_NamesFileAndColumns()
    {
        var train = await SynthAsync("housing", 100, 4, "housing.csv");

        var result = await CliRunner.RunAsync("train", "--data", train, "--label", "cost", "--algorithm", "lasso", "--out", _temp.File("m.tkm"));

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("housing.csv").And.Contain("cost");
    }

    [Fact]
    public async Task Train_UnknownAlgorithm_ListsAlgorithms()
    {
        var train = await SynthAsync("housing", 100, 4, "housing.csv");

        var result = await CliRunner.RunAsync("train", "--data", train, "--label", "price", "--algorithm", "svm", "--out", _temp.File("m.tkm"));

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("Unknown algorithm 'svm'").And.Contain("lasso").And.Contain("logistic-regression");
    }

    [Fact]
    public async Task Predict_TextInNumericColumn_ExitsTwo_NamesLineAndColumn()
    {
        var train = await SynthAsync("housing", 300, 4, "housing.csv");
        var model = _temp.File("m.tkm");
        (await CliRunner.RunAsync("train", "--data", train, "--label", "price", "--algorithm", "ridge", "--out", model)).ExitCode.Should().Be(0);
        var lines = File.ReadAllLines(train);
        var header = lines[0].Split(',');
        var rooms = Array.IndexOf(header, "rooms");
        var fields = lines[3].Split(',');
        fields[rooms] = "many";
        lines[3] = string.Join(',', fields);
        var bad = _temp.File("bad.csv");
        File.WriteAllLines(bad, lines);

        var result = await CliRunner.RunAsync("predict", "--model", model, "--data", bad, "--out", _temp.File("p.csv"));

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("bad.csv:4").And.Contain("rooms").And.Contain("many");
        File.Exists(_temp.File("p.csv")).Should().BeFalse();
    }
}
