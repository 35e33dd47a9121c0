using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Serving;

/// <summary>
/// The bodies MLflow's scoring server (<c>POST /invocations</c>) takes: <c>dataframe_split</c>
/// (<c>{"columns": [...], "data": [[...]]}</c>), <c>dataframe_records</c> (<c>[{col: value}]</c>),
/// and <c>instances</c> / <c>inputs</c> (records, or one array per column).
/// </summary>
internal static class MlflowRequests
{
    private static readonly string[] Formats = ["dataframe_split", "dataframe_records", "instances", "inputs"];

    public static DataTable Parse(JsonElement root, Schema signature, int maxRows)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new RequestException(400, $"the body must be a JSON object with one of: {string.Join(", ", Formats)}");
        }

        var found = Formats.Where(f => root.TryGetProperty(f, out _)).ToList();
        if (found.Count != 1)
        {
            throw new RequestException(400, found.Count == 0
                ? $"the body has none of the fields {string.Join(", ", Formats)}"
                : $"the body has several of the fields {string.Join(", ", found)}; give one");
        }

        var format = found[0];
        var value = root.GetProperty(format);
        return format switch
        {
            "dataframe_split" => Split(value, signature, maxRows),
            "dataframe_records" => Records(value, signature, maxRows, format),
            _ => value.ValueKind == JsonValueKind.Object ? ByColumn(value, signature, maxRows, format) : Records(value, signature, maxRows, format),
        };
    }

    private static DataTable Split(JsonElement split, Schema signature, int maxRows)
    {
        if (split.ValueKind != JsonValueKind.Object
            || !split.TryGetProperty("columns", out var columns) || columns.ValueKind != JsonValueKind.Array
            || !split.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new RequestException(400, "dataframe_split must be an object with arrays 'columns' and 'data'");
        }

        var table = new InputTable(signature, data.GetArrayLength(), maxRows);
        var index = new int[columns.GetArrayLength()];
        var seen = new HashSet<int>();
        var k = 0;
        foreach (var c in columns.EnumerateArray())
        {
            if (c.ValueKind != JsonValueKind.String)
            {
                throw new RequestException(400, string.Create(CultureInfo.InvariantCulture, $"dataframe_split.columns[{k}] must be a string"));
            }

            index[k] = table.IndexOf(c.GetString()!);
            if (!seen.Add(index[k]))
            {
                throw new RequestException(400, $"column '{c.GetString()}' appears twice in dataframe_split.columns");
            }

            k++;
        }

        var row = 0;
        foreach (var r in data.EnumerateArray())
        {
            if (r.ValueKind != JsonValueKind.Array || r.GetArrayLength() != index.Length)
            {
                throw new RequestException(400, string.Create(CultureInfo.InvariantCulture,
                    $"dataframe_split.data row {row} must be an array of {index.Length} values (one per column)"));
            }

            var j = 0;
            foreach (var v in r.EnumerateArray())
            {
                table.Set(index[j++], row, v, "column");
            }

            row++;
        }

        return table.Build();
    }

    private static DataTable Records(JsonElement records, Schema signature, int maxRows, string format)
    {
        if (records.ValueKind != JsonValueKind.Array)
        {
            throw new RequestException(400, $"{format} must be an array of records (objects) or an object of columns");
        }

        var table = new InputTable(signature, records.GetArrayLength(), maxRows);
        var row = 0;
        foreach (var record in records.EnumerateArray())
        {
            if (record.ValueKind != JsonValueKind.Object)
            {
                throw new RequestException(400, string.Create(CultureInfo.InvariantCulture, $"{format} row {row} must be an object (column: value)"));
            }

            var given = 0;
            foreach (var p in record.EnumerateObject())
            {
                table.Set(table.IndexOf(p.Name), row, p.Value, "column");
                given++;
            }

            if (given != signature.Count)
            {
                var missing = signature.Columns.First(c => !record.TryGetProperty(c.Name, out _)).Name;
                throw new RequestException(400, string.Create(CultureInfo.InvariantCulture, $"missing column '{missing}' in {format} row {row}"));
            }

            row++;
        }

        return table.Build();
    }

    private static DataTable ByColumn(JsonElement columns, Schema signature, int maxRows, string format)
    {
        int? rows = null;
        string? first = null;
        foreach (var p in columns.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Array)
            {
                throw new RequestException(400, $"{format}.{p.Name} must be an array (one value per row)");
            }

            var n = p.Value.GetArrayLength();
            if (rows is { } expected && n != expected)
            {
                throw new RequestException(400, string.Create(CultureInfo.InvariantCulture,
                    $"column '{p.Name}' has {n} values but column '{first}' has {expected}"));
            }

            rows ??= n;
            first ??= p.Name;
        }

        var table = new InputTable(signature, rows ?? 0, maxRows);
        foreach (var p in columns.EnumerateObject())
        {
            var i = table.IndexOf(p.Name);
            var row = 0;
            foreach (var v in p.Value.EnumerateArray())
            {
                table.Set(i, row++, v, "column");
            }
        }

        return table.Build();
    }
}
