using System.Globalization;
using System.Text;

namespace Toolkit.Ml.Data.Csv;

/// <summary>How one column is parsed in a pass.</summary>
internal enum ColumnKind : byte
{
    Float32,
    Float64,
    Text,
}

/// <summary>Everything about a file that is fixed once the header is read: names, tokens, label rules.</summary>
internal sealed class CsvLayout
{
    private readonly byte[][] _missingTokens;
    private readonly ulong _tokenLengths;
    private readonly byte[][] _labelValues;
    private readonly HashSet<double> _labelNumbers;

    public CsvLayout(string source, string[] names, CsvReadOptions options)
    {
        Source = source;
        Names = names;
        Delimiter = (byte)options.Delimiter;
        EmptyIsMissing = options.MissingTokens.Contains(string.Empty);
        _missingTokens = [.. options.MissingTokens.Where(t => t.Length > 0).Select(Encoding.UTF8.GetBytes)];
        foreach (var t in _missingTokens)
        {
            _tokenLengths |= 1UL << Math.Min(t.Length, 63);
            HasNumericTokens |= CsvNumber.TryParseDouble(t, out var d) && !double.IsNaN(d);
        }

        LabelIndex = options.Label is null ? -1 : Array.IndexOf(names, options.Label);
        LabelValues = options.LabelValues;
        _labelValues = [.. (options.LabelValues ?? []).Select(Encoding.UTF8.GetBytes)];
        _labelNumbers = [];
        foreach (var v in options.LabelValues ?? [])
        {
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                _labelNumbers.Add(d);
            }
        }

        Strict = new bool[names.Length];
        InitialPlan = new ColumnKind[names.Length];
        if (options.NumericType == ColumnType.Float64)
        {
            Array.Fill(InitialPlan, ColumnKind.Float64);
        }
        foreach (var (name, type) in options.ColumnTypes ?? new Dictionary<string, ColumnType>())
        {
            var i = Array.IndexOf(names, name);
            if (i < 0)
            {
                throw new DataFormatException(
                    source, null, name, null,
                    $"a column type is given for column '{name}', which does not exist; columns are: {ColumnNames.List(names)}");
            }

            InitialPlan[i] = type switch
            {
                ColumnType.Float32 => ColumnKind.Float32,
                ColumnType.Float64 => ColumnKind.Float64,
                _ => ColumnKind.Text,
            };
            Strict[i] = type != ColumnType.Categorical;
        }
    }

    public string Source { get; }

    public string[] Names { get; }

    public int ColumnCount => Names.Length;

    public byte Delimiter { get; }

    public bool EmptyIsMissing { get; }

    /// <summary>Whether a missing token parses as a number other than NaN, so numbers must be checked against the tokens.</summary>
    public bool HasNumericTokens { get; }

    /// <summary>Columns whose numeric type was given: a text value there is an error, not a type change.</summary>
    public bool[] Strict { get; }

    public ColumnKind[] InitialPlan { get; }

    public int LabelIndex { get; }

    public IReadOnlyList<string>? LabelValues { get; }

    public bool IsMissing(ReadOnlySpan<byte> field, bool quoted)
    {
        if (field.Length == 0)
        {
            return EmptyIsMissing;
        }

        if (quoted || ((_tokenLengths >> Math.Min(field.Length, 63)) & 1) == 0)
        {
            return false;
        }

        foreach (var t in _missingTokens)
        {
            if (field.SequenceEqual(t))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a non-missing label field is one of the allowed values (as text, or as the same number).</summary>
    public bool IsAllowedLabel(ReadOnlySpan<byte> field)
    {
        foreach (var v in _labelValues)
        {
            if (field.SequenceEqual(v))
            {
                return true;
            }
        }

        return _labelNumbers.Count > 0
            && CsvNumber.TryParseDouble(field, out var d)
            && _labelNumbers.Contains(d);
    }

    public DataFormatException Error(long? line, int column, ReadOnlySpan<byte> field, string problem) =>
        Error(line, column, Encoding.UTF8.GetString(field), problem);

    public DataFormatException Error(long? line, int column, string? field, string problem) =>
        new(Source, line, column >= 0 && column < Names.Length ? Names[column] : null, field, problem);
}
