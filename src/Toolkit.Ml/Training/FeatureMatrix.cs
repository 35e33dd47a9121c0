namespace Toolkit.Ml.Training;

/// <summary>
/// Dense, column-major matrix of model inputs after the feature pipeline: one float array per
/// feature, NaN where a value is missing. Column-major suits coordinate descent and histogram
/// building; predictors that want rows read across columns.
/// </summary>
public sealed class FeatureMatrix
{
    private readonly float[][] _columns;
    private readonly string[] _names;

    public FeatureMatrix(IReadOnlyList<string> names, float[][] columns)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(columns);
        if (names.Count != columns.Length)
        {
            throw new ArgumentException($"{names.Count} names for {columns.Length} columns.", nameof(names));
        }

        RowCount = columns.Length == 0 ? 0 : columns[0].Length;
        foreach (var c in columns)
        {
            if (c.Length != RowCount)
            {
                throw new ArgumentException("All feature columns must have the same length.", nameof(columns));
            }
        }

        _names = [.. names];
        _columns = columns;
    }

    public int RowCount { get; }

    public int ColumnCount => _columns.Length;

    public IReadOnlyList<string> Names => _names;

    public ReadOnlySpan<float> Column(int index) => _columns[index];

    /// <summary>The backing arrays, for hot loops; callers must not mutate them.</summary>
    internal float[][] Columns => _columns;

    public float this[int row, int column] => _columns[column][row];

    /// <summary>The given rows, in order.</summary>
    public FeatureMatrix Take(ReadOnlySpan<int> rows)
    {
        var result = new float[_columns.Length][];
        for (var j = 0; j < _columns.Length; j++)
        {
            var src = _columns[j];
            var dst = new float[rows.Length];
            for (var i = 0; i < rows.Length; i++)
            {
                dst[i] = src[rows[i]];
            }

            result[j] = dst;
        }

        return new FeatureMatrix(_names, result);
    }
}
