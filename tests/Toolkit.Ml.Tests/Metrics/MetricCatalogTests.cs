using Toolkit.Ml.Metrics;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Metrics;

public sealed class MetricCatalogTests
{
    [Fact]
    public void Classification_EveryComputedMetricIsCatalogued()
    {
        var computed = ClassificationMetrics.Compute([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.1]).ToDictionary().Keys.Where(k => k != MetricCatalog.Rows);

        computed.Should().BeEquivalentTo(MetricCatalog.For(ModelTask.BinaryClassification));
    }

    [Fact]
    public void Regression_EveryComputedMetricIsCatalogued()
    {
        var computed = RegressionMetrics.Compute([1.0, 2.0, 3.0], [1.5, 2.0, 2.0]).ToDictionary().Keys.Where(k => k != MetricCatalog.Rows);

        computed.Should().BeEquivalentTo(MetricCatalog.For(ModelTask.Regression));
    }

    [Theory]
    [InlineData("auc", 0.9, 0.8, true)]
    [InlineData("auc", 0.8, 0.9, false)]
    [InlineData("rmse", 1.0, 2.0, true)]
    [InlineData("log_loss", 0.5, 0.3, false)]
    [InlineData("auc", double.NaN, 0.1, false)]
    [InlineData("auc", 0.1, double.NaN, true)]
    public void IsBetter_FollowsTheMetricsDirection(string metric, double candidate, double incumbent, bool expected)
    {
        MetricCatalog.IsBetter(metric, candidate, incumbent).Should().Be(expected);
    }

    [Theory]
    [InlineData("auc", 0.85, 0.87, 0.02)]
    [InlineData("rmse", 12.0, 10.0, 2.0)]
    [InlineData("rmse", 9.0, 10.0, -1.0)]
    public void Worsening_PositiveWhenWorse(string metric, double candidate, double reference, double expected)
    {
        MetricCatalog.Worsening(metric, candidate, reference).Should().BeApproximately(expected, 1e-12);
    }

    [Fact]
    public void Format_FourDecimalsOrNa()
    {
        MetricCatalog.Format(0.87036575).Should().Be("0.8704");
        MetricCatalog.Format(null).Should().Be("n/a");
        MetricCatalog.Format(double.NaN).Should().Be("n/a");
    }

    [Fact]
    public void DefaultPrimary_IsCatalogued()
    {
        MetricCatalog.TryGet(MetricCatalog.DefaultPrimary(ModelTask.BinaryClassification), out var c).Should().BeTrue();
        c.Task.Should().Be(ModelTask.BinaryClassification);
        MetricCatalog.TryGet(MetricCatalog.DefaultPrimary(ModelTask.Regression), out var r).Should().BeTrue();
        r.LowerIsBetter.Should().BeTrue();
    }
}
