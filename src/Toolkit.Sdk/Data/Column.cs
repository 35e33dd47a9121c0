namespace Toolkit.Ml.Data;

/// <summary>
/// One named column of a <see cref="DataTable"/>. Numeric missing values are NaN;
/// categorical missing values are code -1.
/// </summary>
public abstract class Column
{
    private protected Column(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    public abstract ColumnType Type { get; }

    public abstract int Length { get; }

    public bool IsNumeric => Type != ColumnType.Categorical;

    /// <summary>The value at <paramref name="row"/> as a double: NaN when missing; the code for categoricals.</summary>
    public abstract double GetDouble(int row);

    public abstract bool IsMissing(int row);

    /// <summary>A new column holding the given rows, in that order.</summary>
    public abstract Column Take(ReadOnlySpan<int> rows);

    /// <summary>The same data under another name.</summary>
    public abstract Column Rename(string name);

    public int CountMissing()
    {
        var n = 0;
        for (var i = 0; i < Length; i++)
        {
            if (IsMissing(i))
            {
                n++;
            }
        }

        return n;
    }
}

public sealed class Float32Column : Column
{
    private readonly float[] _values;

    public Float32Column(string name, float[] values)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values;
    }

    public override ColumnType Type => ColumnType.Float32;

    public override int Length => _values.Length;

    public ReadOnlySpan<float> Values => _values;

    /// <summary>The backing array, for hot loops that must not copy; callers must not mutate it.</summary>
    internal float[] Array => _values;

    public float this[int row] => _values[row];

    public override double GetDouble(int row) => _values[row];

    public override bool IsMissing(int row) => float.IsNaN(_values[row]);

    public override Column Take(ReadOnlySpan<int> rows)
    {
        var result = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = _values[rows[i]];
        }

        return new Float32Column(Name, result);
    }

    public override Column Rename(string name) => new Float32Column(name, _values);
}

public sealed class Float64Column : Column
{
    private readonly double[] _values;

    public Float64Column(string name, double[] values)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values;
    }

    public override ColumnType Type => ColumnType.Float64;

    public override int Length => _values.Length;

    public ReadOnlySpan<double> Values => _values;

    internal double[] Array => _values;

    public double this[int row] => _values[row];

    public override double GetDouble(int row) => _values[row];

    public override bool IsMissing(int row) => double.IsNaN(_values[row]);

    public override Column Take(ReadOnlySpan<int> rows)
    {
        var result = new double[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = _values[rows[i]];
        }

        return new Float64Column(Name, result);
    }

    public override Column Rename(string name) => new Float64Column(name, _values);
}

/// <summary>Text values as codes into <see cref="Categories"/>; -1 marks a missing value.</summary>
public sealed class CategoricalColumn : Column
{
    private readonly int[] _codes;
    private readonly string[] _categories;

    public CategoricalColumn(string name, int[] codes, IReadOnlyList<string> categories)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(categories);
        _codes = codes;
        _categories = [.. categories];
    }

    public override ColumnType Type => ColumnType.Categorical;

    public override int Length => _codes.Length;

    public ReadOnlySpan<int> Codes => _codes;

    public IReadOnlyList<string> Categories => _categories;

    internal int[] Array => _codes;

    /// <summary>The text at <paramref name="row"/>, or null when missing.</summary>
    public string? this[int row] => _codes[row] < 0 ? null : _categories[_codes[row]];

    public override double GetDouble(int row) => _codes[row] < 0 ? double.NaN : _codes[row];

    public override bool IsMissing(int row) => _codes[row] < 0;

    public override Column Take(ReadOnlySpan<int> rows)
    {
        var result = new int[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = _codes[rows[i]];
        }

        return new CategoricalColumn(Name, result, _categories);
    }

    public override Column Rename(string name) => new CategoricalColumn(name, _codes, _categories);

    /// <summary>Builds a column from text values (null = missing), categories in order of first appearance.</summary>
    public static CategoricalColumn FromValues(string name, IReadOnlyList<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var categories = new List<string>();
        var codes = new int[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            if (v is null)
            {
                codes[i] = -1;
                continue;
            }

            if (!index.TryGetValue(v, out var code))
            {
                code = categories.Count;
                index.Add(v, code);
                categories.Add(v);
            }

            codes[i] = code;
        }

        return new CategoricalColumn(name, codes, categories);
    }
}
