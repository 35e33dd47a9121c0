using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>
/// Quantile bin edges per feature. Code 0 is reserved for missing (NaN); a value x gets code
/// 1 + (number of edges strictly below x), so "code &lt;= t" is exactly "x &lt;= edge[t - 1]" and a
/// split learned on codes becomes a float threshold with identical routing.
/// </summary>
internal sealed class FeatureBinner
{
    public const int MissingBin = 0;

    /// <summary>Quantiles come from at most this many rows (like scikit-learn's HistGradientBoosting).</summary>
    private const int SampleRows = 200_000;

    private readonly float[][] _edges;

    private FeatureBinner(float[][] edges)
    {
        _edges = edges;
    }

    public int FeatureCount => _edges.Length;

    /// <summary>Number of value bins of a feature (codes 1..BinCount).</summary>
    public int BinCount(int feature) => _edges[feature].Length + 1;

    /// <summary>
    /// The float threshold equivalent to "code &lt;= bin"; the last bin (all values left, only
    /// missing ones right) becomes +infinity.
    /// </summary>
    public float Threshold(int feature, int bin) =>
        bin - 1 < _edges[feature].Length ? _edges[feature][bin - 1] : float.PositiveInfinity;

    public static FeatureBinner Fit(FeatureMatrix features, int maxBins, int seed, int maxThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBins, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBins, 255);
        var n = features.RowCount;
        int[]? sample = null;
        if (n > SampleRows)
        {
            // A seeded sample of rows, sorted so the gathers below walk memory forward.
            var rng = new TreeRandom(seed, 11, 0);
            var chosen = new HashSet<int>();
            while (chosen.Count < SampleRows)
            {
                chosen.Add(rng.NextInt(n));
            }

            sample = [.. chosen];
            Array.Sort(sample);
        }

        var edges = new float[features.ColumnCount][];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxThreads) };
        Parallel.For(0, features.ColumnCount, options, f =>
        {
            var col = features.Columns[f];
            var values = new List<float>(sample?.Length ?? n);
            if (sample is null)
            {
                foreach (var v in col)
                {
                    if (!float.IsNaN(v))
                    {
                        values.Add(v);
                    }
                }
            }
            else
            {
                foreach (var r in sample)
                {
                    if (!float.IsNaN(col[r]))
                    {
                        values.Add(col[r]);
                    }
                }
            }

            edges[f] = Edges(values, maxBins);
        });
        return new FeatureBinner(edges);
    }

    private static float[] Edges(List<float> values, int maxBins)
    {
        if (values.Count == 0)
        {
            return [];
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        var distinct = new List<float>();
        var counts = new List<int>();
        foreach (var v in sorted)
        {
            if (distinct.Count > 0 && distinct[^1] == v)
            {
                counts[^1]++;
            }
            else
            {
                distinct.Add(v);
                counts.Add(1);
            }
        }

        var result = new List<float>();
        if (distinct.Count <= maxBins)
        {
            // Few distinct values: one bin each, edges halfway between neighbours (exact splits).
            for (var i = 0; i + 1 < distinct.Count; i++)
            {
                result.Add(Midpoint(distinct[i], distinct[i + 1]));
            }

            return [.. result];
        }

        // Quantile edges; each edge is a data value, so "x <= edge" keeps that value on the left.
        for (var i = 1; i < maxBins; i++)
        {
            var edge = sorted[(int)((long)i * sorted.Length / maxBins) - 1];
            if ((result.Count == 0 || edge > result[^1]) && edge < distinct[^1])
            {
                result.Add(edge);
            }
        }

        return [.. result];
    }

    private static float Midpoint(float a, float b)
    {
        var mid = (float)((a + (double)b) / 2);
        return mid >= b || mid < a ? a : mid;
    }

    /// <summary>Bin codes of every feature, column-major.</summary>
    public byte[][] Transform(FeatureMatrix features, int maxThreads)
    {
        if (features.ColumnCount != _edges.Length)
        {
            throw new ArgumentException($"Expected {_edges.Length} features, got {features.ColumnCount}.", nameof(features));
        }

        var codes = new byte[_edges.Length][];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxThreads) };
        Parallel.For(0, _edges.Length, options, f =>
        {
            var col = features.Columns[f];
            var edges = _edges[f];
            var dst = new byte[col.Length];
            for (var i = 0; i < col.Length; i++)
            {
                dst[i] = Code(edges, col[i]);
            }

            codes[f] = dst;
        });
        return codes;
    }

    private static byte Code(float[] edges, float x)
    {
        if (float.IsNaN(x))
        {
            return MissingBin;
        }

        // Lower bound: number of edges strictly below x.
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (edges[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return (byte)(lo + 1);
    }
}
