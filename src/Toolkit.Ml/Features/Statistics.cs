namespace Toolkit.Ml.Features;

/// <summary>The training statistics behind imputation and scaling, computed in double.</summary>
internal static class Statistics
{
    /// <summary>The finite values, in row order, and how many rows were missing (NaN or infinite).</summary>
    public static double[] Present(NumericValues values, out int missing)
    {
        var count = 0;
        if (values.Floats is { } floats)
        {
            foreach (var v in floats)
            {
                count += float.IsFinite(v) ? 1 : 0;
            }

            var result = new double[count];
            var k = 0;
            foreach (var v in floats)
            {
                if (float.IsFinite(v))
                {
                    result[k++] = v;
                }
            }

            missing = floats.Length - count;
            return result;
        }
        else
        {
            var doubles = values.Doubles!;
            foreach (var v in doubles)
            {
                count += double.IsFinite(v) ? 1 : 0;
            }

            var result = new double[count];
            var k = 0;
            foreach (var v in doubles)
            {
                if (double.IsFinite(v))
                {
                    result[k++] = v;
                }
            }

            missing = doubles.Length - count;
            return result;
        }
    }

    public static double Sum(double[] values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>Median: the middle value, or the mean of the middle two. Reorders <paramref name="values"/>.</summary>
    public static double Median(double[] values)
    {
        var n = values.Length;
        var k = n / 2;
        var upper = Select(values, k);
        if (n % 2 == 1)
        {
            return upper;
        }

        // After selection every value left of k is <= values[k]; the lower middle is their maximum.
        var lower = values[0];
        for (var i = 1; i < k; i++)
        {
            lower = Math.Max(lower, values[i]);
        }

        return (lower + upper) / 2;
    }

    /// <summary>Most frequent value; ties go to the smallest. Sorts <paramref name="values"/>.</summary>
    public static double MostFrequent(double[] values)
    {
        Array.Sort(values);
        var best = values[0];
        var bestCount = 0;
        var i = 0;
        while (i < values.Length)
        {
            var j = i;
            while (j < values.Length && values[j] == values[i])
            {
                j++;
            }

            if (j - i > bestCount)
            {
                bestCount = j - i;
                best = values[i];
            }

            i = j;
        }

        return best;
    }

    /// <summary>
    /// The k-th smallest value (0-based) by quickselect with a median-of-three pivot: linear time on
    /// average, where a full sort of a million-row column would dominate the fit.
    /// </summary>
    private static double Select(double[] a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (hi > lo)
        {
            var mid = lo + ((hi - lo) / 2);
            if (a[mid] < a[lo])
            {
                (a[mid], a[lo]) = (a[lo], a[mid]);
            }

            if (a[hi] < a[lo])
            {
                (a[hi], a[lo]) = (a[lo], a[hi]);
            }

            if (a[hi] < a[mid])
            {
                (a[hi], a[mid]) = (a[mid], a[hi]);
            }

            var pivot = a[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }

                while (a[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return a[k];
            }
        }

        return a[k];
    }
}
