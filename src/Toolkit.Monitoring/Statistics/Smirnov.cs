namespace Toolkit.Monitoring.Statistics;

/// <summary>
/// The exact one-sided Kolmogorov–Smirnov survival function P(D_n⁺ ≥ x) (scipy's <c>special.smirnov</c>),
/// by the Smirnov/Birnbaum–Tingey sum x·Σ_{v=0}^{⌊n(1−x)⌋} C(n,v)(x + v/n)^{v−1}(1 − x − v/n)^{n−v}.
/// Every term is positive, so the sum has no cancellation; terms are evaluated in logarithms (the binomial
/// by running log-ratios) so nothing overflows for large n.
/// </summary>
internal static class Smirnov
{
    private const double MinLog = -708.3964185322641;

    public static double Sf(int n, double x)
    {
        if (!(n > 0 && x >= 0.0 && x <= 1.0))
        {
            return double.NaN;
        }

        if (n == 1)
        {
            return 1 - x;
        }

        if (x == 0.0)
        {
            return 1.0;
        }

        if (x == 1.0)
        {
            return 0.0;
        }

        // floor(n·x) and its remainder without rounding error: the product's error term from a fused multiply-add.
        var nx = n * x;
        var error = Math.FusedMultiplyAdd(n, x, -nx);
        var floor = Math.Floor(nx);
        var alpha = nx - floor + error;
        if (alpha < 0)
        {
            floor -= 1;
            alpha += 1;
        }
        else if (alpha >= 1)
        {
            floor += 1;
            alpha -= 1;
        }

        var nxFloor = (long)floor;
        if (nxFloor == 0 || (nxFloor == 1 && alpha == 0))
        {
            // x ≤ 1/n: the sum has a closed form.
            return 1 - (x * Math.Pow(1 + x, n - 1));
        }

        if (-2 * n * x * x < MinLog)
        {
            return 0.0;
        }

        if (nxFloor >= n - 1)
        {
            return Math.Pow(1 - x, n);
        }

        if (n > 1_000_000)
        {
            // scipy's approximation for very large n: p ≈ exp(−(6nx + 1)² / 18n).
            var logp = -Math.Pow((6.0 * n * x) + 1, 2) / 18.0 / n;
            return Math.Exp(logp);
        }

        // The last term, v = n − ⌊nx⌋, has (1 − x − v/n) ≤ 0 at most and adds nothing.
        var last = n - nxFloor - 1;

        // Terms rise then fall; stop once they are far below what has been summed.
        var sum = 0.0;
        var logBinomial = 0.0;
        var peak = double.NegativeInfinity;
        for (long v = 0; v <= last; v++)
        {
            var upper = x + ((double)v / n);
            var lower = Math.FusedMultiplyAdd(-n, x, n - v) / n;
            if (lower > 0)
            {
                var log = logBinomial + ((v - 1) * Math.Log(upper)) + ((n - v) * Math.Log(lower));
                if (log > MinLog - 40)
                {
                    sum += Math.Exp(log);
                }

                if (log > peak)
                {
                    peak = log;
                }
                else if (log < peak - 60 && sum > 0)
                {
                    break;
                }
            }

            logBinomial += Math.Log((double)(n - v) / (v + 1));
        }

        return Math.Clamp(x * sum, 0.0, 1.0);
    }
}
