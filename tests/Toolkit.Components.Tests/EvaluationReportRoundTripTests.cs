using System.Globalization;
using Toolkit.Gates;
using Toolkit.Ml.Metrics;

namespace Toolkit.Components.Tests;

/// <summary>
/// What <c>evaluate/*</c> and <c>data/validate</c> write is what gates and <c>select/best</c> read: the
/// reports are produced here by the real components (no frozen fixture to drift) and judged by the
/// reference policies in models/.
/// </summary>
public sealed class EvaluationReportRoundTripTests : IDisposable
{
    private readonly ComponentHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("diabetes", "diabetes", "evaluate/classification", "train/logistic-regression")]
    [InlineData("housing", "price", "evaluate/regression", "train/ridge")]
    public async Task EvaluateOutput_ReadByGates_ReferencePolicyPasses(string name, string label, string evaluator, string linear)
    {
        await RunReferenceStepsAsync(name, label, evaluator, linear);

        var evaluation = EvaluationReport.Load(_h.File("report.json"));
        var validation = ValidationReportData.Load(_h.File("validation.json"));
        var report = GateEvaluator.Evaluate(Policy(name), new GateInputs { Evaluation = evaluation, Validation = validation });

        report.Passed.Should().BeTrue(report.ToMarkdown());
        report.Checks.Should().Contain(c => c.Kind == CheckKind.Threshold && c.Status == CheckStatus.Passed);
        report.Checks.Should().Contain(c => c.Kind == CheckKind.Data && c.Status == CheckStatus.Passed);
        validation.Rows.Should().Be(3000);
    }

    [Fact]
    public async Task EvaluateOutput_SaveAndParse_SameBytesAndValues()
    {
        await RunReferenceStepsAsync("diabetes", "diabetes", "evaluate/classification", "train/logistic-regression");
        var written = File.ReadAllBytes(_h.File("report.json"));

        var report = EvaluationReport.Parse(System.Text.Encoding.UTF8.GetString(written), "report.json");

        report.ToJson().Should().Equal(written, "the reader and the writer are one type");
        report.Task.Should().Be("binary-classification");
        report.PrimaryMetric.Should().Be(MetricCatalog.DefaultPrimary(Ml.Training.ModelTask.BinaryClassification));
        report.Models.Select(m => m.Algorithm).Should().Equal("gradient-boosting", "logistic-regression");
        report.Models.Should().OnlyContain(m => MetricCatalog.Classification.All(m.Metrics.ContainsKey));
        var best = report.Models[report.Best];
        report.Models.Should().OnlyContain(m => !MetricCatalog.IsBetter("auc", m.Value("auc"), best.Value("auc")));
    }

    [Fact]
    public async Task EvaluateOutput_CandidateMuchWorseThanProd_RegressionGateFails()
    {
        await RunReferenceStepsAsync("diabetes", "diabetes", "evaluate/classification", "train/logistic-regression");
        var evaluation = EvaluationReport.Load(_h.File("report.json"));
        var candidate = evaluation.Models[evaluation.Best];

        // A prod version 0.05 AUC better than the candidate: far past the 0.01 drop the policy allows.
        var champion = candidate.Metrics.ToDictionary(m => m.Key, m => m.Value ?? double.NaN);
        champion["auc"] = candidate.Value("auc") + 0.05;
        var report = GateEvaluator.Evaluate(Policy("diabetes"), new GateInputs
        {
            Evaluation = evaluation,
            Champion = new ChampionInfo { Version = 4, Digest = "sha256:" + new string('0', 64), Metrics = champion },
        });

        report.Passed.Should().BeFalse();
        report.Checks.Where(c => c.Status == CheckStatus.Failed).Select(c => c.Name).Should().Contain("regression:auc");
    }

    private async Task RunReferenceStepsAsync(string name, string label, string evaluator, string linear)
    {
        var rows = 3000.ToString(CultureInfo.InvariantCulture);
        await _h.RunAsync("data/synthesize", new Dictionary<string, string> { ["generator"] = name, ["rows"] = rows, ["seed"] = "42" }, null, "dataset=data.csv");
        var dataset = new Dictionary<string, string[]> { ["dataset"] = [_h.File("data.csv")] };
        await _h.RunAsync("data/validate", new Dictionary<string, string> { ["label"] = label }, dataset, "report=validation.json");
        await _h.RunAsync("data/split", new Dictionary<string, string> { ["seed"] = "42" }, dataset, "train=train.csv", "test=test.csv");
        var train = new Dictionary<string, string[]> { ["train"] = [_h.File("train.csv")] };
        await _h.RunAsync("train/gradient-boosting", new Dictionary<string, string> { ["label"] = label, ["rounds"] = "60", ["seed"] = "42" }, train, "model=boosting.tkm");
        await _h.RunAsync(linear, new Dictionary<string, string> { ["label"] = label }, train, "model=linear.tkm");
        await _h.RunAsync(evaluator, new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = [_h.File("boosting.tkm"), _h.File("linear.tkm")], ["test"] = [_h.File("test.csv")] },
            "report=report.json");
    }

    private static ModelPolicy Policy(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
        {
            dir = dir.Parent;
        }

        return ModelPolicy.Load(Path.Combine(dir!.FullName, "models", name, "model.yaml"));
    }
}
