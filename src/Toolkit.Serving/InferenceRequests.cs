using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Serving;

/// <summary>
/// An Open Inference Protocol v2 request: <c>{"id"?, "inputs": [{"name", "shape", "datatype", "data"}]}</c>,
/// one tensor per signature column with shape <c>[n]</c> or <c>[n, 1]</c> and data flat or nested.
/// </summary>
internal static class InferenceRequests
{
    public static (DataTable Table, string? Id) Parse(JsonElement root, Schema signature, int maxRows)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
        {
            throw new RequestException(400, "the body must be a JSON object with an 'inputs' array");
        }

        string? id = root.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
        InputTable? table = null;
        string? firstName = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var k = 0;
        foreach (var input in inputs.EnumerateArray())
        {
            if (input.ValueKind != JsonValueKind.Object || !input.TryGetProperty("name", out var nameValue) || nameValue.ValueKind != JsonValueKind.String)
            {
                throw new RequestException(400, string.Create(CultureInfo.InvariantCulture, $"inputs[{k}] must be an object with a string 'name'"));
            }

            var name = nameValue.GetString()!;
            if (!seen.Add(name))
            {
                throw new RequestException(400, $"input '{name}' appears twice");
            }

            var values = Flatten(input, name);
            var rows = Rows(input, name, values.Count);
            if (table is null)
            {
                table = new InputTable(signature, rows, maxRows);
                firstName = name;
            }
            else if (rows != table.Rows)
            {
                throw new RequestException(400, string.Create(CultureInfo.InvariantCulture,
                    $"input '{name}' has {rows} rows but input '{firstName}' has {table.Rows}"));
            }

            var column = table.IndexOf(name, "input");
            CheckDatatype(input, name, table.TypeAt(column));
            for (var r = 0; r < values.Count; r++)
            {
                table.Set(column, r, values[r], "input");
            }

            k++;
        }

        if (table is null)
        {
            throw new RequestException(400, "'inputs' is empty; give one tensor per model input");
        }

        return (table.Build(), id);
    }

    /// <summary>The OIP datatype of a signature column.</summary>
    public static string Datatype(ColumnType type) => type switch
    {
        ColumnType.Float32 => "FP32",
        ColumnType.Float64 => "FP64",
        _ => "BYTES",
    };

    private static void CheckDatatype(JsonElement input, string name, ColumnType type)
    {
        if (!input.TryGetProperty("datatype", out var d) || d.ValueKind != JsonValueKind.String)
        {
            throw new RequestException(400, $"input '{name}' has no 'datatype'");
        }

        var datatype = d.GetString();
        var numeric = datatype is "FP64" or "FP32" or "FP16" or "INT64" or "INT32" or "INT16" or "INT8" or "UINT64" or "UINT32" or "UINT16" or "UINT8";
        var ok = type == ColumnType.Categorical ? datatype == "BYTES" : numeric;
        if (!ok)
        {
            throw new RequestException(400, $"input '{name}' has datatype {datatype}; the model takes {Datatype(type)}{(type == ColumnType.Categorical ? "" : " (or another numeric type)")}");
        }
    }

    private static int Rows(JsonElement input, string name, int count)
    {
        if (!input.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
        {
            throw new RequestException(400, $"input '{name}' has no 'shape'");
        }

        var dims = new List<long>();
        foreach (var s in shape.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.Number || !s.TryGetInt64(out var dim) || dim < 0)
            {
                throw new RequestException(400, $"input '{name}': shape must hold non-negative integers");
            }

            dims.Add(dim);
        }

        if (dims.Count is < 1 or > 2 || (dims.Count == 2 && dims[1] != 1))
        {
            throw new RequestException(400, $"input '{name}': shape must be [n] or [n, 1] (one column per input), got [{string.Join(", ", dims)}]");
        }

        if (dims[0] != count)
        {
            throw new RequestException(400, string.Create(CultureInfo.InvariantCulture,
                $"input '{name}': shape [{string.Join(", ", dims)}] holds {dims[0]} values but 'data' has {count}"));
        }

        return count;
    }

    /// <summary>The input's values in row order: <c>[1, 2]</c> and <c>[[1], [2]]</c> are the same tensor.</summary>
    private static List<JsonElement> Flatten(JsonElement input, string name)
    {
        if (!input.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new RequestException(400, $"input '{name}' has no 'data' array");
        }

        var values = new List<JsonElement>(data.GetArrayLength());
        foreach (var v in data.EnumerateArray())
        {
            if (v.ValueKind == JsonValueKind.Array)
            {
                if (v.GetArrayLength() != 1)
                {
                    throw new RequestException(400, string.Create(CultureInfo.InvariantCulture,
                        $"input '{name}': row {values.Count} holds {v.GetArrayLength()} values; each row holds one"));
                }

                values.Add(v[0]);
            }
            else
            {
                values.Add(v);
            }
        }

        return values;
    }
}
