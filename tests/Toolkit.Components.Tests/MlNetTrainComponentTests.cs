using Toolkit.Components.Features;
using Toolkit.Ml.MlNet;
using Toolkit.Ml.Training;

namespace Toolkit.Components.Tests;

public sealed class MlNetTrainComponentTests : IDisposable
{
    private readonly ComponentHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Run_LightGbmOnDiabetes_WritesMlNetZipWithItsTrainingMetrics()
    {
        var data = await SynthAsync("diabetes", 1500);

        var result = await _h.RunAsync("train/mlnet-lightgbm", new Dictionary<string, string> { ["label"] = "diabetes", ["rounds"] = "30", ["seed"] = "3" },
            new Dictionary<string, string[]> { ["train"] = [data] }, "model=model");
        var model = MlNetFormat.Instance.ReadModel(File.ReadAllBytes(_h.File("model")), "model");

        model.Algorithm.Should().Be("mlnet-lightgbm");
        model.Label.Should().Be("diabetes");
        model.HyperParameters["rounds"].Should().Be("30");
        model.Training!.Seed.Should().Be(3);
        model.Features!.Options.Scaling.Should().Be(Toolkit.Ml.Features.Scaling.None, "tree trainers get the ForTrees pipeline");
        result.Values.Should().Equal(model.Metrics);
        result.Values["train_auc"].Should().BeGreaterThan(0.8);
        _h.Log.ToString().Should().Contain("trained mlnet-lightgbm (binary-classification) on 1500 rows").And.Contain(model.Digest!)
            .And.Contain("mlnet-lightgbm 1/1");
    }

    [Fact]
    public async Task Run_SdcaWithFittedFeatures_UsesTheGivenPipeline()
    {
        var data = await SynthAsync("diabetes", 800);
        await _h.RunAsync("features/fit", new Dictionary<string, string> { ["label"] = "diabetes", ["imputation"] = "mean", ["scaling"] = "minmax" },
            new Dictionary<string, string[]> { ["train"] = [data] }, "features=features.json");

        await _h.RunAsync("train/mlnet-sdca", new Dictionary<string, string> { ["label"] = "diabetes" },
            new Dictionary<string, string[]> { ["train"] = [data], ["features"] = [_h.File("features.json")] }, "model=model");
        var model = MlNetFormat.Instance.ReadModel(File.ReadAllBytes(_h.File("model")), "model");
        var given = FeaturePipelineFile.Load(_h.File("features.json"));

        model.Features!.Options.Should().BeEquivalentTo(given.Options);
        model.Features.Options.Scaling.Should().Be(Toolkit.Ml.Features.Scaling.MinMax);
        model.Features.OutputNames.Should().Equal(given.OutputNames);
    }

    [Fact]
    public async Task Run_OutOfRangeParameter_RefusedNamingIt()
    {
        var data = await SynthAsync("housing", 100);

        var act = () => _h.RunAsync("train/mlnet-fasttree", new Dictionary<string, string> { ["label"] = "price", ["num_leaves"] = "1" },
            new Dictionary<string, string[]> { ["train"] = [data] }, "model=model");

        await act.Should().ThrowAsync<InvalidParameterException>().WithMessage("*mlnet-fasttree parameter 'num_leaves' = '1' is invalid*");
    }

    [Fact]
    public void Descriptor_DeclaresTheTrainersParametersWithRanges()
    {
        var descriptor = _h.Get("train/mlnet-lightgbm").Descriptor;

        descriptor.Parameters.Select(p => p.Name).Should().Contain(["label", "seed", "task", "ignore", "rounds", "learning_rate", "num_leaves", "threads"]);
        descriptor.Parameters.Single(p => p.Name == "rounds").Minimum.Should().Be(1);
        descriptor.Parameters.Single(p => p.Name == "learning_rate").MinimumExclusive.Should().BeTrue();
        descriptor.Inputs.Select(i => i.Name).Should().Equal("train", "x_train", "y_train", "features");
        descriptor.Outputs.Select(o => o.Name).Should().Equal("model");
    }

    private async Task<string> SynthAsync(string generator, int rows)
    {
        await _h.RunAsync("data/synthesize", new Dictionary<string, string> { ["generator"] = generator, ["rows"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null, "dataset=data.csv");
        return _h.File("data.csv");
    }
}
