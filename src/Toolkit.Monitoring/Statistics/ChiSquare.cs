namespace Toolkit.Monitoring.Statistics;

/// <summary>A chi-square test result: statistic, p-value and degrees of freedom.</summary>
internal readonly record struct ChiSquareResult(double Statistic, double PValue, int DegreesOfFreedom);

/// <summary>
/// Pearson's chi-square test of homogeneity on the 2×K table of reference and current category counts,
/// as <c>scipy.stats.chi2_contingency(table)</c> with its defaults: expected counts from the margins, Yates'
/// continuity correction when there is one degree of freedom (K = 2), p-value Q(dof/2, χ²/2).
/// </summary>
internal static class ChiSquare
{
    public static ChiSquareResult Homogeneity(ReadOnlySpan<long> referenceCounts, ReadOnlySpan<long> currentCounts)
    {
        if (referenceCounts.Length != currentCounts.Length)
        {
            throw new ArgumentException("Reference and current need the same categories.", nameof(currentCounts));
        }

        // Categories absent from both rows carry no information (scipy would refuse a zero expected count).
        var columns = new List<(double Reference, double Current)>();
        double referenceTotal = 0, currentTotal = 0;
        for (var i = 0; i < referenceCounts.Length; i++)
        {
            if (referenceCounts[i] + currentCounts[i] > 0)
            {
                columns.Add((referenceCounts[i], currentCounts[i]));
                referenceTotal += referenceCounts[i];
                currentTotal += currentCounts[i];
            }
        }

        if (referenceTotal == 0 || currentTotal == 0)
        {
            return new ChiSquareResult(double.NaN, double.NaN, 0);
        }

        var dof = columns.Count - 1;
        if (dof == 0)
        {
            return new ChiSquareResult(0.0, 1.0, 0);
        }

        var total = referenceTotal + currentTotal;
        var statistic = 0.0;
        foreach (var (r, c) in columns)
        {
            var columnTotal = r + c;
            statistic += Term(r, referenceTotal * columnTotal / total, dof);
            statistic += Term(c, currentTotal * columnTotal / total, dof);
        }

        return new ChiSquareResult(statistic, Gamma.UpperRegularized(dof / 2.0, statistic / 2.0), dof);
    }

    private static double Term(double observed, double expected, int dof)
    {
        if (dof == 1)
        {
            // Yates: move each observed count up to half a unit towards its expected count.
            var diff = expected - observed;
            observed += Math.Sign(diff) * Math.Min(0.5, Math.Abs(diff));
        }

        var d = observed - expected;
        return d * d / expected;
    }
}
