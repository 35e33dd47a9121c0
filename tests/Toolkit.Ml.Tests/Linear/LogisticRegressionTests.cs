using Toolkit.Ml.Linear;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Training;
using static Toolkit.Ml.Tests.Linear.LinearTestHelpers;

namespace Toolkit.Ml.Tests.Linear;

/// <summary>
/// Logistic regression against scikit-learn 1.2.1's LogisticRegression (lbfgs, L2) run to its exact
/// optimum (tol=1e-12, max_iter=100000) on the same data; figures from Linear/sklearn_reference.py.
/// </summary>
public sealed class LogisticRegressionTests
{
    private const double CoefficientTolerance = 1e-3;

    [Theory]
    [InlineData("1", new[] { 1.7870079538912222, -2.441356032376342, 0.6553479311458561, 0.4409257100630987, -0.1926211292513461, 0.3071252101777484 }, -0.12714388271728524)]
    [InlineData("0.05", new[] { 0.36354579994860875, -0.498685677503437, 0.17307383163908163, 0.10656817142736429, -0.027224636550930215, 0.08097353481346489 }, -0.0936174105820404)]
    public void Fit_MatchesSklearnLogisticRegression(string c, double[] coefficients, double intercept)
    {
        var model = Fit(new LogisticRegressionAlgorithm(), LinearTestData.Binary(), new() { ["c"] = c });

        ShouldMatch(model.Coefficients, coefficients, CoefficientTolerance);
        model.Intercept.Should().BeApproximately(intercept, CoefficientTolerance);
    }

    [Fact]
    public void Fit_NoIntercept_MatchesSklearnLogisticRegression()
    {
        var model = Fit(new LogisticRegressionAlgorithm(), LinearTestData.Binary(), new() { ["fit_intercept"] = "false" });

        ShouldMatch(
            model.Coefficients,
            [1.7866242981933933, -2.4334196807935484, 0.6568929154063611, 0.44759986727476714, -0.192778321231216, 0.29902513791883617],
            CoefficientTolerance);
        model.Intercept.Should().Be(0.0);
    }

    /// <summary>
    /// More rows than one block of the solver (512), with a partial last block. Reference: scikit-learn
    /// 1.2.1 LogisticRegression(C=0.5, tol=1e-12, max_iter=100000) on the same formula-built data
    /// (x[i, j] = float32(sin(0.37·i·(j+1) + j)), y = x0 - 0.8·x1 + 0.3·cos(1.7·i) > 0.1; 516 positives).
    /// </summary>
    [Theory]
    [InlineData(true, new[] { 5.130382435025221, -3.472292830954785, -0.8318833407053806, 0.3129166689601595 }, -1.581732218676472)]
    [InlineData(false, new[] { 6.028387424239075, -4.428266911261273, 0.7216143792374926, 0.11954161366126037 }, 0.0)]
    public void Fit_ManyRows_MatchesSklearnLogisticRegression(bool fitIntercept, double[] coefficients, double intercept)
    {
        const int Rows = 1500;
        var columns = Enumerable.Range(0, 4)
            .Select(j => Enumerable.Range(0, Rows).Select(i => (float)Math.Sin((0.37 * i * (j + 1)) + j)).ToArray())
            .ToArray();
        var y = Enumerable.Range(0, Rows)
            .Select(i => columns[0][i] - (0.8 * columns[1][i]) + (0.3 * Math.Cos(1.7 * i)) > 0.1 ? 1.0 : 0.0)
            .ToArray();
        y.Sum().Should().Be(516, "the data must be the one scikit-learn saw");
        var data = new TrainingData(new FeatureMatrix(["x0", "x1", "x2", "x3"], columns), y, ModelTask.BinaryClassification);

        var model = Fit(
            new LogisticRegressionAlgorithm(),
            data,
            new() { ["c"] = "0.5", ["fit_intercept"] = fitIntercept ? "true" : "false" });

        ShouldMatch(model.Coefficients, coefficients, CoefficientTolerance);
        model.Intercept.Should().BeApproximately(intercept, CoefficientTolerance * Math.Abs(intercept));
    }

    [Fact]
    public void Fit_InfiniteFeature_ThrowsNamingFeatureAndRow()
    {
        var columns = Enumerable.Range(0, 2).Select(j => Enumerable.Range(0, 1200).Select(i => (float)Math.Sin(i + j)).ToArray()).ToArray();
        columns[1][1037] = float.NegativeInfinity;
        var y = Enumerable.Range(0, 1200).Select(i => i % 3 == 0 ? 1.0 : 0.0).ToArray();
        var data = new TrainingData(new FeatureMatrix(["a", "b"], columns), y, ModelTask.BinaryClassification);

        var act = () => Fit(new LogisticRegressionAlgorithm(), data);

        act.Should().Throw<InvalidOperationException>().WithMessage("logistic-regression: feature 'b' has a non-finite value at row 1037*");
    }

    [Theory]
    [InlineData("1", 0.8375, 0.9423558897243108, 0.3435169927133588)]
    [InlineData("0.05", 0.8, 0.9348370927318295, 0.5667405327771018)]
    public void Predict_Probabilities_GiveSklearnMetrics(string c, double accuracy, double auc, double logLoss)
    {
        var data = LinearTestData.Binary();
        var model = Fit(new LogisticRegressionAlgorithm(), data, new() { ["c"] = c });

        var metrics = ClassificationMetrics.Compute(data.Label, Predict(model, data.Features));

        // sklearn: accuracy_score(y, p >= 0.5), roc_auc_score, log_loss of predict_proba(X)[:, 1].
        metrics.Accuracy.Should().BeApproximately(accuracy, accuracy * 0.005);
        metrics.RocAuc.Should().BeApproximately(auc, auc * 0.005);
        metrics.LogLoss.Should().BeApproximately(logLoss, logLoss * 0.005);
    }

    [Fact]
    public void Predict_IsSigmoidOfLinearScore()
    {
        var data = LinearTestData.Binary();
        var model = Fit(new LogisticRegressionAlgorithm(), data);

        var p = Predict(model, data.Features);

        var z = model.Intercept + Enumerable.Range(0, 6).Sum(j => model.Coefficients[j] * data.Features[5, j]);
        p[5].Should().BeApproximately(1.0 / (1.0 + Math.Exp(-z)), 1e-12);
        p.Should().AllSatisfy(v => v.Should().BeInRange(0.0, 1.0));
    }

    [Fact]
    public void Fit_SeparableData_StaysFiniteBecauseOfThePenalty()
    {
        var x = new FeatureMatrix(["x"], [[-2f, -1f, -0.5f, 0.5f, 1f, 2f]]);
        var data = new TrainingData(x, [0, 0, 0, 1, 1, 1], ModelTask.BinaryClassification);

        var model = Fit(new LogisticRegressionAlgorithm(), data, new() { ["c"] = "1000" });

        double.IsFinite(model.Coefficients[0]).Should().BeTrue();
        model.Coefficients[0].Should().BeGreaterThan(5.0, "perfectly separable data with weak L2 gives a steep slope");
        Predict(model, x)[5].Should().BeGreaterThan(0.999);
    }
}
