namespace Toolkit.Ml.Features;

/// <summary>The training statistics behind imputation and scaling, computed in double.</summary>
internal static class Statistics
{
    /// <summary>The finite values, in row order, and how many rows were missing (NaN or infinite).</summary>
    public static double[] Present(NumericValues values, out int missing)
    {
        var present = new List<double>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (!double.IsNaN(v))
            {
                present.Add(v);
            }
        }

        missing = values.Length - present.Count;
        return [.. present];
    }

    public static double Mean(double[] values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }

    /// <summary>Median of sorted values: the middle one, or the mean of the middle two.</summary>
    public static double Median(double[] sorted)
    {
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Most frequent of sorted values; ties go to the smallest value.</summary>
    public static double MostFrequent(double[] sorted)
    {
        var best = sorted[0];
        var bestCount = 0;
        var i = 0;
        while (i < sorted.Length)
        {
            var j = i;
            while (j < sorted.Length && sorted[j].Equals(sorted[i]))
            {
                j++;
            }

            if (j - i > bestCount)
            {
                bestCount = j - i;
                best = sorted[i];
            }

            i = j;
        }

        return best;
    }
}
