using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Serving;

/// <summary>
/// Builds the one <see cref="DataTable"/> of a request, column by column, in the types the model's
/// signature fixes: Float32 inputs are parsed as floats (as the CSV reader does), so a served
/// prediction equals <c>mlops predict</c> on the same rows bit for bit.
/// </summary>
internal sealed class InputTable
{
    private readonly Schema _signature;
    private readonly object?[] _columns;
    private readonly bool[] _seen;

    public InputTable(Schema signature, int rows, int maxRows)
    {
        if (rows > maxRows)
        {
            throw new RequestException(413, string.Create(CultureInfo.InvariantCulture, $"the request has {rows} rows; this server takes at most {maxRows} per request"));
        }

        _signature = signature;
        Rows = rows;
        _columns = new object?[signature.Count];
        _seen = new bool[signature.Count];
    }

    public int Rows { get; }

    /// <summary>The signature index of <paramref name="name"/>; an unknown column is refused by name.</summary>
    public int IndexOf(string name, string what = "column")
    {
        var i = _signature.IndexOf(name);
        if (i < 0)
        {
            throw new RequestException(400, $"unknown {what} '{name}'; the model takes: {Expected()}");
        }

        return i;
    }

    public ColumnType TypeAt(int column) => _signature[column].Type;

    /// <summary>Sets one value from JSON; <paramref name="field"/> names it in errors (column and row).</summary>
    public void Set(int column, int row, JsonElement value, string field)
    {
        _seen[column] = true;
        var type = _signature[column].Type;
        switch (type)
        {
            case ColumnType.Float32:
                Floats(column)[row] = value.ValueKind switch
                {
                    JsonValueKind.Number when value.TryGetSingle(out var f) => f,
                    JsonValueKind.Null => float.NaN,
                    _ => throw WrongType(column, row, value, field, "a number"),
                };
                break;
            case ColumnType.Float64:
                Doubles(column)[row] = value.ValueKind switch
                {
                    JsonValueKind.Number when value.TryGetDouble(out var d) => d,
                    JsonValueKind.Null => double.NaN,
                    _ => throw WrongType(column, row, value, field, "a number"),
                };
                break;
            default:
                Texts(column)[row] = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw WrongType(column, row, value, field, "a string"),
                };
                break;
        }
    }

    /// <summary>The table; a signature column no part of the request gave is refused by name.</summary>
    public DataTable Build()
    {
        var columns = new Column[_columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            var name = _signature[i].Name;
            if (!_seen[i] && Rows > 0)
            {
                throw new RequestException(400, $"missing column '{name}'; the model takes: {Expected()}");
            }

            columns[i] = _signature[i].Type switch
            {
                ColumnType.Float32 => new Float32Column(name, Floats(i)),
                ColumnType.Float64 => new Float64Column(name, Doubles(i)),
                _ => CategoricalColumn.FromValues(name, Texts(i)),
            };
        }

        return new DataTable(columns);
    }

    /// <summary>Checks a CSV body's table against the signature (the reader already fixed the types).</summary>
    public static DataTable Check(Schema signature, DataTable table)
    {
        foreach (var c in table.Columns)
        {
            if (!signature.Contains(c.Name))
            {
                throw new RequestException(400, $"unknown column '{c.Name}'; the model takes: {string.Join(", ", signature.Columns.Select(s => s.Name))}");
            }
        }

        foreach (var s in signature.Columns)
        {
            if (!table.Contains(s.Name))
            {
                throw new RequestException(400, $"missing column '{s.Name}'; the model takes: {string.Join(", ", signature.Columns.Select(x => x.Name))}");
            }
        }

        return table;
    }

    private string Expected() => string.Join(", ", _signature.Columns.Select(c => $"{c.Name} ({TypeName(c.Type)})"));

    internal static string TypeName(ColumnType type) => type switch
    {
        ColumnType.Float32 => "number",
        ColumnType.Float64 => "number",
        _ => "string",
    };

    private RequestException WrongType(int column, int row, JsonElement value, string field, string expected) =>
        new(400, string.Create(CultureInfo.InvariantCulture,
            $"{field} '{_signature[column].Name}', row {row}: expected {expected}, got {Describe(value)}"));

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {Truncate(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private float[] Floats(int i) => (float[])(_columns[i] ??= new float[Rows]);

    private double[] Doubles(int i) => (double[])(_columns[i] ??= new double[Rows]);

    private string?[] Texts(int i) => (string?[])(_columns[i] ??= new string?[Rows]);
}
