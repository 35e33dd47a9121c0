using Toolkit.Monitoring.Statistics;

namespace Toolkit.Monitoring.Tests.Statistics;

public sealed class SortedSamplesTests
{
    [Fact]
    public void From_LargeMixedArray_SortsLikeArraySortAndDropsNaN()
    {
        var rng = new Random(9);
        double[] special = [double.NegativeInfinity, double.PositiveInfinity, -0.0, 0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, double.NaN];
        var values = Enumerable.Range(0, 50_000)
            .Select(i => i % 97 == 0 ? special[i % special.Length] : Math.Round((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-5, 8)), rng.Next(0, 4)))
            .ToArray();
        var expected = values.Where(v => !double.IsNaN(v)).ToArray();
        Array.Sort(expected);

        var sorted = SortedSamples.From(values);

        sorted.Should().HaveCount(expected.Length);
        sorted.Should().BeInAscendingOrder();
        sorted.Should().Equal(expected, (a, b) => a == b);
    }

    [Fact]
    public void From_Floats_WidensExactly()
    {
        float[] values = [3.1f, float.NaN, -2.5f, 0.1f];
        SortedSamples.From(values).Should().Equal(-2.5f, 0.1f, 3.1f);
    }
}
