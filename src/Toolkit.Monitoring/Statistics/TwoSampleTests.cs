namespace Toolkit.Monitoring.Statistics;

/// <summary>How a two-sample KS p-value was computed.</summary>
internal enum KsMethod
{
    Exact,
    Asymptotic,
}

/// <summary>A two-sided two-sample Kolmogorov–Smirnov result.</summary>
internal readonly record struct KsResult(double Statistic, double PValue, KsMethod Method);

/// <summary>
/// Two-sample statistics on ascending samples without NaN, computed in one merge pass: the
/// Kolmogorov–Smirnov test as <c>scipy.stats.ks_2samp(a, b)</c> (two-sided, method 'auto') and the
/// Wasserstein-1 distance as <c>scipy.stats.wasserstein_distance(a, b)</c>.
/// </summary>
internal static class TwoSampleTests
{
    /// <summary>scipy's 'auto' rule: exact when both samples have at most this many values.</summary>
    public const int MaxExactSize = 10_000;

    /// <summary>KS statistic and p-value, as scipy's <c>ks_2samp</c>.</summary>
    public static KsResult KolmogorovSmirnov(ReadOnlySpan<double> sorted1, ReadOnlySpan<double> sorted2)
    {
        var (d, _) = Merge(sorted1, sorted2, wasserstein: false);
        return KsPValue(d, sorted1.Length, sorted2.Length);
    }

    /// <summary>Both statistics in one pass.</summary>
    public static (KsResult Ks, double Wasserstein) Compare(ReadOnlySpan<double> sorted1, ReadOnlySpan<double> sorted2)
    {
        var (d, w) = Merge(sorted1, sorted2, wasserstein: true);
        return (KsPValue(d, sorted1.Length, sorted2.Length), w);
    }

    /// <summary>Wasserstein-1 distance between the two empirical distributions.</summary>
    public static double Wasserstein(ReadOnlySpan<double> sorted1, ReadOnlySpan<double> sorted2) =>
        Merge(sorted1, sorted2, wasserstein: true).Wasserstein;

    /// <summary>
    /// Walks the distinct values of both samples in order. At each value the empirical CDFs are
    /// count/n exactly as scipy computes them (count of values at or below, divided in double), so the
    /// statistic is the same double; the Wasserstein sum adds |F1 − F2| times the gap to the next value.
    /// </summary>
    private static (double D, double Wasserstein) Merge(ReadOnlySpan<double> a, ReadOnlySpan<double> b, bool wasserstein)
    {
        var n1 = a.Length;
        var n2 = b.Length;
        if (n1 == 0 || n2 == 0)
        {
            throw new ArgumentException("Both samples need at least one value.");
        }

        double d = 0, w = 0;
        int i = 0, j = 0;
        var previous = 0.0;
        var previousDiff = 0.0;
        var first = true;
        while (i < n1 || j < n2)
        {
            var v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
            while (i < n1 && a[i] <= v)
            {
                i++;
            }

            while (j < n2 && b[j] <= v)
            {
                j++;
            }

            var diff = Math.Abs(((double)i / n1) - ((double)j / n2));
            if (diff > d)
            {
                d = diff;
            }

            if (wasserstein)
            {
                if (!first)
                {
                    w += previousDiff * (v - previous);
                }

                previous = v;
                previousDiff = diff;
                first = false;
            }
        }

        return (d, w);
    }

    /// <summary>The p-value of statistic <paramref name="d"/> for sample sizes n1, n2 (scipy's 'auto' method).</summary>
    public static KsResult KsPValue(double d, int n1, int n2)
    {
        if (Math.Max(n1, n2) <= MaxExactSize)
        {
            var g = Gcd(n1, n2);
            var lcm = (long)(n1 / g) * n2;
            var h = (long)Math.Round(d * lcm, MidpointRounding.ToEven);
            d = h * 1.0 / lcm;
            if (h == 0)
            {
                return new KsResult(d, 1.0, KsMethod.Exact);
            }

            var p = n1 == n2 ? ProbOutsideSquare(n1, (int)h) : ProbOutsideInside(n1, n2, g, h);
            if (p >= 0 && p <= 1)
            {
                return new KsResult(d, p, KsMethod.Exact);
            }

            // Like scipy: an exact computation that fails numerically falls back to the asymptotic one.
        }

        double m = Math.Max(n1, n2), n = Math.Min(n1, n2);
        var en = m * n / (m + n);
        var prob = KolmogorovDistribution.Sf(Math.Round(en, MidpointRounding.ToEven), d);
        return new KsResult(d, Math.Clamp(prob, 0, 1), KsMethod.Asymptotic);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    /// <summary>
    /// P(D_{n,n} ≥ h/n) for equal sizes: 2·Σ ±binom(2n, n − kh)/binom(2n, n), evaluated with each ratio
    /// as a product of h factors and nested Horner-like to avoid cancellation.
    /// </summary>
    internal static double ProbOutsideSquare(int n, int h)
    {
        var p = 0.0;
        var k = (long)Math.Floor((double)n / h);
        while (k >= 0)
        {
            var p1 = 1.0;
            for (long j = 0; j < h; j++)
            {
                p1 = (n - (k * h) - j) * p1 / (n + (k * h) + j + 1);
            }

            p = p1 * (1.0 - p);
            k--;
        }

        return 2 * p;
    }

    /// <summary>
    /// 1 − P(paths stay strictly inside |x/m − y/n| &lt; h/lcm) for unequal sizes: a column-by-column lattice
    /// recursion that carries the complement directly (Viehmann 2021), over a sliding window of the column.
    /// </summary>
    internal static double ProbOutsideInside(int m0, int n0, int g, long h)
    {
        long m = Math.Max(m0, n0), n = Math.Min(m0, n0);
        long mg = m / g, ng = n / g;
        long minj = 0;
        var maxj = Math.Min((long)Math.Ceiling((double)h / mg), n + 1);
        var curlen = maxj - minj;
        var lenA = Math.Min((2 * maxj) + 2, n + 1);
        var a = new double[lenA];
        Array.Fill(a, 1.0);
        a.AsSpan((int)minj, (int)(maxj - minj)).Clear();
        for (long i = 1; i <= m; i++)
        {
            var lastminj = minj;
            var lastlen = curlen;
            minj = Math.Max((long)Math.Floor((double)((ng * i) - h) / mg) + 1, 0);
            minj = Math.Min(minj, n);
            maxj = Math.Min((long)Math.Ceiling((double)((ng * i) + h) / mg), n + 1);
            if (maxj <= minj)
            {
                return 1.0;
            }

            var val = minj == 0 ? 0.0 : 1.0;
            for (long jj = 0; jj < maxj - minj; jj++)
            {
                var j = jj + minj;
                val = ((a[jj + minj - lastminj] * i) + (val * j)) / (i + j);
                a[jj] = val;
            }

            curlen = maxj - minj;
            if (lastlen > curlen)
            {
                // Carried-over entries beyond the new window count as outside; clipped to the array like a slice.
                var from = (int)(maxj - minj);
                a.AsSpan(from, (int)Math.Min(lastlen - curlen, lenA - from)).Fill(1.0);
            }
        }

        return a[maxj - minj - 1];
    }
}
