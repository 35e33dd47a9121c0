namespace Toolkit.Ml.Data.Csv;

/// <summary>How <see cref="CsvReader"/> interprets a file.</summary>
public sealed record CsvReadOptions
{
    /// <summary>The label column; when set it must exist in the header.</summary>
    public string? Label { get; init; }

    /// <summary>Types that override inference, by column name. Numeric overrides make a text value an error.</summary>
    public IReadOnlyDictionary<string, ColumnType>? ColumnTypes { get; init; }

    /// <summary>The type of numeric columns whose type is inferred: Float32 (the default, half the memory) or Float64.</summary>
    public ColumnType NumericType { get; init; } = ColumnType.Float32;

    public char Delimiter { get; init; } = ',';

    /// <summary>
    /// Unquoted fields equal to one of these are missing. A quoted field is always a value, except an empty
    /// quoted field (<c>""</c>), which is missing when the empty string is a token (writers that quote
    /// everything write missing values that way).
    /// </summary>
    public IReadOnlyList<string> MissingTokens { get; init; } = ["", "NA", "NaN"];

    /// <summary>
    /// The allowed label values; any other non-missing label is an error. For a categorical label they also
    /// fix the category order (codes), so class indexes do not depend on which value the file shows first.
    /// </summary>
    public IReadOnlyList<string>? LabelValues { get; init; }
}
