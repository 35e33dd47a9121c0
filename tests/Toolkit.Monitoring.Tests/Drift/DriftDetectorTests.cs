using Toolkit.Ml.Data;
using Toolkit.Monitoring.Drift;
using Toolkit.Monitoring.Profiles;

namespace Toolkit.Monitoring.Tests.Drift;

public sealed class DriftDetectorTests
{
    private static double[] Normal(int seed, int n, double shift)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => shift + (Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())))];
    }

    private static DataTable Table(params (string Name, double[] Values)[] columns) =>
        new([.. columns.Select(c => (Column)new Float64Column(c.Name, c.Values))]);

    [Fact]
    public void Compare_SmallCurrent_DecidesByKs()
    {
        var reference = Table(("x", Normal(1, 5_000, 0)));
        var shifted = Table(("x", Normal(2, 300, 0.4)));
        var same = Table(("x", Normal(3, 300, 0)));

        var drifted = DriftDetector.Compare(reference, shifted).Features.Single();
        var stable = DriftDetector.Compare(reference, same).Features.Single();

        drifted.Test.Should().Be("ks");
        drifted.PValue.Should().BeLessThan(0.05);
        drifted.Drifted.Should().BeTrue();
        stable.Drifted.Should().Be(stable.PValue < 0.05 || stable.Psi > 0.2);
    }

    [Fact]
    public void Compare_LargeCurrent_DecidesByNormalizedWasserstein()
    {
        var reference = Table(("x", Normal(1, 20_000, 0)));
        var slightly = Table(("x", Normal(2, 20_000, 0.05)));
        var clearly = Table(("x", Normal(3, 20_000, 0.3)));

        var small = DriftDetector.Compare(reference, slightly).Features.Single();
        var large = DriftDetector.Compare(reference, clearly).Features.Single();

        small.Test.Should().Be("wasserstein");
        small.PValue.Should().BeLessThan(0.05, "KS finds even a tiny shift in 20,000 rows");
        small.Drifted.Should().BeFalse("but 0.05 std is below the 0.1 threshold");
        large.WassersteinNorm.Should().BeGreaterThan(0.1);
        large.Drifted.Should().BeTrue();
    }

    [Fact]
    public void Compare_PsiAboveThreshold_DriftsEvenWhenTheTestDoesNot()
    {
        var reference = Table(("x", Normal(1, 20_000, 0)));
        var current = Table(("x", Normal(2, 20_000, 0.3)));
        var thresholds = new DriftThresholds { WassersteinNorm = 10, Psi = 0.01 };

        var f = DriftDetector.Compare(reference, current, new DriftOptions { Thresholds = thresholds }).Features.Single();

        f.WassersteinNorm.Should().BeLessThan(10);
        f.Psi.Should().BeGreaterThan(0.01);
        f.Drifted.Should().BeTrue();
    }

    [Fact]
    public void Compare_HalfTheFeaturesDrift_DatasetDrifts()
    {
        var reference = Table(("a", Normal(1, 3_000, 0)), ("b", Normal(2, 3_000, 0)));
        var current = Table(("a", Normal(3, 3_000, 1)), ("b", Normal(4, 3_000, 0)));

        var report = DriftDetector.Compare(reference, current);

        report.DriftedShare.Should().Be(0.5);
        report.DatasetDrift.Should().BeTrue();
        report.Trigger.Should().Be(DriftReport.TriggerDrift);
        report.DriftedFeatures.Should().Equal("a");
    }

    [Fact]
    public void Compare_CategoricalWithUnseenCategory_CountsIt()
    {
        var reference = new DataTable([CategoricalColumn.FromValues("c", [.. Enumerable.Repeat("a", 500), .. Enumerable.Repeat("b", 500)])]);
        var current = new DataTable([CategoricalColumn.FromValues("c", [.. Enumerable.Repeat("a", 300), .. Enumerable.Repeat("b", 300), .. Enumerable.Repeat("new", 300)])]);

        var f = DriftDetector.Compare(reference, current).Features.Single();

        f.Kind.Should().Be(FeatureKind.Categorical);
        f.Test.Should().Be("chi2");
        f.Histogram!.Labels.Should().Equal("a", "b", "new");
        f.Psi.Should().BeGreaterThan(1, "a third of the current data is in a category the reference never had");
        f.Drifted.Should().BeTrue();
        f.Wasserstein.Should().BeNull();
    }

    [Fact]
    public void Compare_ConstantReference_NormalizedWassersteinNullWhenItMoves()
    {
        var reference = Table(("k", [.. Enumerable.Repeat(1.0, 2_000)]));
        var current = Table(("k", [.. Enumerable.Repeat(2.0, 2_000)]));

        var f = DriftDetector.Compare(reference, current).Features.Single();

        f.Wasserstein.Should().Be(1);
        f.WassersteinNorm.Should().BeNull();
        f.Drifted.Should().BeTrue();
    }

    [Fact]
    public void Validate_BadThreshold_NamesIt()
    {
        var act = () => new DriftThresholds { KsPValue = 2 }.Validate();
        act.Should().Throw<ArgumentException>().WithMessage("*KsPValue*");
    }
}
