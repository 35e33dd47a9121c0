using System.Text.Json;
using Toolkit.Ml.Linear;
using Toolkit.Ml.Training;
using static Toolkit.Ml.Tests.Linear.LinearTestHelpers;

namespace Toolkit.Ml.Tests.Linear;

/// <summary>Persistence, determinism, validation and cancellation shared by the linear algorithms.</summary>
public sealed class LinearModelContractTests
{
    public static TheoryData<string, Dictionary<string, string>> Configurations() => new()
    {
        { "lasso", new() { ["alpha"] = "0.05" } },
        { "lasso", new() { ["cv"] = "3", ["n_alphas"] = "20" } },
        { "elastic-net", new() { ["alpha"] = "0.05" } },
        { "ridge", new() { ["alpha"] = "2" } },
        { "logistic-regression", new() { ["c"] = "0.5" } },
    };

    private static TrainingData DataFor(IAlgorithm algorithm) =>
        algorithm.Supports(ModelTask.Regression) ? LinearTestData.Regression() : LinearTestData.Binary();

    [Theory]
    [MemberData(nameof(Configurations))]
    public void WriteRead_RoundTrip_GivesIdenticalPredictionsAndBytes(string name, Dictionary<string, string> given)
    {
        var algorithm = AlgorithmCatalog.Default.Get(name);
        var data = DataFor(algorithm);
        var model = Fit(algorithm, data, given);

        var json = Bytes(model);
        using var document = JsonDocument.Parse(json);
        var read = algorithm.Read(document.RootElement, data.Task);

        Predict(read, data.Features).Should().Equal(Predict(model, data.Features));
        Bytes(read).Should().Be(json);
        read.FeatureCount.Should().Be(LinearTestData.Features);
        read.Task.Should().Be(data.Task);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Fit_Twice_GivesIdenticalBytes(string name, Dictionary<string, string> given)
    {
        var algorithm = AlgorithmCatalog.Default.Get(name);
        var data = DataFor(algorithm);

        Bytes(Fit(algorithm, data, given)).Should().Be(Bytes(Fit(algorithm, data, given)));
    }

    [Fact]
    public void Write_CvLasso_RecordsChosenAlpha()
    {
        var model = Fit(new LassoAlgorithm(), LinearTestData.Regression(), new() { ["cv"] = "3", ["n_alphas"] = "20" });

        using var document = JsonDocument.Parse(Bytes(model));

        document.RootElement.GetProperty("alpha").GetDouble().Should().Be(model.Alpha!.Value);
        document.RootElement.GetProperty("task").GetString().Should().Be("regression");
    }

    [Fact]
    public void Catalog_ListsTheLinearAlgorithms()
    {
        AlgorithmCatalog.Default.Names.Should().Contain(["elastic-net", "lasso", "logistic-regression", "ridge"]);
        AlgorithmCatalog.Default.Get("lasso").NeedsScaledInputs.Should().BeTrue();
        AlgorithmCatalog.Default.Get("logistic-regression").Supports(ModelTask.Regression).Should().BeFalse();
    }

    [Theory]
    [InlineData("lasso", "alpha", "0")]
    [InlineData("lasso", "max_iter", "0")]
    [InlineData("elastic-net", "l1_ratio", "1.5")]
    [InlineData("ridge", "alpha", "-1")]
    [InlineData("logistic-regression", "c", "0")]
    [InlineData("logistic-regression", "penalty", "l1")]
    public void Resolve_InvalidValue_ThrowsNamingTheParameter(string name, string parameter, string value)
    {
        var algorithm = AlgorithmCatalog.Default.Get(name);

        var act = () => HyperParameters.Resolve(name, algorithm.Parameters, new Dictionary<string, string> { [parameter] = value });

        act.Should().Throw<InvalidParameterException>().WithMessage($"*{parameter}*");
    }

    [Fact]
    public void Fit_CvOfOne_Throws()
    {
        var act = () => Fit(new LassoAlgorithm(), LinearTestData.Regression(), new() { ["cv"] = "1" });

        act.Should().Throw<InvalidParameterException>().WithMessage("*'cv' = '1'*>= 2*");
    }

    [Fact]
    public void Fit_CvWithPureRidgeMix_Throws()
    {
        var act = () => Fit(new ElasticNetAlgorithm(), LinearTestData.Regression(), new() { ["cv"] = "3", ["l1_ratio"] = "0" });

        act.Should().Throw<InvalidParameterException>().WithMessage("*l1_ratio*");
    }

    [Theory]
    [InlineData("lasso")]
    [InlineData("ridge")]
    [InlineData("logistic-regression")]
    public void Fit_MissingValue_ThrowsNamingFeatureAndRow(string name)
    {
        var algorithm = AlgorithmCatalog.Default.Get(name);
        var clean = DataFor(algorithm);
        var columns = Enumerable.Range(0, clean.Features.ColumnCount).Select(j => clean.Features.Column(j).ToArray()).ToArray();
        columns[2][7] = float.NaN;
        var data = clean with { Features = new FeatureMatrix(clean.Features.Names, columns) };

        var act = () => Fit(algorithm, data);

        act.Should().Throw<InvalidOperationException>().WithMessage($"{name}: feature 'x2'*missing*row 7*");
    }

    [Fact]
    public void Fit_LabelOutsideZeroOne_Throws()
    {
        var data = LinearTestData.Binary();
        data.Label[3] = 2;

        var act = () => Fit(new LogisticRegressionAlgorithm(), data);

        act.Should().Throw<InvalidOperationException>().WithMessage("*row 3*0 or 1*");
    }

    [Fact]
    public void Fit_WrongTask_Throws()
    {
        var act = () => Fit(new RidgeAlgorithm(), LinearTestData.Binary());

        act.Should().Throw<InvalidOperationException>().WithMessage("ridge does not support*binary-classification*");
    }

    [Theory]
    [InlineData("lasso")]
    [InlineData("logistic-regression")]
    public void Fit_CancelledToken_Throws(string name)
    {
        var algorithm = AlgorithmCatalog.Default.Get(name);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var act = () => Fit(algorithm, DataFor(algorithm), null, new TrainContext { CancellationToken = cts.Token });

        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void Fit_CancelledDuringCrossValidation_Throws()
    {
        using var cts = new CancellationTokenSource();
        var context = new TrainContext
        {
            CancellationToken = cts.Token,
            Progress = new SynchronousProgress(p =>
            {
                if (p.Stage == "cross-validation" && p.Current == 5)
                {
                    cts.Cancel();
                }
            }),
        };

        var act = () => Fit(new LassoAlgorithm(), LinearTestData.Regression(), new() { ["cv"] = "3" }, context);

        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void Fit_ReportsProgressPerIteration()
    {
        var reports = new List<TrainingProgress>();
        var context = new TrainContext { Progress = new SynchronousProgress(reports.Add) };

        Fit(new LassoAlgorithm(), LinearTestData.Regression(), new() { ["alpha"] = "0.01" }, context);

        reports.Should().NotBeEmpty();
        reports.Select(r => r.Current).Should().Equal(Enumerable.Range(1, reports.Count));
        reports.Should().AllSatisfy(r => r.Should().Match<TrainingProgress>(p => p.Stage == "coordinate-descent" && p.Total == 1000));
    }

    [Fact]
    public void Predict_WrongFeatureCount_Throws()
    {
        var model = Fit(new RidgeAlgorithm(), LinearTestData.Regression());
        var narrow = new FeatureMatrix(["a"], [new float[3]]);

        var act = () => model.Predict(narrow, new double[3]);

        act.Should().Throw<ArgumentException>().WithMessage("*6 features*1*");
    }

    private sealed class SynchronousProgress : IProgress<TrainingProgress>
    {
        private readonly Action<TrainingProgress> _onReport;

        public SynchronousProgress(Action<TrainingProgress> onReport) => _onReport = onReport;

        public void Report(TrainingProgress value) => _onReport(value);
    }
}
