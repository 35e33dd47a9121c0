namespace Toolkit.Monitoring.Statistics;

/// <summary>
/// Population stability index: PSI = Σ (cur − ref) · ln(cur / ref) over bins, where each proportion below
/// <see cref="MinProportion"/> is raised to it (an empty bin would otherwise make the sum infinite).
/// </summary>
internal static class PopulationStability
{
    public const double MinProportion = 1e-4;

    public static double Index(ReadOnlySpan<long> referenceCounts, ReadOnlySpan<long> currentCounts)
    {
        if (referenceCounts.Length != currentCounts.Length)
        {
            throw new ArgumentException("Reference and current need the same bins.", nameof(currentCounts));
        }

        long referenceTotal = 0, currentTotal = 0;
        for (var i = 0; i < referenceCounts.Length; i++)
        {
            referenceTotal += referenceCounts[i];
            currentTotal += currentCounts[i];
        }

        if (referenceTotal == 0 || currentTotal == 0)
        {
            return double.NaN;
        }

        var psi = 0.0;
        for (var i = 0; i < referenceCounts.Length; i++)
        {
            var r = Math.Max((double)referenceCounts[i] / referenceTotal, MinProportion);
            var c = Math.Max((double)currentCounts[i] / currentTotal, MinProportion);
            psi += (c - r) * Math.Log(c / r);
        }

        return psi;
    }
}
