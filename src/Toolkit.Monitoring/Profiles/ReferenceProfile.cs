using System.Text.Json.Serialization;

namespace Toolkit.Monitoring.Profiles;

/// <summary>Whether a feature is compared as numbers or as categories.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureKind>))]
internal enum FeatureKind
{
    [JsonStringEnumMemberName("numeric")]
    Numeric,

    [JsonStringEnumMemberName("categorical")]
    Categorical,
}

/// <summary>
/// A compact, deterministic summary of a data set that drift is measured against: per feature its
/// distribution, never the data itself. The same table always gives the same profile (and JSON).
/// </summary>
internal sealed record ReferenceProfile
{
    public const string CurrentFormat = "toolkit-profile/v1";

    [JsonPropertyName("format")]
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Rows of the profiled table.</summary>
    [JsonPropertyName("rows")]
    public required long Rows { get; init; }

    /// <summary>One entry per profiled column, in table order.</summary>
    [JsonPropertyName("features")]
    public required IReadOnlyList<FeatureProfile> Features { get; init; }

    /// <summary>The model's scores on the reference rows, when profiled (for prediction drift).</summary>
    [JsonPropertyName("predictions")]
    public FeatureProfile? Predictions { get; init; }

    /// <summary>
    /// Which rows the profile was made from, in words (<c>training rows (run R)</c>, <c>held-out data (--data)</c>);
    /// null for a bare table's profile and for versions registered before it was recorded (all from a run).
    /// </summary>
    [JsonPropertyName("source")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }

    public FeatureProfile? Find(string name) => Features.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));
}

/// <summary>One column's profile; <see cref="Numeric"/> or <see cref="Categories"/> is set by <see cref="Kind"/>.</summary>
internal sealed record FeatureProfile
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("type")]
    public required FeatureKind Kind { get; init; }

    /// <summary>Non-missing values.</summary>
    [JsonPropertyName("count")]
    public required long Count { get; init; }

    /// <summary>Missing values over all rows (0 when the table is empty).</summary>
    [JsonPropertyName("null_fraction")]
    public required double NullFraction { get; init; }

    [JsonPropertyName("numeric")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NumericProfile? Numeric { get; init; }

    /// <summary>Category counts, ordered by category (ordinal).</summary>
    [JsonPropertyName("categories")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<CategoryCount>? Categories { get; init; }
}

/// <summary>The numeric part of a feature profile.</summary>
internal sealed record NumericProfile
{
    [JsonPropertyName("min")]
    public required double Min { get; init; }

    [JsonPropertyName("max")]
    public required double Max { get; init; }

    [JsonPropertyName("mean")]
    public required double Mean { get; init; }

    /// <summary>Population standard deviation (ddof 0, numpy's default).</summary>
    [JsonPropertyName("std")]
    public required double Std { get; init; }

    /// <summary>The nine inner decile edges (numpy's linear quantiles at 0.1 .. 0.9).</summary>
    [JsonPropertyName("edges")]
    public required IReadOnlyList<double> Edges { get; init; }

    /// <summary>Counts in the ten bins the edges make (open-ended outer bins; an edge value goes to the bin above).</summary>
    [JsonPropertyName("bin_counts")]
    public required IReadOnlyList<long> BinCounts { get; init; }

    /// <summary>The sample KS and Wasserstein use: evenly spaced order statistics, run-length encoded.</summary>
    [JsonPropertyName("sample")]
    public required ProfileSample Sample { get; init; }
}

/// <summary>
/// A sorted sample as distinct values and how often each occurs (compact for discrete features):
/// <c>values[i]</c> appears <c>counts[i]</c> times.
/// </summary>
internal sealed record ProfileSample
{
    [JsonPropertyName("values")]
    public required IReadOnlyList<double> Values { get; init; }

    [JsonPropertyName("counts")]
    public required IReadOnlyList<int> Counts { get; init; }

    [JsonIgnore]
    public int Size => Counts.Sum();

    /// <summary>The sample as an ascending array.</summary>
    public double[] Expand()
    {
        var result = new double[Size];
        var at = 0;
        for (var i = 0; i < Values.Count; i++)
        {
            result.AsSpan(at, Counts[i]).Fill(Values[i]);
            at += Counts[i];
        }

        return result;
    }
}

/// <summary>One category and its count.</summary>
internal sealed record CategoryCount
{
    [JsonPropertyName("value")]
    public required string Value { get; init; }

    [JsonPropertyName("count")]
    public required long Count { get; init; }
}

/// <summary>How profiles are made.</summary>
internal sealed record ProfileOptions
{
    /// <summary>The default sample size: a table with at most this many values per column keeps them all.</summary>
    public const int DefaultSampleSize = 5_000;

    public int SampleSize { get; init; } = DefaultSampleSize;
}
