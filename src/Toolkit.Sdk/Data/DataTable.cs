namespace Toolkit.Ml.Data;

/// <summary>
/// An immutable columnar table. Row subsets (<see cref="Take"/>) copy only the selected rows of each
/// column, which keeps splits cheap and leaves the source untouched.
/// </summary>
public sealed class DataTable
{
    private readonly Column[] _columns;
    private readonly ColumnRole[] _roles;
    private readonly Dictionary<string, int> _index;

    public DataTable(IEnumerable<Column> columns, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        _roles = new ColumnRole[_columns.Length];
        var rows = _columns.Length == 0 ? 0 : _columns[0].Length;
        for (var i = 0; i < _columns.Length; i++)
        {
            if (_columns[i].Length != rows)
            {
                throw new ArgumentException(
                    $"Column '{_columns[i].Name}' has {_columns[i].Length} rows; expected {rows}.", nameof(columns));
            }

            if (!_index.TryAdd(_columns[i].Name, i))
            {
                throw new ArgumentException($"Duplicate column name '{_columns[i].Name}'.", nameof(columns));
            }
        }

        if (label is not null)
        {
            if (!_index.TryGetValue(label, out var li))
            {
                throw new ArgumentException(
                    $"Label column '{label}' does not exist; columns are: {ColumnNames.List(_columns.Select(c => c.Name))}.",
                    nameof(label));
            }

            _roles[li] = ColumnRole.Label;
        }

        RowCount = rows;
        LabelName = label;
    }

    private DataTable(Column[] columns, ColumnRole[] roles, string? label)
    {
        _columns = columns;
        _roles = roles;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Length; i++)
        {
            _index.Add(columns[i].Name, i);
        }

        RowCount = columns.Length == 0 ? 0 : columns[0].Length;
        LabelName = label;
    }

    public int RowCount { get; }

    public int ColumnCount => _columns.Length;

    public IReadOnlyList<Column> Columns => _columns;

    public string? LabelName { get; }

    public Column? Label => LabelName is null ? null : _columns[_index[LabelName]];

    public Schema Schema => new(_columns.Select((c, i) => new ColumnSchema(
        c.Name, c.Type, _roles[i], (c as CategoricalColumn)?.Categories)));

    public Column this[string name] =>
        _index.TryGetValue(name, out var i)
            ? _columns[i]
            : throw new KeyNotFoundException($"Column '{name}' does not exist.");

    public Column this[int index] => _columns[index];

    public bool Contains(string name) => _index.ContainsKey(name);

    public ColumnRole RoleOf(string name) => _roles[_index[name]];

    /// <summary>The feature columns: every column that is neither the label nor ignored.</summary>
    public IEnumerable<Column> Features => _columns.Where((_, i) => _roles[i] == ColumnRole.Feature);

    /// <summary>A table with the same columns and <paramref name="label"/> as its label (null: none).</summary>
    public DataTable WithLabel(string? label) => new(_columns, label);

    /// <summary>A table whose named columns are ignored by training.</summary>
    public DataTable WithIgnored(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var roles = (ColumnRole[])_roles.Clone();
        foreach (var name in names)
        {
            if (!_index.TryGetValue(name, out var i))
            {
                throw new DataFormatException(null, null, name, null, $"a column to ignore does not exist; columns are: {ColumnNames.List(this)}");
            }

            if (name == LabelName)
            {
                throw new DataFormatException(null, null, name, null, "the label cannot be ignored: it is what the model learns to predict");
            }

            roles[i] = ColumnRole.Ignore;
        }

        return new DataTable(_columns, roles, LabelName);
    }

    /// <summary>The given rows, in order, as a new table with the same schema.</summary>
    public DataTable Take(ReadOnlySpan<int> rows)
    {
        var columns = new Column[_columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = _columns[i].Take(rows);
        }

        return new DataTable(columns, (ColumnRole[])_roles.Clone(), LabelName);
    }

    /// <summary>This table plus <paramref name="column"/> (replacing a column of the same name).</summary>
    public DataTable With(Column column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (_columns.Length > 0 && column.Length != RowCount)
        {
            throw new ArgumentException($"Column '{column.Name}' has {column.Length} rows; expected {RowCount}.", nameof(column));
        }

        var columns = _columns.ToList();
        var roles = _roles.ToList();
        if (_index.TryGetValue(column.Name, out var i))
        {
            columns[i] = column;
        }
        else
        {
            columns.Add(column);
            roles.Add(ColumnRole.Feature);
        }

        return new DataTable([.. columns], [.. roles], LabelName);
    }
}
