using Toolkit.Ml.Trees;

namespace Toolkit.Ml.Tests.Trees;

public sealed class GradientBoostingSplitTests
{
    [Theory]
    [InlineData(0, 256)]
    [InlineData(1, 256)]
    [InlineData(2, 9)]
    [InlineData(3, 6)]
    [InlineData(4, 3)]
    public void BestThreshold_RandomHistograms_SameAsScanningInOrder(int seed, int bins)
    {
        var rng = new Random(seed);
        for (var trial = 0; trial < 200; trial++)
        {
            // Integer-valued gradients with many empty bins and repeated bins, so ties and skips happen.
            var g = new double[bins];
            var h = new double[bins];
            for (var t = 1; t < bins; t++)
            {
                if (rng.NextDouble() < 0.3)
                {
                    continue;
                }

                g[t] = rng.Next(-3, 4);
                h[t] = rng.Next(1, 3);
            }

            var gls = new double[bins];
            var hls = new double[bins];
            for (var t = 1; t < bins; t++)
            {
                gls[t] = gls[t - 1] + g[t];
                hls[t] = hls[t - 1] + h[t];
            }

            double totalG = gls[^1], totalH = hls[^1], lambda = 1, minChild = 1;
            var parent = totalG * totalG / (totalH + lambda);

            var (at, gain) = SplitSearch.BestThreshold(gls, hls, h, totalG, totalH, lambda, minChild, parent);

            // Reference: the plain in-order scan (first strictly best; an empty bin repeats the previous threshold).
            var bestAt = -1;
            var best = 1e-6;
            for (var t = 1; t < bins; t++)
            {
                if (h[t] == 0 && t + 1 < bins)
                {
                    continue;
                }

                double gr = totalG - gls[t], hr = totalH - hls[t];
                if (hls[t] < minChild || hr < minChild)
                {
                    continue;
                }

                var value = (gls[t] * gls[t] / (hls[t] + lambda)) + (gr * gr / (hr + lambda)) - parent;
                if (value > best)
                {
                    best = value;
                    bestAt = t;
                }
            }

            at.Should().Be(bestAt, $"trial {trial}");
            if (bestAt >= 0)
            {
                gain.Should().Be(best);
            }
        }
    }
}
