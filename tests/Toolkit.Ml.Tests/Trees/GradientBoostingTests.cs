using Toolkit.Ml.Metrics;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Ml.Trees;
using static Toolkit.Ml.Tests.Trees.TreeTestData;

namespace Toolkit.Ml.Tests.Trees;

public sealed class GradientBoostingTests
{
    private readonly GradientBoostingAlgorithm _algorithm = new();

    [Fact]
    public void Parameters_Defaults_AreXgboostLike()
    {
        var hp = HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, null);

        hp.GetInt("rounds").Should().Be(100);
        hp.GetDouble("learning_rate").Should().Be(0.1);
        hp.GetInt("max_depth").Should().Be(6);
        hp.GetInt("num_leaves").Should().Be(0);
        hp.GetDouble("min_child_weight").Should().Be(1.0);
        hp.GetDouble("l2").Should().Be(1.0);
        hp.GetInt("max_bins").Should().Be(255);
        hp.GetInt("early_stopping_rounds").Should().Be(0);
    }

    [Theory]
    [InlineData("max_bins", "256")]
    [InlineData("max_bins", "1")]
    [InlineData("learning_rate", "0")]
    [InlineData("subsample", "1.5")]
    [InlineData("colsample", "0")]
    [InlineData("rounds", "0")]
    public void Resolve_OutOfRange_Throws(string name, string value)
    {
        var act = () => HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, new Dictionary<string, string> { [name] = value });

        act.Should().Throw<InvalidParameterException>().WithMessage($"*'{name}'*out of range*");
    }

    [Fact]
    public void Resolve_UnknownName_ListsValidParameters()
    {
        var act = () => HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, new Dictionary<string, string> { ["n_estimators"] = "5" });

        act.Should().Throw<InvalidParameterException>().WithMessage("*unknown parameter 'n_estimators'*rounds*learning_rate*");
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("6", "1")]
    public void Fit_InconsistentGrowthSettings_Throws(string maxDepth, string numLeaves)
    {
        var (x, _, label) = Friedmanish(0, 50);
        var act = () => Fit(_algorithm, x, label, ModelTask.BinaryClassification, new() { ["max_depth"] = maxDepth, ["num_leaves"] = numLeaves });

        act.Should().Throw<InvalidParameterException>().WithMessage("*num_leaves*");
    }

    [Fact]
    public void Fit_ClassificationLabelNotBinary_Throws()
    {
        var (x, target, _) = Friedmanish(0, 50);
        var act = () => Fit(_algorithm, x, target, ModelTask.BinaryClassification);

        act.Should().Throw<ArgumentException>().WithMessage("*labels must be 0 or 1*");
    }

    [Fact]
    public void Fit_LeafWise_TreesHaveAtMostNumLeaves()
    {
        var (x, target, _) = Friedmanish(0, 2000);
        var model = (GradientBoostingPredictor)Fit(_algorithm, x, target, ModelTask.Regression,
            new() { ["rounds"] = "3", ["num_leaves"] = "5", ["max_depth"] = "0" });

        // A binary tree with 5 leaves has 9 nodes; the payload lists every node.
        var nodes = RoundTripNodeCount(model);
        nodes.Should().Be(3 * 9);
    }

    [Fact]
    public void Fit_NoiseLabelsWithEarlyStopping_StopsEarly()
    {
        // Labels unrelated to the features: the held-out loss stops improving after a few rounds.
        var (x, _, _) = Friedmanish(0, 2000);
        var noise = Enumerable.Range(0, 2000).Select(i => Uniform(i, 500) < 0.5 ? 1.0 : 0.0).ToArray();
        var model = (GradientBoostingPredictor)Fit(_algorithm, x, noise, ModelTask.BinaryClassification,
            new() { ["rounds"] = "200", ["early_stopping_rounds"] = "5" });

        model.TreeCount.Should().BeLessThan(50);
    }

    [Fact]
    public void Fit_ValidationRowsGiven_UsesThemForEarlyStopping()
    {
        var (x, target, _) = Friedmanish(0, 1500);
        var (vx, vt, _) = Friedmanish(2000, 500);
        var data = new TrainingData(x, target, ModelTask.Regression) { ValidationFeatures = vx, ValidationLabel = vt };
        var withStop = (GradientBoostingPredictor)_algorithm.Fit(data,
            HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, new Dictionary<string, string> { ["rounds"] = "2000", ["learning_rate"] = "0.3", ["early_stopping_rounds"] = "10" }),
            new TrainContext()).Model;

        withStop.TreeCount.Should().BeInRange(10, 1999);
    }

    [Fact]
    public void Fit_BaseScore_IsPriorLogOdds()
    {
        var (x, _, label) = Friedmanish(0, 1000);
        var model = (GradientBoostingPredictor)Fit(_algorithm, x, label, ModelTask.BinaryClassification, new() { ["rounds"] = "1" });
        var p = label.Average();

        model.BaseScore.Should().BeApproximately(Math.Log(p / (1 - p)), 1e-12);
    }

    [Fact]
    public void ReferenceAccuracy_Classification_CloseToXgboost()
    {
        // XGBoost 1.7.4 XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist")
        // on Friedmanish(0, 3000), scored on Friedmanish(3000, 1000), rebuilt in Python: test AUC 0.96032.
        var (x, _, label) = Friedmanish(0, 3000);
        var (tx, _, tl) = Friedmanish(3000, 1000);
        var model = Fit(_algorithm, x, label, ModelTask.BinaryClassification);

        Auc(Predict(model, tx), tl).Should().BeGreaterThan(0.96032 - 0.005);
    }

    [Fact]
    public void ReferenceAccuracy_Regression_CloseToXgboost()
    {
        // XGBoost 1.7.4 XGBRegressor(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist")
        // on the same rows with the continuous target: test RMSE 0.26996.
        var (x, target, _) = Friedmanish(0, 3000);
        var (tx, tt, _) = Friedmanish(3000, 1000);
        var model = Fit(_algorithm, x, target, ModelTask.Regression);

        Rmse(Predict(model, tx), tt).Should().BeLessThan(0.26996 * 1.03);
    }

    [Theory]
    [InlineData(ModelTask.BinaryClassification, "1.0", false, 1)]
    [InlineData(ModelTask.Regression, "1.0", false, 2)]
    [InlineData(ModelTask.BinaryClassification, "0.7", true, 2)]
    [InlineData(ModelTask.Regression, "0.7", true, 1)]
    [InlineData(ModelTask.BinaryClassification, "1.0", true, 3)]
    public void Fit_Result_TrainingScoresSameBitsAsPredictingTheTrainingMatrix(ModelTask task, string subsample, bool missing, int threads)
    {
        // The fit hands back its own scores on the training rows; walking the trees over a copy of
        // the matrix must give the same predictions to the last bit.
        var (x, target, label) = Friedmanish(0, 3000);
        if (missing)
        {
            x = WithMissing(x);
        }

        var copy = Matrix(Enumerable.Range(0, x.ColumnCount).Select(j => x.Column(j).ToArray()).ToArray());
        var result = FitWithResult(_algorithm, x, task == ModelTask.Regression ? target : label, task,
            new() { ["rounds"] = "20", ["subsample"] = subsample, ["max_depth"] = "4" }, threads);

        result.TrainingScores.Should().NotBeNull();
        var walked = Predict(result.Model, copy);
        Bits(result.TrainingScores!).Should().Equal(Bits(walked));
        Bits(Predict(result.Model, x)).Should().Equal(Bits(walked));
        if (task == ModelTask.BinaryClassification)
        {
            result.TrainingScores.Should().OnlyContain(p => p > 0 && p < 1, "they are probabilities, like Predict's");
        }
    }

    [Fact]
    public void Fit_EarlyStoppingHoldsRowsOut_NoTrainingScores()
    {
        // A tenth of the rows is held out and never gets the fit's scores: the result must not claim any.
        var (x, _, label) = Friedmanish(0, 2000);
        var result = FitWithResult(_algorithm, x, label, ModelTask.BinaryClassification,
            new() { ["rounds"] = "30", ["early_stopping_rounds"] = "5" });

        result.TrainingScores.Should().BeNull();
    }

    [Fact]
    public void Fit_EarlyStoppingDropsTrees_NoTrainingScores()
    {
        // Validation rows given: every training row is fitted, but the scores summed the trees after
        // the best round, which the model drops.
        var (x, target, _) = Friedmanish(0, 1500);
        var (vx, vt, _) = Friedmanish(2000, 500);
        var data = new TrainingData(x, target, ModelTask.Regression) { ValidationFeatures = vx, ValidationLabel = vt };
        var result = _algorithm.Fit(data,
            HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, new Dictionary<string, string> { ["rounds"] = "2000", ["learning_rate"] = "0.3", ["early_stopping_rounds"] = "10" }),
            new TrainContext());

        ((GradientBoostingPredictor)result.Model).TreeCount.Should().BeLessThan(2000);
        result.TrainingScores.Should().BeNull();
    }

    [Theory]
    [InlineData("binary-classification")]
    [InlineData("regression")]
    public void Train_GradientBoosting_TrainingMetricsSameAsFromAFreshPrediction(string taskName)
    {
        // The trainer's metrics come from the fit's scores; recomputing them from a prediction of
        // the same table must give the same numbers exactly.
        var classification = taskName == "binary-classification";
        var data = classification ? Models.ModelFileTests.Classification(1500, 4) : Models.ModelFileTests.Regression(1500, 4);
        var model = ModelTrainer.Train(data,
            new TrainRequest { Algorithm = _algorithm.Name, Label = classification ? "outcome" : "y", Parameters = new Dictionary<string, string> { ["rounds"] = "15" } },
            new TrainContext { Seed = 3, MaxThreads = 2 });

        var y = model.EncodeLabel(data);
        var scores = model.Predict(data).Scores;
        var expected = classification ? ClassificationMetrics.Compute(y, scores).ToDictionary() : RegressionMetrics.Compute(y, scores).ToDictionary();

        model.Metrics.Should().Equal(expected.ToDictionary(p => "train_" + p.Key, p => p.Value));
    }

    private static long[] Bits(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];

    private static FeatureMatrix WithMissing(FeatureMatrix x)
    {
        var columns = Enumerable.Range(0, x.ColumnCount).Select(j => x.Column(j).ToArray()).ToArray();
        for (var i = 0; i < x.RowCount; i += 7)
        {
            columns[i % columns.Length][i] = float.NaN;
        }

        return Matrix(columns);
    }

    private int RoundTripNodeCount(GradientBoostingPredictor model)
    {
        using var document = System.Text.Json.JsonDocument.Parse(Serialize(model));
        return PayloadArrays.ReadInts(document.RootElement, "feature").Length;
    }
}
