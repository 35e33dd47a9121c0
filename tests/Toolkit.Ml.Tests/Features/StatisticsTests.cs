using Toolkit.Ml.Features;

namespace Toolkit.Ml.Tests.Features;

public sealed class StatisticsTests
{
    [Fact]
    public void Median_AgreesWithSortingOnManyRandomArrays()
    {
        var random = new Random(12);
        for (var trial = 0; trial < 500; trial++)
        {
            // Small value ranges give many duplicates, which is where partitioning goes wrong.
            var n = random.Next(1, 60);
            var range = random.Next(1, 10);
            var values = Enumerable.Range(0, n).Select(_ => (double)random.Next(range)).ToArray();
            var sorted = values.Order().ToArray();
            var expected = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;

            Statistics.Median(values).Should().Be(expected, $"trial {trial}: [{string.Join(", ", sorted)}]");
        }
    }

    [Fact]
    public void Median_SortedAndReversedInput()
    {
        Statistics.Median([.. Enumerable.Range(0, 1001).Select(i => (double)i)]).Should().Be(500);
        Statistics.Median([.. Enumerable.Range(0, 1000).Select(i => (double)(999 - i))]).Should().Be(499.5);
    }

    [Fact]
    public void MostFrequent_TieGoesToSmallest()
    {
        Statistics.MostFrequent([4, -1, 4, -1, 9]).Should().Be(-1);
        Statistics.MostFrequent([2.5]).Should().Be(2.5);
    }
}
