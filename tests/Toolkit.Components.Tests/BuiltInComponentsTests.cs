using System.Text.Json;
using Toolkit.Components.Data;
using Toolkit.Gates;
using Toolkit.Ml.Training;

namespace Toolkit.Components.Tests;

public sealed class BuiltInComponentsTests : IDisposable
{
    private readonly ComponentHarness _h = new();

    public void Dispose() => _h.Dispose();

    private async Task<string> SynthAsync(string generator, int rows, string file = "data.csv")
    {
        await _h.RunAsync("data/synthesize", new Dictionary<string, string> { ["generator"] = generator, ["rows"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null, $"dataset={file}");
        return _h.File(file);
    }

    [Fact]
    public void Catalog_HasOneTrainComponentPerAlgorithm_AndTheDataComponents()
    {
        var names = BuiltInComponents.Create().Descriptors.Select(d => d.Name).ToList();

        names.Should().Contain(["data/synthesize", "data/load-csv", "data/validate", "data/split", "features/fit", "evaluate/classification", "evaluate/regression", "select/best"]);
        names.Where(n => n.StartsWith("train/", StringComparison.Ordinal)).Should().BeEquivalentTo(
            AlgorithmCatalog.Default.Names.Concat(Toolkit.Ml.MlNet.MlNetAlgorithm.All.Select(a => a.Name)).Select(n => "train/" + n));
    }

    [Fact]
    public async Task Validate_FailedChecks_ThrowWithEveryFailure_AndWriteReport()
    {
        var data = await SynthAsync("diabetes", 300);

        var act = () => _h.RunAsync("data/validate", new Dictionary<string, string>
        {
            ["label"] = "diabetes",
            ["min_rows"] = "1000",
            ["max_null_fraction"] = "0.01",
        }, new Dictionary<string, string[]> { ["dataset"] = [data] }, "report=report.json");

        var error = (await act.Should().ThrowAsync<DataValidationException>()).Which.Message;
        error.Should().Contain("row_count of 'rows' is 300, must be >= 1000").And.Contain("null_fraction of 'bmi'");
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(_h.File("report.json")));
        report.RootElement.GetProperty("passed").GetBoolean().Should().BeFalse();
        report.RootElement.GetProperty("checks").EnumerateArray().Should().Contain(c => c.GetProperty("check").GetString() == "class_balance" && c.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Split_Stratified_KeepsClassSharesAndIsDeterministic()
    {
        var data = await SynthAsync("diabetes", 2000);
        var parameters = new Dictionary<string, string> { ["test_fraction"] = "0.3", ["stratify"] = "diabetes", ["seed"] = "5" };
        var inputs = new Dictionary<string, string[]> { ["dataset"] = [data] };

        var result = await _h.RunAsync("data/split", parameters, inputs, "train=a-train.csv", "test=a-test.csv");
        await _h.RunAsync("data/split", parameters, inputs, "train=b-train.csv", "test=b-test.csv");

        result.Values["test_rows"].Should().Be(600);
        result.Values["train_rows"].Should().Be(1400);
        File.ReadAllBytes(_h.File("a-test.csv")).Should().Equal(File.ReadAllBytes(_h.File("b-test.csv")));
        static double Share(string path) => File.ReadLines(path).Skip(1).Select(l => l.Split(',')[^1]).Average(v => v == "1" ? 1.0 : 0.0);
        Share(_h.File("a-test.csv")).Should().BeApproximately(Share(_h.File("a-train.csv")), 0.002);
    }

    [Fact]
    public async Task EvaluateAndSelect_Regression_PicksLowestRmse()
    {
        var data = await SynthAsync("housing", 1500);
        var inputs = new Dictionary<string, string[]> { ["dataset"] = [data] };
        await _h.RunAsync("data/split", new Dictionary<string, string>(), inputs, "train=train.csv", "test=test.csv");
        var train = new Dictionary<string, string[]> { ["train"] = [_h.File("train.csv")] };
        await _h.RunAsync("train/ridge", new Dictionary<string, string> { ["label"] = "price", ["alpha"] = "1000" }, train, "model=weak.tkm");
        await _h.RunAsync("train/random-forest", new Dictionary<string, string> { ["label"] = "price", ["trees"] = "40" }, train, "model=forest.tkm");
        var models = new[] { _h.File("weak.tkm"), _h.File("forest.tkm") };

        var evaluation = await _h.RunAsync("evaluate/regression", new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = models, ["test"] = [_h.File("test.csv")] }, "report=report.json");
        var selection = await _h.RunAsync("select/best", new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = models, ["report"] = [_h.File("report.json")] }, "model=best.tkm");

        var report = EvaluationReport.Load(_h.File("report.json"));
        report.Models.Should().HaveCount(2);
        var forestRmse = report.Models[1].Metrics["rmse"]!.Value;
        report.Models[0].Metrics["rmse"]!.Value.Should().BeGreaterThan(forestRmse, "a heavily penalized ridge underfits");
        report.Best.Should().Be(1);
        evaluation.Values["rmse"].Should().Be(forestRmse);
        evaluation.Labels["best_algorithm"].Should().Be("random-forest");
        selection.Labels["algorithm"].Should().Be("random-forest");
        File.ReadAllBytes(_h.File("best.tkm")).Should().Equal(File.ReadAllBytes(_h.File("forest.tkm")));

        var byR2 = await _h.RunAsync("select/best", new Dictionary<string, string> { ["metric"] = "r2" },
            new Dictionary<string, string[]> { ["models"] = models, ["report"] = [_h.File("report.json")] }, "model=best-r2.tkm");
        byR2.Labels["algorithm"].Should().Be("random-forest", "r2 is higher-is-better and agrees with rmse here");
    }

    [Fact]
    public async Task SelectBest_ModelsInAnotherOrder_IsRefused()
    {
        var data = await SynthAsync("housing", 600);
        var train = new Dictionary<string, string[]> { ["train"] = [data] };
        await _h.RunAsync("train/ridge", new Dictionary<string, string> { ["label"] = "price" }, train, "model=a.tkm");
        await _h.RunAsync("train/lasso", new Dictionary<string, string> { ["label"] = "price" }, train, "model=b.tkm");
        await _h.RunAsync("evaluate/regression", new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = [_h.File("a.tkm"), _h.File("b.tkm")], ["test"] = [data] }, "report=report.json");
        var best = EvaluationReport.Load(_h.File("report.json")).Best;
        string[] swapped = [_h.File("b.tkm"), _h.File("a.tkm")];

        var act = () => _h.RunAsync("select/best", new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = swapped, ["report"] = [_h.File("report.json")] }, "model=best.tkm");

        await act.Should().ThrowAsync<ComponentArgumentException>().WithMessage($"*model {best} is sha256:*but the report evaluated*");
    }

    [Fact]
    public async Task Train_UnknownHyperparameter_IsRefused()
    {
        var data = await SynthAsync("housing", 100);

        var act = () => _h.RunAsync("train/lasso", new Dictionary<string, string> { ["label"] = "price", ["alfa"] = "1" },
            new Dictionary<string, string[]> { ["train"] = [data] }, "model=m.tkm");

        await act.Should().ThrowAsync<InvalidParameterException>().WithMessage("*unknown parameter 'alfa' for lasso*");
    }

    [Fact]
    public async Task LoadCsv_ExternalDigest_FollowsTheFileContent()
    {
        var component = (Toolkit.Pipelines.Components.IExternalInputs)_h.Get("data/load-csv");
        var path = _h.File("in.csv");
        await File.WriteAllTextAsync(path, "a,b\n1,2\n");
        var parameters = new Dictionary<string, string> { ["path"] = path };

        var before = await component.ExternalDigestAsync(parameters, _h.Root);
        await File.WriteAllTextAsync(path, "a,b\n1,3\n");
        var after = await component.ExternalDigestAsync(parameters, _h.Root);

        before.Should().StartWith("sha256:");
        after.Should().NotBe(before);
    }
}
