using Toolkit.Ml.Metrics;

namespace Toolkit.Ml.Tests.Metrics;

public sealed class RegressionMetricsTests
{
    [Fact]
    public void Compute_SmallArrays_MatchesSklearn()
    {
        var m = RegressionMetrics.Compute([3.0, -0.5, 2.0, 7.0, 4.25, -1.5], [2.5, 0.0, 2.0, 8.0, 4.0, -1.0]);

        // sklearn 1.2.1 (Metrics/sklearn_reference.py, case "basic"): sqrt(mean_squared_error),
        // mean_absolute_error, r2_score, mean_absolute_percentage_error.
        m.Rmse.Should().BeApproximately(0.5496210815947049, 1e-12);
        m.Mae.Should().BeApproximately(0.4583333333333333, 1e-12);
        m.R2.Should().BeApproximately(0.962796664528544, 1e-12);
        m.Mape.Should().BeApproximately(0.28361344537815125, 1e-12);
        m.Rows.Should().Be(6);
    }

    [Fact]
    public void Compute_ZeroActual_MapeUsesEpsilonGuardLikeSklearn()
    {
        var m = RegressionMetrics.Compute([0.0, 1.0, 2.0], [0.5, 1.0, 2.5]);

        // sklearn 1.2.1, case "zero actual": the zero divides by float64 eps instead of failing.
        m.Mape.Should().BeApproximately(750599937895082.6, 1.0);
        m.R2.Should().BeApproximately(0.75, 1e-12);
        m.Rmse.Should().BeApproximately(0.408248290463863, 1e-12);
    }

    [Fact]
    public void Compute_PerfectPredictions_GivesZeroErrorsAndR2One()
    {
        var m = RegressionMetrics.Compute([1.0, 2.0, 4.0], [1.0, 2.0, 4.0]);

        m.Rmse.Should().Be(0.0);
        m.Mae.Should().Be(0.0);
        m.Mape.Should().Be(0.0);
        m.R2.Should().Be(1.0);
    }

    [Fact]
    public void Compute_PredictingTheMean_GivesR2Zero()
    {
        // By hand: residuals equal the deviations from the mean, so SSres = SStot.
        var m = RegressionMetrics.Compute([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]);

        m.R2.Should().Be(0.0);
        m.Mae.Should().BeApproximately(2.0 / 3, 1e-15);
        m.Rmse.Should().BeApproximately(Math.Sqrt(2.0 / 3), 1e-15);
    }

    [Fact]
    public void Compute_ConstantTarget_R2IsOneWhenExactElseZero()
    {
        RegressionMetrics.Compute([5.0, 5.0], [5.0, 5.0]).R2.Should().Be(1.0);
        RegressionMetrics.Compute([5.0, 5.0], [5.0, 6.0]).R2.Should().Be(0.0);
    }

    [Fact]
    public void Compute_NaNPrediction_Throws()
    {
        var act = () => RegressionMetrics.Compute([1.0, 2.0], [1.0, double.NaN]);

        act.Should().Throw<ArgumentException>().WithMessage("Row 1*NaN*");
    }

    [Fact]
    public void ToDictionary_UsesSnakeCaseNames()
    {
        var d = RegressionMetrics.Compute([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]).ToDictionary();

        d.Keys.Should().Equal("mae", "mape", "r2", "rmse", "rows");
        d["r2"].Should().Be(0.0);
    }
}
