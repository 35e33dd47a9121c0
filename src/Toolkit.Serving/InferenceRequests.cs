using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;

namespace Toolkit.Serving;

/// <summary>
/// An Open Inference Protocol v2 request: <c>{"id"?, "inputs": [{"name", "shape", "datatype", "data"}]}</c>,
/// one tensor per signature column with shape <c>[n]</c> or <c>[n, 1]</c> and data flat or nested. For a
/// model fed one [N, F] feature tensor (<see cref="IFeatureTensorModel"/>), also that one tensor alone,
/// shape <c>[n, F]</c>, data row-major flat or nested by row, its columns the signature's in order.
/// </summary>
internal static class InferenceRequests
{
    /// <summary>The request as one table; <paramref name="featureTensor"/>: the graph input the signature's columns feed, in order (null: columns only).</summary>
    public static (DataTable Table, string? Id) Parse(JsonElement root, Schema signature, int maxRows, string? featureTensor = null)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
        {
            throw new RequestException(400, "the body must be a JSON object with an 'inputs' array");
        }

        string? id = root.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
        if (featureTensor is not null && TensorInput(inputs, signature, featureTensor) is { } tensor)
        {
            return (ParseTensor(tensor, featureTensor, signature, maxRows), id);
        }

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

            if (featureTensor is not null && !signature.Contains(name))
            {
                // A converter's client that misnamed the tensor learns, before any shape check, both forms the model takes.
                throw new RequestException(400,
                    $"unknown input '{name}'; the model takes one tensor per column ({Columns(signature)}) or all of them as the one tensor '{featureTensor}' {TensorShape(signature)}");
            }

            var values = Flatten(input, name, 1);
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

    /// <summary>
    /// The request's input named <paramref name="name"/> when the request is in the feature-tensor form. A
    /// graph input that is also a column's name stays a column when that reading can work (several
    /// inputs, or a one-column signature, where both forms are the same).
    /// </summary>
    private static JsonElement? TensorInput(JsonElement inputs, Schema signature, string name)
    {
        JsonElement? tensor = null;
        string? other = null;
        var k = 0;
        foreach (var input in inputs.EnumerateArray())
        {
            var named = input.ValueKind == JsonValueKind.Object && input.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (named == name)
            {
                tensor = tensor is null ? input : throw new RequestException(400, $"input '{name}' appears twice");
            }
            else
            {
                other ??= named is null ? string.Create(CultureInfo.InvariantCulture, $"inputs[{k}]") : $"input '{named}'";
            }

            k++;
        }

        if (tensor is null || (signature.Contains(name) && (other is not null || signature.Count == 1)))
        {
            return null;
        }

        // The one tensor is every column at once: with other inputs beside it, which to believe is a guess.
        return other is null
            ? tensor
            : throw new RequestException(400,
                $"input '{name}' is the model's whole feature tensor {TensorShape(signature)} ({Columns(signature)}), so it comes alone, but the request also has {other}; send either that one tensor or one tensor per column, not both");
    }

    /// <summary>The feature tensor [n, F] as the signature's F columns: column c of the table is element c of each row.</summary>
    private static DataTable ParseTensor(JsonElement input, string name, Schema signature, int maxRows)
    {
        var width = signature.Count;
        CheckDatatype(input, name, signature[0].Type, TensorShape(signature));
        var dims = Shape(input, name);
        if (dims.Count != 2 || dims[1] != width)
        {
            throw new RequestException(400, string.Create(CultureInfo.InvariantCulture,
                $"input '{name}' is the model's feature tensor: shape must be {TensorShape(signature)} (n rows of {width} features: {Columns(signature)}), got [{string.Join(", ", dims)}]"));
        }

        var values = Flatten(input, name, width);

        // Int128: n comes from the client and n * F must not overflow into a match.
        if ((Int128)dims[0] * width != values.Count)
        {
            throw new RequestException(400, string.Create(CultureInfo.InvariantCulture,
                $"input '{name}': shape [{dims[0]}, {width}] holds {(Int128)dims[0] * width} values but 'data' has {values.Count} (the model's feature tensor is {TensorShape(signature)})"));
        }

        var rows = values.Count / width;
        var table = new InputTable(signature, rows, maxRows);
        for (var c = 0; c < width; c++)
        {
            for (var r = 0; r < rows; r++)
            {
                table.Set(c, r, values[(r * width) + c], $"input '{name}', column");
            }
        }

        return table.Build();
    }

    private static string TensorShape(Schema signature) => string.Create(CultureInfo.InvariantCulture, $"[-1, {signature.Count}]");

    private static string Columns(Schema signature) => string.Join(", ", signature.Columns.Select(c => c.Name));

    /// <summary>The input's datatype suits a column of <paramref name="type"/>; <paramref name="shape"/>: a feature tensor's shape, named in the error.</summary>
    private static void CheckDatatype(JsonElement input, string name, ColumnType type, string? shape = null)
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
            throw new RequestException(400, $"input '{name}' has datatype {datatype}; the model takes {Datatype(type)}{(shape is null ? "" : " " + shape)}{(type == ColumnType.Categorical ? "" : " (or another numeric type)")}");
        }
    }

    private static int Rows(JsonElement input, string name, int count)
    {
        var dims = Shape(input, name);
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

    /// <summary>The input's 'shape': non-negative integers.</summary>
    private static List<long> Shape(JsonElement input, string name)
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

        return dims;
    }

    /// <summary>
    /// The input's values in row-major order: a row of <paramref name="width"/> values may be nested, so
    /// <c>[1, 2]</c> and <c>[[1], [2]]</c> are the same [2, 1] tensor, <c>[1, 2, 3, 4]</c> and <c>[[1, 2], [3, 4]]</c> the same [2, 2].
    /// </summary>
    private static List<JsonElement> Flatten(JsonElement input, string name, int width)
    {
        if (!input.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new RequestException(400, $"input '{name}' has no 'data' array");
        }

        var values = new List<JsonElement>(data.GetArrayLength());
        var row = 0;
        foreach (var v in data.EnumerateArray())
        {
            if (v.ValueKind == JsonValueKind.Array)
            {
                if (v.GetArrayLength() != width)
                {
                    throw new RequestException(400, string.Create(CultureInfo.InvariantCulture,
                        $"input '{name}': row {row} holds {v.GetArrayLength()} values; each row holds {(width == 1 ? "one" : $"{width} (the model's feature tensor is [-1, {width}])")}"));
                }

                values.AddRange(v.EnumerateArray());
            }
            else
            {
                values.Add(v);
            }

            row++;
        }

        return values;
    }
}
