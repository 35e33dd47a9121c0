namespace Toolkit.Components.Tests;

/// <summary>data/split-xy and the x/y inputs of trainers and evaluators (the sales reference pipeline).</summary>
public sealed class SplitXyComponentTests : IDisposable
{
    private readonly ComponentHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static readonly string[] XyOutputs = ["x_train=x_train.csv", "x_test=x_test.csv", "y_train=y_train.csv", "y_test=y_test.csv"];

    private Dictionary<string, string> Params(int rows) => new()
    {
        ["generator"] = "sales", ["rows"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture), ["seed"] = "5", ["label"] = "units", ["test_fraction"] = "0.25",
    };

    [Fact]
    public async Task SplitXy_Generator_WritesFeaturesAndLabelApartForTrainAndTest()
    {
        var result = await _h.RunAsync("data/split-xy", Params(400), null, XyOutputs);

        result.Values["train_rows"].Should().Be(300);
        result.Values["test_rows"].Should().Be(100);
        var xTrain = File.ReadAllLines(_h.File("x_train.csv"));
        var yTrain = File.ReadAllLines(_h.File("y_train.csv"));
        xTrain[0].Split(',').Should().NotContain("units").And.Contain("price");
        yTrain[0].Should().Be("units");
        xTrain.Length.Should().Be(301);
        yTrain.Length.Should().Be(301);
        File.ReadAllLines(_h.File("x_test.csv")).Length.Should().Be(101);
    }

    [Fact]
    public async Task SplitXy_DatasetInput_SameArtifactsAsGenerated()
    {
        await _h.RunAsync("data/synthesize", new Dictionary<string, string> { ["generator"] = "sales", ["rows"] = "400", ["seed"] = "5" }, null, "dataset=data.csv");
        await _h.RunAsync("data/split-xy", Params(400), null, XyOutputs);
        var generated = XyOutputs.Select(o => File.ReadAllBytes(_h.File(o.Split('=')[1]))).ToList();

        var fromDataset = new Dictionary<string, string> { ["label"] = "units", ["seed"] = "5", ["test_fraction"] = "0.25" };
        await _h.RunAsync("data/split-xy", fromDataset, new Dictionary<string, string[]> { ["dataset"] = [_h.File("data.csv")] }, XyOutputs);

        XyOutputs.Select(o => File.ReadAllBytes(_h.File(o.Split('=')[1]))).Should().BeEquivalentTo(generated, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task SplitXy_NeitherDatasetNorGenerator_RefusedSayingWhatToWire()
    {
        var act = () => _h.RunAsync("data/split-xy", new Dictionary<string, string> { ["label"] = "units" }, null, XyOutputs);

        (await act.Should().ThrowAsync<ComponentArgumentException>()).Which.Message.Should().Contain("'dataset'").And.Contain("'generator'");
    }

    [Fact]
    public async Task TrainAndEvaluate_XyInputs_SameMetricsAsTheJoinedRows()
    {
        await _h.RunAsync("data/synthesize", new Dictionary<string, string> { ["generator"] = "sales", ["rows"] = "600", ["seed"] = "5" }, null, "dataset=data.csv");
        await _h.RunAsync("data/split", new Dictionary<string, string> { ["seed"] = "5", ["test_fraction"] = "0.25" },
            new Dictionary<string, string[]> { ["dataset"] = [_h.File("data.csv")] }, "train=train.csv", "test=test.csv");
        await _h.RunAsync("data/split-xy", Params(600), null, XyOutputs);
        var lasso = new Dictionary<string, string> { ["label"] = "units", ["seed"] = "5" };

        var joined = await _h.RunAsync("train/lasso", lasso, new Dictionary<string, string[]> { ["train"] = [_h.File("train.csv")] }, "model=joined.tkm");
        var xy = await _h.RunAsync("train/lasso", lasso,
            new Dictionary<string, string[]> { ["x_train"] = [_h.File("x_train.csv")], ["y_train"] = [_h.File("y_train.csv")] }, "model=xy.tkm");
        xy.Values.Should().Equal(joined.Values);

        var onTest = await _h.RunAsync("evaluate/regression", new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = [_h.File("xy.tkm")], ["test"] = [_h.File("test.csv")] }, "report=r1.json");
        var onXy = await _h.RunAsync("evaluate/regression", new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = [_h.File("xy.tkm")], ["x_test"] = [_h.File("x_test.csv")], ["y_test"] = [_h.File("y_test.csv")] }, "report=r2.json");
        onXy.Values.Should().Equal(onTest.Values);
        onXy.Values["rows"].Should().Be(150);
    }

    [Fact]
    public async Task Train_OnlyXTrain_RefusedNamingTheInputs()
    {
        await _h.RunAsync("data/split-xy", Params(200), null, XyOutputs);

        var act = () => _h.RunAsync("train/lasso", new Dictionary<string, string> { ["label"] = "units" },
            new Dictionary<string, string[]> { ["x_train"] = [_h.File("x_train.csv")] }, "model=m.tkm");

        (await act.Should().ThrowAsync<ComponentArgumentException>()).Which.Message.Should().Contain("'train'").And.Contain("'y_train'");
    }
}
