namespace Toolkit.Monitoring.Statistics;

/// <summary>The log-gamma function and the regularized incomplete gamma functions.</summary>
internal static class Gamma
{
    // Lanczos approximation, g = 7, nine coefficients (relative error about 1e-15 for positive arguments).
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>ln Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        if (x <= 0 || double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0.5)
        {
            // Reflection keeps the approximation in its accurate range.
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        x -= 1;
        var a = Lanczos[0];
        var t = x + 7.5;
        for (var i = 1; i < Lanczos.Length; i++)
        {
            a += Lanczos[i] / (x + i);
        }

        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(a);
    }

    /// <summary>Q(a, x) = Γ(a, x)/Γ(a), the upper regularized incomplete gamma function (a &gt; 0, x ≥ 0).</summary>
    public static double UpperRegularized(double a, double x)
    {
        if (double.IsNaN(a) || double.IsNaN(x) || a <= 0 || x < 0)
        {
            return double.NaN;
        }

        if (x == 0)
        {
            return 1.0;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 0.0;
        }

        // The series converges fast below a + 1; the continued fraction above, where Q itself is small
        // and must not be computed as 1 − P (that would lose every digit of a tiny p-value).
        return x < a + 1 ? 1.0 - LowerSeries(a, x) : UpperContinuedFraction(a, x);
    }

    private static double Prefix(double a, double x) => Math.Exp((a * Math.Log(x)) - x - LogGamma(a));

    private static double LowerSeries(double a, double x)
    {
        var term = 1.0 / a;
        var sum = term;
        for (var k = 1; k < 10_000; k++)
        {
            term *= x / (a + k);
            sum += term;
            if (Math.Abs(term) < Math.Abs(sum) * 1e-17)
            {
                break;
            }
        }

        return Math.Min(1.0, sum * Prefix(a, x));
    }

    /// <summary>Legendre's continued fraction for Γ(a, x), evaluated by the modified Lentz method.</summary>
    private static double UpperContinuedFraction(double a, double x)
    {
        const double tiny = 1e-300;
        var b = x + 1 - a;
        var c = 1 / tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < 10_000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = (an * d) + b;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }

            c = b + (an / c);
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }

            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Prefix(a, x) * h;
    }
}
