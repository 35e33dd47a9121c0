namespace Toolkit.Monitoring.Statistics;

/// <summary>Quantiles and decile bins computed the way numpy does by default.</summary>
internal static class Quantiles
{
    /// <summary>The inner decile probabilities 0.1 .. 0.9, each the double nearest k/10 (as <c>np.arange(1, 10) / 10</c>).</summary>
    public static IReadOnlyList<double> DecileProbabilities { get; } = [.. Enumerable.Range(1, 9).Select(k => k / 10.0)];

    /// <summary>
    /// <c>numpy.quantile(values, q)</c> with the default method 'linear' on ascending <paramref name="sorted"/>:
    /// virtual index (n - 1)·q, then numpy's lerp, which for a fraction of at least one half interpolates
    /// down from the upper value (so results match bit for bit).
    /// </summary>
    public static double Linear(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.IsEmpty)
        {
            throw new ArgumentException("No values: a quantile needs at least one.", nameof(sorted));
        }

        var n = sorted.Length;
        var virtualIndex = (n - 1) * q;
        if (virtualIndex >= n - 1)
        {
            return sorted[n - 1];
        }

        if (virtualIndex < 0)
        {
            return sorted[0];
        }

        var previous = Math.Floor(virtualIndex);
        var gamma = virtualIndex - previous;
        var a = sorted[(int)previous];
        var b = sorted[(int)previous + 1];
        var diff = b - a;
        return gamma >= 0.5 ? b - (diff * (1 - gamma)) : a + (diff * gamma);
    }

    /// <summary>The nine inner decile edges of ascending <paramref name="sorted"/>.</summary>
    public static double[] DecileEdges(ReadOnlySpan<double> sorted)
    {
        var edges = new double[DecileProbabilities.Count];
        for (var i = 0; i < edges.Length; i++)
        {
            edges[i] = Linear(sorted, DecileProbabilities[i]);
        }

        return edges;
    }

    /// <summary>
    /// The bin of <paramref name="value"/> among <c>edges.Length + 1</c> bins: the number of edges at or below it,
    /// so a value equal to an edge is in the bin above (as <c>np.searchsorted(edges, x, side='right')</c>).
    /// </summary>
    public static int BinOf(ReadOnlySpan<double> edges, double value)
    {
        var lo = 0;
        var hi = edges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (edges[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Counts per bin of ascending <paramref name="sorted"/> (one pass, no search per value).</summary>
    public static long[] BinCounts(ReadOnlySpan<double> sorted, ReadOnlySpan<double> edges)
    {
        var counts = new long[edges.Length + 1];
        var bin = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            while (bin < edges.Length && edges[bin] <= sorted[i])
            {
                bin++;
            }

            counts[bin]++;
        }

        return counts;
    }
}
