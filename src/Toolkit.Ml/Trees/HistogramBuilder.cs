using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Toolkit.Ml.Trees;

/// <summary>
/// Gradient histograms of the nodes being grown (one array per node: feature f's bins at
/// f × <see cref="BinStride"/>, (gradient, hessian) per bin, the missing bin first), built from the
/// node's rows or, for the larger child, as parent minus sibling; and each node's best split.
/// Arrays are pooled for the whole fit.
/// </summary>
internal sealed class HistogramBuilder(BinnedRows binned, RowPartition partition, float[] gradHess, SplitSearch search, ParallelSteps steps)
{
    private const int BinStride = 256 * 2;

    /// <summary>Rows per histogram block; fixed so that the summation order never depends on threads.</summary>
    private const int BlockRows = 8192;

    private readonly Stack<double[]> _pool = new();

    public double[] Rent() => _pool.Count > 0 ? _pool.Pop() : new double[binned.FeatureCount * BinStride];

    public void Return(double[] hist) => _pool.Push(hist);

    /// <summary>
    /// For each (small, large, parent) triple: the small node's histogram from its rows, the large
    /// one as parent minus small (in place, the large node owns the parent's array), and the best
    /// split of both. Rows are cut into fixed blocks (independent of the thread count) whose partial
    /// histograms are added in block order, so the sums never depend on scheduling.
    /// </summary>
    public void Build((GrowNode Small, GrowNode? Large, double[]? Parent)[] work, int[] features)
    {
        var items = new List<(double[] Target, int Begin, int End)>();

        // Block histograms of a node cut into several blocks, added in block order per feature.
        var partsOf = new double[work.Length][][];
        for (var w = 0; w < work.Length; w++)
        {
            var small = work[w].Small;
            var rows = small.End - small.Begin;
            var blocks = Math.Max(1, (rows + BlockRows - 1) / BlockRows);
            if (blocks == 1)
            {
                items.Add((small.Hist!, small.Begin, small.End));
                continue;
            }

            var parts = new double[blocks][];
            for (var b = 0; b < blocks; b++)
            {
                parts[b] = Rent();
                items.Add((parts[b], small.Begin + (b * BlockRows), Math.Min(small.End, small.Begin + ((b + 1) * BlockRows))));
            }

            partsOf[w] = parts;
        }

        var offsets = new int[features.Length];
        var lengths = new int[features.Length];
        for (var fi = 0; fi < features.Length; fi++)
        {
            offsets[fi] = features[fi] * BinStride;
            lengths[fi] = (binned.BinCounts[features[fi]] + 1) * 2;
        }

        var rowCount = 0L;
        foreach (var (small, _, _) in work)
        {
            rowCount += small.End - small.Begin;
        }

        steps.For(items.Count, rowCount * features.Length, k =>
        {
            var (target, begin, end) = items[k];
            for (var fi = 0; fi < features.Length; fi++)
            {
                target.AsSpan(offsets[fi], lengths[fi]).Clear();
            }

            Accumulate(binned.Codes, binned.FeatureCount, partition.Rows, gradHess, begin, end, offsets, target);
        });

        var candidates = new SplitInfo[work.Length * 2, features.Length];
        steps.For(work.Length * features.Length, work.Length * features.Length * 20_000L, k =>
        {
            var (small, large, _) = work[k / features.Length];
            var fi = k % features.Length;
            var w = k / features.Length;
            var hist = small.Hist!.AsSpan(offsets[fi], lengths[fi]);
            if (partsOf[w] is { } parts)
            {
                // This feature's part of the node's histogram: the blocks added in order (one step less than merging first).
                parts[0].AsSpan(offsets[fi], lengths[fi]).CopyTo(hist);
                for (var b = 1; b < parts.Length; b++)
                {
                    var src = parts[b].AsSpan(offsets[fi], lengths[fi]);
                    for (var i = 0; i < hist.Length; i++)
                    {
                        hist[i] += src[i];
                    }
                }
            }

            candidates[w * 2, fi] = search.Best(small.G, small.H, features[fi], hist);
            if (large is not null)
            {
                var big = large.Hist!.AsSpan(offsets[fi], lengths[fi]);
                for (var b = 0; b < big.Length; b++)
                {
                    big[b] -= hist[b];
                }

                candidates[(w * 2) + 1, fi] = search.Best(large.G, large.H, features[fi], big);
            }
        });

        foreach (var parts in partsOf)
        {
            foreach (var part in parts ?? [])
            {
                _pool.Push(part);
            }
        }

        for (var k = 0; k < work.Length; k++)
        {
            work[k].Small.Best = SplitSearch.Reduce(candidates, k * 2, features.Length);
            if (work[k].Large is { } large)
            {
                large.Best = SplitSearch.Reduce(candidates, (k * 2) + 1, features.Length);
            }
        }
    }

    /// <summary>
    /// The histogram kernel: for each row (in order) add its gradient and hessian to the bin of
    /// every selected feature (<paramref name="offsets"/> = feature × 512). With all features
    /// selected, four rows go through the feature loop together (more independent adds in flight);
    /// each bin still receives its rows in row order, so the sums are the same as one row at a time.
    /// </summary>
    private static unsafe void Accumulate(
        byte[] codes, int stride, int[] rows, float[] gradHess, int begin, int end, int[] offsets, double[] hist)
    {
        fixed (byte* binnedCodes = codes)
        fixed (int* row = rows, offset = offsets)
        fixed (float* ghp = gradHess)
        fixed (double* sums = hist)
        {
            var nf = offsets.Length;
            var i = begin;
            if (nf == stride)
            {
                for (; i + 4 <= end; i += 4)
                {
                    var c0 = binnedCodes + ((long)row[i] * stride);
                    var c1 = binnedCodes + ((long)row[i + 1] * stride);
                    var c2 = binnedCodes + ((long)row[i + 2] * stride);
                    var c3 = binnedCodes + ((long)row[i + 3] * stride);
                    var g0 = PairOf(ghp, row[i]);
                    var g1 = PairOf(ghp, row[i + 1]);
                    var g2 = PairOf(ghp, row[i + 2]);
                    var g3 = PairOf(ghp, row[i + 3]);
                    var s = sums;
                    for (var f = 0; f < nf; f++, s += BinStride)
                    {
                        var d0 = s + (c0[f] << 1);
                        Vector128.Store(Vector128.Load(d0) + g0, d0);
                        var d1 = s + (c1[f] << 1);
                        Vector128.Store(Vector128.Load(d1) + g1, d1);
                        var d2 = s + (c2[f] << 1);
                        Vector128.Store(Vector128.Load(d2) + g2, d2);
                        var d3 = s + (c3[f] << 1);
                        Vector128.Store(Vector128.Load(d3) + g3, d3);
                    }
                }
            }

            for (; i < end; i++)
            {
                var codesOfRow = binnedCodes + ((long)row[i] * stride);
                var gh = PairOf(ghp, row[i]);
                for (var k = 0; k < nf; k++)
                {
                    var d = sums + offset[k] + (codesOfRow[offset[k] / BinStride] << 1);
                    Vector128.Store(Vector128.Load(d) + gh, d);
                }
            }
        }
    }

    /// <summary>Gradient and hessian of row <paramref name="r"/> widened to one 16-byte pair (gradient, hessian).</summary>
    private static unsafe Vector128<double> PairOf(float* gh, int r) =>
        Sse2.IsSupported
            ? Sse2.ConvertToVector128Double(Vector128.CreateScalarUnsafe(*(double*)(gh + (2 * r))).AsSingle())
            : Vector128.Create(gh[2 * r], (double)gh[(2 * r) + 1]);
}
