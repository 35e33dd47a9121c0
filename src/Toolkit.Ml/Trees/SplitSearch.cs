using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Toolkit.Ml.Trees;

/// <summary>The best split found for a node: its gain, where it cuts, and the gradient and hessian sums of its left side.</summary>
internal readonly record struct SplitInfo(double Gain, int Feature, int Bin, bool MissingLeft, double LeftG, double LeftH)
{
    public static SplitInfo None => new(SplitSearch.MinGain, -1, 0, false, 0, 0);
}

/// <summary>
/// The best threshold of one feature's histogram under the second-order gain
/// GL²/(HL+λ) + GR²/(HR+λ) - G²/(H+λ), with missing values tried on both sides.
/// </summary>
internal sealed class SplitSearch(double lambda, double minChildWeight)
{
    /// <summary>A split must gain more than this; also the gain of <see cref="SplitInfo.None"/>.</summary>
    public const double MinGain = 1e-6;

    private readonly double _lambda = lambda;
    private readonly double _minChildWeight = minChildWeight;

    /// <summary>The best candidate of row <paramref name="row"/> (one per feature), the first on ties.</summary>
    public static SplitInfo Reduce(SplitInfo[,] candidates, int row, int count)
    {
        var best = SplitInfo.None;
        for (var i = 0; i < count; i++)
        {
            if (candidates[row, i].Gain > best.Gain)
            {
                best = candidates[row, i];
            }
        }

        return best;
    }

    /// <summary>
    /// The best split of <paramref name="feature"/> for a node with gradient and hessian sums
    /// <paramref name="totalG"/>, <paramref name="totalH"/>; <paramref name="hist"/> holds
    /// (gradient, hessian) per bin, the missing bin first.
    /// </summary>
    [SkipLocalsInit] // The scratch spans below are written before they are read.
    public SplitInfo Best(double totalG, double totalH, int feature, ReadOnlySpan<double> hist)
    {
        var lambda = _lambda;
        var minChild = _minChildWeight;
        var parentScore = totalG * totalG / (totalH + lambda);
        double missG = hist[0], missH = hist[1];
        var hasMissing = missH > 0;
        var bins = hist.Length / 2;

        // Left sums for every threshold t (codes 1..t go left), then the gains of all thresholds
        // (missing values to the right) four at a time; the divisions dominate otherwise.
        Span<double> gls = stackalloc double[256];
        Span<double> hls = stackalloc double[256];
        Span<double> gains = stackalloc double[256];
        Span<double> hs = stackalloc double[256];
        double gl = 0, hl = 0;
        for (var t = 1; t < bins; t++)
        {
            var h = hist[(2 * t) + 1];
            gl += hist[2 * t];
            hl += h;
            gls[t] = gl;
            hls[t] = hl;
            hs[t] = h;
        }

        if (!hasMissing && Vector256.IsHardwareAccelerated)
        {
            var (at, gain) = BestThreshold(gls[..bins], hls[..bins], hs[..bins], totalG, totalH, lambda, minChild, parentScore);
            if (at < 0)
            {
                return SplitInfo.None;
            }

            // No missing values seen here: send future ones to the heavier side.
            return new SplitInfo(gain, feature, at, hls[at] > totalH - hls[at], gls[at], hls[at]);
        }

        Gains(gls[..bins], hls[..bins], gains[..bins], totalG, totalH, lambda, minChild, parentScore);

        var best = SplitInfo.None;
        for (var t = 1; t < bins; t++)
        {
            if (hist[(2 * t) + 1] == 0 && t + 1 < bins)
            {
                // An empty bin gives the same partition as the previous threshold.
                continue;
            }

            if (gains[t] > best.Gain)
            {
                best = new SplitInfo(gains[t], feature, t, false, gls[t], hls[t]);
            }

            if (hasMissing)
            {
                var glm = gls[t] + missG;
                var hlm = hls[t] + missH;
                var hrm = totalH - hlm;
                if (hlm >= minChild && hrm >= minChild)
                {
                    var grm = totalG - glm;
                    var gain = (glm * glm / (hlm + lambda)) + (grm * grm / (hrm + lambda)) - parentScore;
                    if (gain > best.Gain)
                    {
                        best = new SplitInfo(gain, feature, t, true, glm, hlm);
                    }
                }
            }
        }

        // No missing values seen here: send future ones to the heavier side.
        if (!hasMissing && best.Feature >= 0 && best.LeftH > totalH - best.LeftH)
        {
            best = best with { MissingLeft = true };
        }

        return best;
    }

    /// <summary>
    /// The first threshold with the largest gain above <see cref="MinGain"/> (-1 if none), skipping
    /// thresholds after an empty bin (they repeat the previous partition) except the last one: the
    /// same choice as scanning <see cref="Gains"/> in order, four thresholds at a time. Each lane
    /// keeps its first strict maximum; ties between lanes go to the smaller threshold.
    /// </summary>
    internal static (int At, double Gain) BestThreshold(
        ReadOnlySpan<double> gls, ReadOnlySpan<double> hls, ReadOnlySpan<double> hs,
        double totalG, double totalH, double lambda, double minChild, double parentScore)
    {
        var bins = gls.Length;
        var g = Vector256.Create(totalG);
        var h = Vector256.Create(totalH);
        var l2 = Vector256.Create(lambda);
        var min = Vector256.Create(minChild);
        var parent = Vector256.Create(parentScore);
        var zero = Vector256<double>.Zero;
        var bestGain = Vector256.Create(MinGain);
        var bestAt = Vector256.Create(-1L);
        var at = Vector256.Create(1L, 2L, 3L, 4L);
        var four = Vector256.Create(4L);
        var t = 1;
        for (; t + 4 < bins; t += 4)
        {
            // t + 4 < bins: the last threshold (bins - 1) is never in this loop, so empty bins are always skipped here.
            var gl = Vector256.Create(gls.Slice(t, 4));
            var hl = Vector256.Create(hls.Slice(t, 4));
            var gr = g - gl;
            var hr = h - hl;
            var gain = (gl * gl / (hl + l2)) + (gr * gr / (hr + l2)) - parent;
            var ok = Vector256.GreaterThanOrEqual(hl, min) & Vector256.GreaterThanOrEqual(hr, min)
                & ~Vector256.Equals(Vector256.Create(hs.Slice(t, 4)), zero);
            var better = ok & Vector256.GreaterThan(gain, bestGain);
            bestGain = Vector256.ConditionalSelect(better, gain, bestGain);
            bestAt = Vector256.ConditionalSelect(better.AsInt64(), at, bestAt);
            at += four;
        }

        var best = MinGain;
        var bestT = -1;
        for (var lane = 0; lane < 4; lane++)
        {
            var lg = bestGain.GetElement(lane);
            var lt = (int)bestAt.GetElement(lane);
            if (lt >= 0 && (lg > best || (lg == best && bestT >= 0 && lt < bestT)))
            {
                best = lg;
                bestT = lt;
            }
        }

        for (; t < bins; t++)
        {
            if (hs[t] == 0 && t + 1 < bins)
            {
                continue;
            }

            double gl = gls[t], hl = hls[t];
            double gr = totalG - gl, hr = totalH - hl;
            if (hl >= minChild && hr >= minChild)
            {
                var gain = (gl * gl / (hl + lambda)) + (gr * gr / (hr + lambda)) - parentScore;
                if (gain > best)
                {
                    best = gain;
                    bestT = t;
                }
            }
        }

        return (bestT, best);
    }

    /// <summary>
    /// gain[t] = GL²/(HL+λ) + GR²/(HR+λ) - parent, or -∞ where a child is lighter than the minimum.
    /// Vector and scalar lanes use the same operations in the same order, so the values are identical.
    /// </summary>
    private static void Gains(
        ReadOnlySpan<double> gls, ReadOnlySpan<double> hls, Span<double> gains,
        double totalG, double totalH, double lambda, double minChild, double parentScore)
    {
        var t = 1;
        if (Vector256.IsHardwareAccelerated)
        {
            var g = Vector256.Create(totalG);
            var h = Vector256.Create(totalH);
            var l2 = Vector256.Create(lambda);
            var min = Vector256.Create(minChild);
            var parent = Vector256.Create(parentScore);
            var none = Vector256.Create(double.NegativeInfinity);
            for (; t + 4 <= gls.Length; t += 4)
            {
                var gl = Vector256.Create(gls.Slice(t, 4));
                var hl = Vector256.Create(hls.Slice(t, 4));
                var gr = g - gl;
                var hr = h - hl;
                var gain = (gl * gl / (hl + l2)) + (gr * gr / (hr + l2)) - parent;
                var ok = Vector256.GreaterThanOrEqual(hl, min) & Vector256.GreaterThanOrEqual(hr, min);
                Vector256.ConditionalSelect(ok, gain, none).CopyTo(gains.Slice(t, 4));
            }
        }

        for (; t < gls.Length; t++)
        {
            double gl = gls[t], hl = hls[t];
            double gr = totalG - gl, hr = totalH - hl;
            gains[t] = hl >= minChild && hr >= minChild
                ? (gl * gl / (hl + lambda)) + (gr * gr / (hr + lambda)) - parentScore
                : double.NegativeInfinity;
        }
    }
}
