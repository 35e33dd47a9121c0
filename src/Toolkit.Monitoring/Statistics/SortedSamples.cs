namespace Toolkit.Monitoring.Statistics;

/// <summary>Sorting helpers: the statistics work on ascending arrays without missing values.</summary>
internal static class SortedSamples
{
    /// <summary>The non-NaN values of <paramref name="values"/>, ascending (a new array).</summary>
    public static double[] From(ReadOnlySpan<double> values)
    {
        var result = new double[values.Length];
        var n = 0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                result[n++] = v;
            }
        }

        Array.Resize(ref result, n);
        Array.Sort(result);
        return result;
    }

    /// <inheritdoc cref="From(ReadOnlySpan{double})"/>
    public static double[] From(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        var n = 0;
        foreach (var v in values)
        {
            if (!float.IsNaN(v))
            {
                result[n++] = v;
            }
        }

        Array.Resize(ref result, n);
        Array.Sort(result);
        return result;
    }
}
