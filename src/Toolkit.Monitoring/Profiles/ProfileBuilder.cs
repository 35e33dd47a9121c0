using Toolkit.Ml.Data;
using Toolkit.Monitoring.Statistics;

namespace Toolkit.Monitoring.Profiles;

/// <summary>Makes <see cref="ReferenceProfile"/>s from tables and score columns.</summary>
internal static class ProfileBuilder
{
    /// <summary>A profile of every column of <paramref name="table"/> except those in <paramref name="exclude"/>.</summary>
    public static ReferenceProfile Build(DataTable table, ProfileOptions? options = null, IReadOnlyCollection<string>? exclude = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        options ??= new ProfileOptions();
        var features = new List<FeatureProfile>();
        foreach (var column in table.Columns)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (exclude is not null && exclude.Contains(column.Name))
            {
                continue;
            }

            features.Add(Build(column, options));
        }

        return new ReferenceProfile { Rows = table.RowCount, Features = features };
    }

    /// <summary>One column's profile.</summary>
    public static FeatureProfile Build(Column column, ProfileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(column);
        options ??= new ProfileOptions();
        return column switch
        {
            CategoricalColumn c => Categorical(c),
            Float32Column f => Numeric(column.Name, SortedSamples.From(f.Values), column.Length, options),
            Float64Column d => Numeric(column.Name, SortedSamples.From(d.Values), column.Length, options),
            _ => throw new ArgumentException($"Column '{column.Name}' has an unsupported type.", nameof(column)),
        };
    }

    /// <summary>A profile of model scores (or any numeric values; NaN counts as missing).</summary>
    public static FeatureProfile Scores(string name, ReadOnlySpan<double> scores, ProfileOptions? options = null) =>
        Numeric(name, SortedSamples.From(scores), scores.Length, options ?? new ProfileOptions());

    /// <summary>A numeric profile from the ascending non-missing values and the row count.</summary>
    public static FeatureProfile Numeric(string name, double[] sorted, long rows, ProfileOptions options)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SampleSize < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The profile sample needs at least 2 values.");
        }

        var nullFraction = rows == 0 ? 0.0 : (double)(rows - sorted.Length) / rows;
        if (sorted.Length == 0)
        {
            return new FeatureProfile { Name = name, Kind = FeatureKind.Numeric, Count = 0, NullFraction = nullFraction };
        }

        var (mean, std) = Moments(sorted);
        var edges = Quantiles.DecileEdges(sorted);
        return new FeatureProfile
        {
            Name = name,
            Kind = FeatureKind.Numeric,
            Count = sorted.Length,
            NullFraction = nullFraction,
            Numeric = new NumericProfile
            {
                Min = sorted[0],
                Max = sorted[^1],
                Mean = mean,
                Std = std,
                Edges = edges,
                BinCounts = Quantiles.BinCounts(sorted, edges),
                Sample = Sample(sorted, options.SampleSize),
            },
        };
    }

    /// <summary>Mean and population standard deviation, two-pass for accuracy.</summary>
    public static (double Mean, double Std) Moments(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return (double.NaN, double.NaN);
        }

        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        var mean = sum / values.Length;
        var squares = 0.0;
        foreach (var v in values)
        {
            var d = v - mean;
            squares += d * d;
        }

        return (mean, Math.Sqrt(squares / values.Length));
    }

    /// <summary>
    /// Evenly spaced order statistics: all values when there are at most <paramref name="size"/>, otherwise
    /// the values at ranks ⌊i·(n−1)/(size−1)⌋ for i = 0..size−1 (minimum and maximum included). No randomness,
    /// so a profile never depends on a seed.
    /// </summary>
    public static ProfileSample Sample(ReadOnlySpan<double> sorted, int size)
    {
        var values = new List<double>();
        var counts = new List<int>();
        var n = sorted.Length;
        var k = Math.Min(n, size);
        for (var i = 0; i < k; i++)
        {
            var rank = k == n ? i : (int)((long)i * (n - 1) / (k - 1));
            var v = sorted[rank];
            if (values.Count > 0 && values[^1].Equals(v))
            {
                counts[^1]++;
            }
            else
            {
                values.Add(v);
                counts.Add(1);
            }
        }

        return new ProfileSample { Values = values, Counts = counts };
    }

    private static FeatureProfile Categorical(CategoricalColumn column)
    {
        var counts = new long[column.Categories.Count];
        long missing = 0;
        foreach (var code in column.Codes)
        {
            if (code < 0)
            {
                missing++;
            }
            else
            {
                counts[code]++;
            }
        }

        var categories = column.Categories
            .Select((c, i) => new CategoryCount { Value = c, Count = counts[i] })
            .Where(c => c.Count > 0)
            .OrderBy(c => c.Value, StringComparer.Ordinal)
            .ToList();
        return new FeatureProfile
        {
            Name = column.Name,
            Kind = FeatureKind.Categorical,
            Count = column.Length - missing,
            NullFraction = column.Length == 0 ? 0.0 : (double)missing / column.Length,
            Categories = categories,
        };
    }
}
