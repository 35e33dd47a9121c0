using Toolkit.Ml.Training;
using Toolkit.Ml.Trees;
using static Toolkit.Ml.Tests.Trees.TreeTestData;

namespace Toolkit.Ml.Tests.Trees;

public sealed class RandomForestTests
{
    private readonly RandomForestAlgorithm _algorithm = new();

    [Fact]
    public void Parameters_Defaults_AreSklearnLike()
    {
        var hp = HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, null);

        hp.GetInt("trees").Should().Be(100);
        hp.GetIntOrNone("max_depth").Should().BeNull();
        hp.GetInt("min_samples_leaf").Should().Be(1);
        hp.GetString("max_features").Should().Be("auto");
        hp.GetIntOrNone("max_leaf_nodes").Should().BeNull();
        hp.GetBool("bootstrap").Should().BeTrue();
    }

    [Theory]
    [InlineData("gini")]
    [InlineData("entropy")]
    public void Fit_ClassificationCriterionOnRegression_ThrowsNamingSquaredError(string criterion)
    {
        var (x, target, _) = Friedmanish(0, 50);
        var act = () => Fit(_algorithm, x, target, ModelTask.Regression, new() { ["criterion"] = criterion });

        act.Should().Throw<InvalidParameterException>().WithMessage($"*'{criterion}' is a classification criterion*squared_error*");
    }

    [Fact]
    public void Fit_RegressionCriterionOnClassification_Throws()
    {
        var (x, _, label) = Friedmanish(0, 50);
        var act = () => Fit(_algorithm, x, label, ModelTask.BinaryClassification, new() { ["criterion"] = "squared_error" });

        act.Should().Throw<InvalidParameterException>().WithMessage("*regression criterion*");
    }

    [Theory]
    [InlineData("max_features", "1.5")]
    [InlineData("max_features", "0")]
    [InlineData("min_samples_leaf", "0")]
    [InlineData("max_leaf_nodes", "1")]
    [InlineData("trees", "0")]
    public void Resolve_OutOfRange_Throws(string name, string value)
    {
        var act = () => HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, new Dictionary<string, string> { [name] = value });

        act.Should().Throw<InvalidParameterException>().WithMessage($"*'{name}'*");
    }

    [Fact]
    public void Resolve_UnknownName_ListsValidParameters()
    {
        var act = () => HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, new Dictionary<string, string> { ["n_estimators"] = "5" });

        act.Should().Throw<InvalidParameterException>().WithMessage("*unknown parameter 'n_estimators'*trees*max_features*");
    }

    [Theory]
    [InlineData("auto", 20, ModelTask.BinaryClassification, 4)]
    [InlineData("auto", 20, ModelTask.Regression, 20)]
    [InlineData("sqrt", 20, ModelTask.Regression, 4)]
    [InlineData("log2", 20, ModelTask.BinaryClassification, 4)]
    [InlineData("0.5", 20, ModelTask.BinaryClassification, 10)]
    [InlineData("0.01", 20, ModelTask.BinaryClassification, 1)]
    public void Options_MaxFeatures_FollowsSklearn(string value, int features, ModelTask task, int expected)
    {
        var hp = HyperParameters.Resolve(_algorithm.Name, _algorithm.Parameters, new Dictionary<string, string> { ["max_features"] = value });

        RandomForestAlgorithm.Options(hp, task, features).MaxFeatures.Should().Be(expected);
    }

    [Fact]
    public void Fit_Bootstrap_ReportsOutOfBagAccuracy()
    {
        var (x, _, label) = Friedmanish(0, 2000);
        var (tx, _, tl) = Friedmanish(3000, 1000);
        var model = (RandomForestPredictor)Fit(_algorithm, x, label, ModelTask.BinaryClassification, new() { ["trees"] = "50" });
        var testAccuracy = Predict(model, tx).Zip(tl, (p, y) => (p > 0.5 ? 1.0 : 0.0) == y ? 1.0 : 0.0).Average();

        model.OobScore.Should().NotBeNull();
        model.OobScore!.Value.Should().BeApproximately(testAccuracy, 0.04);
    }

    [Fact]
    public void Fit_NoBootstrap_HasNoOutOfBagScore()
    {
        var (x, _, label) = Friedmanish(0, 300);
        var model = (RandomForestPredictor)Fit(_algorithm, x, label, ModelTask.BinaryClassification, new() { ["trees"] = "3", ["bootstrap"] = "false" });

        model.OobScore.Should().BeNull();
    }

    [Fact]
    public void Fit_MaxLeafNodes_LimitsEveryTree()
    {
        var (x, target, _) = Friedmanish(0, 1000);
        var model = Fit(_algorithm, x, target, ModelTask.Regression, new() { ["trees"] = "4", ["max_leaf_nodes"] = "6" });

        using var document = System.Text.Json.JsonDocument.Parse(Serialize(model));
        PayloadArrays.ReadInts(document.RootElement, "feature").Length.Should().Be(4 * 11);
    }

    [Fact]
    public void Fit_MinSamplesLeaf_NoLeafSmallerOnTrainingRows()
    {
        // Without bootstrap every training row lands in a leaf; count rows per distinct prediction path.
        var (x, target, _) = Friedmanish(0, 500);
        var model = Fit(_algorithm, x, target, ModelTask.Regression,
            new() { ["trees"] = "1", ["bootstrap"] = "false", ["min_samples_leaf"] = "20" });

        Predict(model, x).GroupBy(p => p).Should().AllSatisfy(g => g.Count().Should().BeGreaterThanOrEqualTo(20));
    }

    [Fact]
    public void Fit_Entropy_StillLearns()
    {
        var (x, _, label) = Friedmanish(0, 2000);
        var (tx, _, tl) = Friedmanish(3000, 1000);
        var model = Fit(_algorithm, x, label, ModelTask.BinaryClassification, new() { ["trees"] = "50", ["criterion"] = "entropy" });

        Auc(Predict(model, tx), tl).Should().BeGreaterThan(0.93);
    }

    [Fact]
    public void ReferenceAccuracy_Classification_CloseToSklearn()
    {
        // scikit-learn 1.2.1 RandomForestClassifier(n_estimators=100) on Friedmanish(0, 3000), scored on
        // Friedmanish(3000, 1000), rebuilt in Python: test AUC 0.95276 (mean of random_state 0..4; range 0.9513..0.9541).
        var (x, _, label) = Friedmanish(0, 3000);
        var (tx, _, tl) = Friedmanish(3000, 1000);
        var model = Fit(_algorithm, x, label, ModelTask.BinaryClassification);

        Auc(Predict(model, tx), tl).Should().BeGreaterThan(0.95276 - 0.005);
    }

    [Fact]
    public void ReferenceAccuracy_Regression_CloseToSklearn()
    {
        // scikit-learn 1.2.1 RandomForestRegressor(n_estimators=100), same rows, continuous target:
        // test RMSE 0.37490 (mean of random_state 0..2).
        var (x, target, _) = Friedmanish(0, 3000);
        var (tx, tt, _) = Friedmanish(3000, 1000);
        var model = Fit(_algorithm, x, target, ModelTask.Regression);

        Rmse(Predict(model, tx), tt).Should().BeLessThan(0.37490 * 1.03);
    }
}
