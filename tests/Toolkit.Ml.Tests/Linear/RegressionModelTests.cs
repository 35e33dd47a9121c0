using Toolkit.Ml.Linear;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Training;
using static Toolkit.Ml.Tests.Linear.LinearTestHelpers;

namespace Toolkit.Ml.Tests.Linear;

/// <summary>
/// Lasso, elastic net and ridge against scikit-learn 1.2.1 fitted on the same data
/// (Linear/sklearn_reference.py prints every figure used here).
/// </summary>
public sealed class RegressionModelTests
{
    private const double CoefficientTolerance = 1e-6;

    [Theory]
    [InlineData("0.1", new[] { 1.212889893402276, -1.6778433924862048, 0.24247516048016077, 0.0, 0.0, 0.0 }, 2.9890611913200535)]
    [InlineData("0.01", new[] { 1.4807619099959661, -1.9492766274232163, 0.4823546785958325, 0.0, 0.0, 0.0 }, 2.99706255634354)]
    public void Lasso_Fit_MatchesSklearnLasso(string alpha, double[] coefficients, double intercept)
    {
        // sklearn: Lasso(alpha=...) with defaults (max_iter=1000, tol=1e-4, cyclic).
        var model = Fit(new LassoAlgorithm(), LinearTestData.Regression(), new() { ["alpha"] = alpha });

        ShouldMatch(model.Coefficients, coefficients, CoefficientTolerance);
        model.Intercept.Should().BeApproximately(intercept, CoefficientTolerance);
        model.Coefficients.Skip(3).Should().AllSatisfy(c => c.Should().Be(0.0), "lasso zeroes the noise features exactly");
    }

    [Fact]
    public void Lasso_Predictions_GiveSklearnMetrics()
    {
        var data = LinearTestData.Regression();
        var model = Fit(new LassoAlgorithm(), data, new() { ["alpha"] = "0.1" });

        var metrics = RegressionMetrics.Compute(data.Label, Predict(model, data.Features));

        // sklearn: mean_squared_error ** 0.5 and r2_score of Lasso(alpha=0.1).predict(X).
        metrics.Rmse.Should().BeApproximately(0.3025880215423628, 0.3025880215423628 * 0.005);
        metrics.R2.Should().BeApproximately(0.9570059187271953, 0.9570059187271953 * 0.005);
    }

    [Fact]
    public void Lasso_AlphaAboveAlphaMax_GivesAllZeroCoefficients()
    {
        // alpha_max = max|Xcᵀyc| / n = 0.6484 (sklearn_reference.py); above it every coefficient is 0
        // and the model predicts the mean of y.
        var data = LinearTestData.Regression();
        var model = Fit(new LassoAlgorithm(), data, new() { ["alpha"] = "0.65" });

        model.Coefficients.Should().AllSatisfy(c => c.Should().Be(0.0));
        model.Intercept.Should().BeApproximately(data.Label.Average(), 1e-12);
    }

    [Fact]
    public void ElasticNet_Fit_MatchesSklearnElasticNet()
    {
        // sklearn: ElasticNet(alpha=0.1, l1_ratio=0.5).
        var model = Fit(new ElasticNetAlgorithm(), LinearTestData.Regression(), new() { ["alpha"] = "0.1", ["l1_ratio"] = "0.5" });

        ShouldMatch(model.Coefficients, [1.1741795753676132, -1.5850755895950566, 0.34684850967131586, 0.0, 0.0, 0.0], CoefficientTolerance);
        model.Intercept.Should().BeApproximately(2.9916377243532373, CoefficientTolerance);
    }

    [Fact]
    public void ElasticNet_NoIntercept_MatchesSklearnElasticNet()
    {
        // sklearn: ElasticNet(alpha=0.05, l1_ratio=0.2, fit_intercept=False).
        var model = Fit(
            new ElasticNetAlgorithm(),
            LinearTestData.Regression(),
            new() { ["alpha"] = "0.05", ["l1_ratio"] = "0.2", ["fit_intercept"] = "false" });

        ShouldMatch(
            model.Coefficients,
            [1.2053746308038267, -1.8062216076218793, 0.2691944694208383, -0.2751439466136426, -0.020408411974278767, 0.0],
            CoefficientTolerance);
        model.Intercept.Should().Be(0.0);
    }

    [Theory]
    [InlineData("1", "true", new[] { 1.4528468282162461, -1.9057518861146938, 0.4977097749342591, 0.011730501766170073, -0.009875775533369274, -0.0038827264719378056 }, 2.9977217949182307)]
    [InlineData("0", "true", new[] { 1.5106994609744635, -1.9799359523638427, 0.5091808194755151, 0.0079615093364296, -0.009341679759956206, -0.01172277338364217 }, 2.9982300581802233)]
    [InlineData("5", "false", new[] { 1.1572480382774502, -1.7237363244764312, 0.287029359597583, -0.2822059133549403, -0.04656308504599732, 0.032827387493525345 }, 0.0)]
    public void Ridge_Fit_MatchesSklearnRidge(string alpha, string fitIntercept, double[] coefficients, double intercept)
    {
        // sklearn: Ridge(alpha=..., fit_intercept=...) (cholesky solver); alpha=0 is ordinary least squares.
        var model = Fit(new RidgeAlgorithm(), LinearTestData.Regression(), new() { ["alpha"] = alpha, ["fit_intercept"] = fitIntercept });

        ShouldMatch(model.Coefficients, coefficients, 1e-9);
        model.Intercept.Should().BeApproximately(intercept, 1e-9);
    }

    [Fact]
    public void Ridge_ConstantColumnWithZeroAlpha_GetsZeroCoefficient()
    {
        var x = LinearTestData.Matrix();
        var columns = Enumerable.Range(0, x.ColumnCount).Select(j => x.Column(j).ToArray()).Append(Enumerable.Repeat(2f, x.RowCount).ToArray()).ToArray();
        var data = new TrainingData(
            new FeatureMatrix([.. x.Names, "constant"], columns), LinearTestData.RegressionTarget(), ModelTask.Regression);

        var model = Fit(new RidgeAlgorithm(), data, new() { ["alpha"] = "0" });

        // The other coefficients stay the ordinary least squares ones (sklearn Ridge(alpha=0) above).
        model.Coefficients[6].Should().Be(0.0);
        model.Coefficients[0].Should().BeApproximately(1.5106994609744635, 1e-9);
    }
}
