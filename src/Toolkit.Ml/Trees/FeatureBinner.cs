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
            var values = new float[sample?.Length ?? n];
            var count = 0;
            if (sample is null)
            {
                foreach (var v in col)
                {
                    if (!float.IsNaN(v))
                    {
                        values[count++] = v;
                    }
                }
            }
            else
            {
                foreach (var r in sample)
                {
                    if (!float.IsNaN(col[r]))
                    {
                        values[count++] = col[r];
                    }
                }
            }

            edges[f] = Edges(values.AsSpan(0, count), maxBins);
        });
        return new FeatureBinner(edges);
    }

    private static float[] Edges(Span<float> sorted, int maxBins)
    {
        if (sorted.Length == 0)
        {
            return [];
        }

        RadixSort(sorted);
        // Distinct values, but only as many as decide between exact and quantile edges.
        var distinct = new float[maxBins + 1];
        var count = 0;
        foreach (var v in sorted)
        {
            if (count == 0 || distinct[count - 1] != v)
            {
                distinct[count++] = v;
                if (count > maxBins)
                {
                    break;
                }
            }
        }

        if (count <= maxBins)
        {
            // Few distinct values: one bin each, edges halfway between neighbours (exact splits).
            var mids = new float[Math.Max(0, count - 1)];
            for (var i = 0; i + 1 < count; i++)
            {
                mids[i] = Midpoint(distinct[i], distinct[i + 1]);
            }

            return mids;
        }

        // Quantile edges; each edge is a data value, so "x <= edge" keeps that value on the left.
        var result = new float[maxBins];
        var edges = 0;
        for (var i = 1; i < maxBins; i++)
        {
            var edge = sorted[(int)((long)i * sorted.Length / maxBins) - 1];
            if ((edges == 0 || edge > result[edges - 1]) && edge < sorted[^1])
            {
                result[edges++] = edge;
            }
        }

        return result[..edges];
    }

    /// <summary>LSD radix sort of non-NaN floats (three 11-bit passes over order-preserving keys); much faster than a comparison sort here.</summary>
    private static void RadixSort(Span<float> values)
    {
        var n = values.Length;
        var keys = new uint[n];
        var temp = new uint[n];
        for (var i = 0; i < n; i++)
        {
            keys[i] = Key(values[i]);
        }

        var counts = new int[2048];
        for (var shift = 0; shift < 33; shift += 11)
        {
            Array.Clear(counts);
            foreach (var k in keys)
            {
                counts[(int)((k >> shift) & 2047)]++;
            }

            var sum = 0;
            for (var b = 0; b < counts.Length; b++)
            {
                (counts[b], sum) = (sum, sum + counts[b]);
            }

            foreach (var k in keys)
            {
                temp[counts[(int)((k >> shift) & 2047)]++] = k;
            }

            (keys, temp) = (temp, keys);
        }

        for (var i = 0; i < n; i++)
        {
            var k = keys[i];
            values[i] = BitConverter.UInt32BitsToSingle((k & 0x8000_0000u) != 0 ? k & 0x7FFF_FFFFu : ~k);
        }
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
            var lookup = new Lookup(_edges[f]);
            var dst = new byte[col.Length];
            for (var i = 0; i < col.Length; i++)
            {
                dst[i] = lookup.Code(col[i]);
            }

            codes[f] = dst;
        });
        return codes;
    }

    /// <summary>Bin codes row-major (row r's codes at r × FeatureCount), for kernels that visit all features of a row.</summary>
    public byte[] TransformRows(FeatureMatrix features, int maxThreads)
    {
        if (features.ColumnCount != _edges.Length)
        {
            throw new ArgumentException($"Expected {_edges.Length} features, got {features.ColumnCount}.", nameof(features));
        }

        const int Block = 4096;
        var n = features.RowCount;
        var stride = _edges.Length;
        var codes = new byte[(long)n * stride];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxThreads) };
        var lookups = new Lookup[stride];
        Parallel.For(0, stride, options, f => lookups[f] = new Lookup(_edges[f]));
        Parallel.For(0, (n + Block - 1) / Block, options, b =>
        {
            var end = Math.Min(n, (b + 1) * Block);
            for (var f = 0; f < stride; f++)
            {
                var col = features.Columns[f];
                var lookup = lookups[f];
                for (var r = b * Block; r < end; r++)
                {
                    codes[((long)r * stride) + f] = lookup.Code(col[r]);
                }
            }
        });
        return codes;
    }

    /// <summary>Order-preserving unsigned key of a non-NaN float (-0 and +0 share a key, as they compare equal).</summary>
    private static uint Key(float x)
    {
        var bits = BitConverter.SingleToUInt32Bits(x == 0 ? 0f : x);
        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }

    /// <summary>
    /// Value-to-code mapping through a table over the top 16 bits of the float's key: the table
    /// says how many edges lie below each bucket, so usually no search is needed at all.
    /// </summary>
    private sealed class Lookup
    {
        private readonly uint[] _edgeKeys;
        private readonly ushort[] _below;

        public Lookup(float[] edges)
        {
            _edgeKeys = new uint[edges.Length];
            for (var i = 0; i < edges.Length; i++)
            {
                _edgeKeys[i] = Key(edges[i]);
            }

            _below = new ushort[(1 << 16) + 1];
            var j = 0;
            for (var b = 0; b <= 1 << 16; b++)
            {
                var start = (ulong)b << 16;
                while (j < _edgeKeys.Length && _edgeKeys[j] < start)
                {
                    j++;
                }

                _below[b] = (ushort)j;
            }
        }

        public byte Code(float x)
        {
            if (float.IsNaN(x))
            {
                return MissingBin;
            }

            var key = Key(x);
            var bucket = (int)(key >> 16);
            int count = _below[bucket], end = _below[bucket + 1];
            while (count < end && _edgeKeys[count] < key)
            {
                count++;
            }

            return (byte)(count + 1);
        }
    }
}
