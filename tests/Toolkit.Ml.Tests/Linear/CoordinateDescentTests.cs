using Toolkit.Ml.Linear;
using Toolkit.Ml.Training;
using static Toolkit.Ml.Tests.Linear.LinearTestHelpers;

namespace Toolkit.Ml.Tests.Linear;

public sealed class CoordinateDescentTests
{
    [Fact]
    public void RunGram_SameProblem_ConvergesToTheResidualFormSolution()
    {
        var x = LinearInputs.Columns(LinearTestData.Matrix(), "test");
        LinearInputs.Center(x, center: true);
        var y = LinearInputs.CenterLabel(LinearTestData.RegressionTarget(), center: true, out _);
        var p = x.Length;
        var n = y.Length;
        var gram = new double[p * p];
        for (var a = 0; a < p; a++)
        {
            for (var b = 0; b < p; b++)
            {
                gram[(a * p) + b] = LinearAlgebra.Dot(x[a], x[b]);
            }
        }

        var xty = x.Select(c => LinearAlgebra.Dot(c, y)).ToArray();
        double l1 = 0.02 * 0.7 * n, l2 = 0.02 * 0.3 * n;
        var wResidual = new double[p];
        var wGram = new double[p];

        var residualRun = CoordinateDescent.Run(x, CoordinateDescent.ColumnNormsSquared(x), y, wResidual, (double[])y.Clone(), l1, l2, 1000, 1e-10, default);
        var gramRun = CoordinateDescent.RunGram(gram, xty, LinearAlgebra.Dot(y, y), wGram, new double[p], l1, l2, 1000, 1e-10, default);

        residualRun.Converged.Should().BeTrue();
        gramRun.Converged.Should().BeTrue();
        ShouldMatch(wGram, wResidual, 1e-9);
    }

    [Fact]
    public void DualityGap_AtTheOptimum_IsNearZeroAndPositiveElsewhere()
    {
        var x = LinearInputs.Columns(LinearTestData.Matrix(), "test");
        LinearInputs.Center(x, center: true);
        var y = LinearInputs.CenterLabel(LinearTestData.RegressionTarget(), center: true, out _);
        var w = new double[x.Length];
        var residual = (double[])y.Clone();
        var l1 = 0.05 * y.Length;

        // At w = 0 the gap is large (the lasso objective is far from its dual bound).
        var gapAtZero = CoordinateDescent.DualityGap(x, y, w, residual, l1, 0.0);
        CoordinateDescent.Run(x, CoordinateDescent.ColumnNormsSquared(x), y, w, residual, l1, 0.0, 10_000, 1e-12, default);
        var gapAtOptimum = CoordinateDescent.DualityGap(x, y, w, residual, l1, 0.0);

        gapAtZero.Should().BeGreaterThan(1.0);
        gapAtOptimum.Should().BeLessThan(1e-12 * LinearAlgebra.Dot(y, y) + 1e-9);
    }

    [Fact]
    public void LassoCv_MoreFeaturesThanRows_UsesResidualPathAndFits()
    {
        // 12 rows, 30 features: each training fold has fewer rows than features, so the fold
        // paths run on residuals instead of the Gram matrix. y depends on feature 0 only.
        const int Rows = 12, Features = 30;
        var random = new Random(1);
        var columns = Enumerable.Range(0, Features)
            .Select(_ => Enumerable.Range(0, Rows).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray())
            .ToArray();
        var y = columns[0].Select(v => 4.0 * v).ToArray();
        var data = new TrainingData(
            new FeatureMatrix([.. Enumerable.Range(0, Features).Select(j => $"f{j}")], columns), y, ModelTask.Regression);

        var model = Fit(new LassoAlgorithm(), data, new() { ["cv"] = "3" });

        model.Coefficients[0].Should().BeGreaterThan(3.0);
        model.Coefficients.Skip(1).Select(Math.Abs).Sum().Should().BeLessThan(0.5 * model.Coefficients[0]);
    }
}
