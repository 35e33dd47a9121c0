using Toolkit.Ml.Trees;
using static Toolkit.Ml.Tests.Trees.TreeTestData;

namespace Toolkit.Ml.Tests.Trees;

public sealed class FeatureBinnerTests
{
    [Fact]
    public void Fit_FewDistinctValues_OneBinEachWithMidpointEdges()
    {
        var binner = FeatureBinner.Fit(Matrix([3f, -1f, 3f, 0f, -0f, float.NaN, -1f]), 255, 0, 1);

        binner.BinCount(0).Should().Be(3);
        binner.Threshold(0, 1).Should().Be(-0.5f);
        binner.Threshold(0, 2).Should().Be(1.5f);
        binner.Threshold(0, 3).Should().Be(float.PositiveInfinity);
    }

    [Fact]
    public void Transform_CodesAgreeWithFloatThresholds()
    {
        // Many distinct values (quantile edges): "code <= t" must be exactly "x <= Threshold(t)".
        var values = Enumerable.Range(0, 5000).Select(i => (float)((Uniform(i, 3) * 200) - 100)).ToArray();
        values[7] = float.NaN;
        (values[8], values[9], values[10], values[11]) = (float.PositiveInfinity, float.NegativeInfinity, -0f, 0f);
        var x = Matrix(values);
        var binner = FeatureBinner.Fit(x, 16, 0, 2);
        var columnMajor = binner.Transform(x, 2)[0];
        var rowMajor = binner.TransformRows(x, 2);

        binner.BinCount(0).Should().Be(16);
        columnMajor.Should().Equal(rowMajor);
        columnMajor[7].Should().Be(FeatureBinner.MissingBin);
        for (var t = 1; t <= 16; t++)
        {
            for (var i = 0; i < values.Length; i++)
            {
                if (!float.IsNaN(values[i]))
                {
                    (columnMajor[i] <= t).Should().Be(values[i] <= binner.Threshold(0, t));
                }
            }
        }
    }

    [Fact]
    public void Fit_QuantileEdges_RoughlyEqualBins()
    {
        var values = Enumerable.Range(0, 10000).Select(i => (float)Uniform(i, 4)).ToArray();
        var binner = FeatureBinner.Fit(Matrix(values), 10, 0, 1);
        var codes = binner.Transform(Matrix(values), 1)[0];

        codes.GroupBy(c => c).Should().HaveCount(10).And.AllSatisfy(g => g.Count().Should().BeInRange(900, 1100));
    }
}
