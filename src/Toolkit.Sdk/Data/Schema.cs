namespace Toolkit.Ml.Data;

/// <summary>Name, type and role of one column; categories are listed for categorical columns.</summary>
public sealed record ColumnSchema(string Name, ColumnType Type, ColumnRole Role, IReadOnlyList<string>? Categories = null)
{
    /// <summary>Value equality that compares the category lists element by element.</summary>
    public bool Equals(ColumnSchema? other) =>
        other is not null
        && Name == other.Name
        && Type == other.Type
        && Role == other.Role
        && (Categories ?? []).SequenceEqual(other.Categories ?? []);

    public override int GetHashCode() => HashCode.Combine(Name, Type, Role);
}

/// <summary>The ordered columns of a table: what a model expects as input (its signature).</summary>
public sealed class Schema : IEquatable<Schema>
{
    private readonly ColumnSchema[] _columns;
    private readonly Dictionary<string, int> _index;

    public Schema(IEnumerable<ColumnSchema> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _columns.Length; i++)
        {
            if (!_index.TryAdd(_columns[i].Name, i))
            {
                throw new ArgumentException($"Duplicate column name '{_columns[i].Name}'.", nameof(columns));
            }
        }

        if (_columns.Count(c => c.Role == ColumnRole.Label) > 1)
        {
            throw new ArgumentException("A schema has at most one label column.", nameof(columns));
        }
    }

    public IReadOnlyList<ColumnSchema> Columns => _columns;

    public int Count => _columns.Length;

    public ColumnSchema this[int index] => _columns[index];

    public ColumnSchema this[string name] =>
        _index.TryGetValue(name, out var i) ? _columns[i] : throw new KeyNotFoundException($"Column '{name}' does not exist.");

    public ColumnSchema? Label => Array.Find(_columns, c => c.Role == ColumnRole.Label);

    public IEnumerable<ColumnSchema> Features => _columns.Where(c => c.Role == ColumnRole.Feature);

    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    public bool Contains(string name) => _index.ContainsKey(name);

    public bool Equals(Schema? other) => other is not null && _columns.SequenceEqual(other._columns);

    public override bool Equals(object? obj) => Equals(obj as Schema);

    public override int GetHashCode() => _columns.Length;
}
