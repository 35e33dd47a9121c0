using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Ml.Onnx;

/// <summary>
/// The fitted feature pipeline (read from its JSON form) as ONNX nodes: one float [N, 1] value per
/// output feature, in the pipeline's output order.
/// </summary>
internal static class PipelineGraph
{
    public static List<string> Build(OnnxGraph graph, Schema signature, JsonElement pipeline)
    {
        var options = pipeline.GetProperty("options");
        var unknown = options.GetProperty("unknownCategory").GetString();

        // Raw values by column: numeric ones as double with non-finite values turned into NaN (as the
        // pipeline's NumericValues does), text ones as the string input itself.
        var numeric = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var column in signature.Columns)
        {
            var input = graph.Input(column.Name, OnnxExporter.TypeOf(column.Type));
            if (column.Type == ColumnType.Categorical)
            {
                text[column.Name] = input;
            }
            else
            {
                var asDouble = column.Type == ColumnType.Float64 ? input : Cast(graph, input, OnnxType.Double);
                numeric[column.Name] = Finite(graph, asDouble);
            }
        }

        foreach (var derived in options.GetProperty("derived").EnumerateArray())
        {
            numeric[derived.GetProperty("name").GetString()!] = Derived(graph, derived, numeric);
        }

        var features = new List<string>();
        foreach (var step in pipeline.GetProperty("steps").EnumerateArray())
        {
            var kind = step.GetProperty("kind").GetString();
            var source = step.GetProperty("source").GetString()!;
            switch (kind)
            {
                case "numeric":
                    Numeric(graph, step, numeric[source], features);
                    break;
                case "categorical":
                    if (unknown != "Ignore")
                    {
                        throw new OnnxExportException(
                            $"feature step 'categorical' of column '{source}': unknown-category handling '{unknown}' cannot be expressed in ONNX (an unseen category would score silently); only 'Ignore' exports");
                    }

                    Categorical(graph, step, text[source], features);
                    break;
                case "bucket":
                    Bucket(graph, step, numeric[source], features);
                    break;
                default:
                    throw new OnnxExportException($"feature step '{kind}' of column '{source}' cannot be exported to ONNX yet");
            }
        }

        return features;
    }

    /// <summary>Impute, then (v - center) / scale in double, rounded to float; the indicator is 1 where the raw value was missing.</summary>
    private static void Numeric(OnnxGraph graph, JsonElement step, string raw, List<string> features)
    {
        var fill = step.GetProperty("fill");
        var missing = graph.Node("IsNaN", [raw]);
        var value = fill.ValueKind == JsonValueKind.Null
            ? raw
            : graph.Node("Where", [missing, graph.Double(fill.GetDouble()), raw]);
        var center = step.GetProperty("center").GetDouble();
        var scale = step.GetProperty("scale").GetDouble();
        var scaled = graph.Node("Div", [graph.Node("Sub", [value, graph.Double(center)]), graph.Double(scale)]);
        features.Add(Cast(graph, scaled, OnnxType.Float));
        if (step.GetProperty("indicator").GetBoolean())
        {
            features.Add(Cast(graph, missing, OnnxType.Float));
        }
    }

    /// <summary>
    /// One-hot by text: a LabelEncoder maps each training category to its slot (rare ones share the
    /// "other" slot, "" goes to the fill slot, anything else to -1), then one Equal per slot.
    /// </summary>
    private static void Categorical(OnnxGraph graph, JsonElement step, string input, List<string> features)
    {
        var kept = Strings(step, "categories");
        var rare = Strings(step, "other");
        var fill = step.GetProperty("fill").ValueKind == JsonValueKind.Null ? null : step.GetProperty("fill").GetString();
        var keys = new List<string>();
        var slots = new List<long>();
        for (var i = 0; i < kept.Length; i++)
        {
            keys.Add(kept[i]);
            slots.Add(i);
        }

        foreach (var r in rare)
        {
            keys.Add(r);
            slots.Add(kept.Length);
        }

        if (fill is not null)
        {
            keys.Add(string.Empty);
            slots.Add(slots[keys.IndexOf(fill)]);
        }

        var slotCount = kept.Length + (rare.Length > 0 ? 1 : 0);
        if (slotCount > 0)
        {
            var slot = graph.Node("LabelEncoder", [input],
                [
                    OnnxGraph.StringsAttribute("keys_strings", keys),
                    OnnxGraph.IntsAttribute("values_int64s", slots),
                    OnnxGraph.IntAttribute("default_int64", -1),
                ],
                OnnxGraph.MlDomain);
            for (var s = 0; s < slotCount; s++)
            {
                features.Add(Cast(graph, graph.Node("Equal", [slot, graph.Int64(s)]), OnnxType.Float));
            }
        }

        if (step.GetProperty("indicator").GetBoolean())
        {
            var isMissing = graph.Node("LabelEncoder", [input],
                [
                    OnnxGraph.StringsAttribute("keys_strings", [string.Empty]),
                    OnnxGraph.IntsAttribute("values_int64s", [1]),
                    OnnxGraph.IntAttribute("default_int64", 0),
                ],
                OnnxGraph.MlDomain);
            features.Add(Cast(graph, isMissing, OnnxType.Float));
        }
    }

    /// <summary>One-hot of the bucket: b[k-1] &lt;= v &lt; b[k]; a missing value is in no bucket.</summary>
    private static void Bucket(OnnxGraph graph, JsonElement step, string raw, List<string> features)
    {
        var b = step.GetProperty("boundaries").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (var k = 0; k <= b.Length; k++)
        {
            string? inside = null;
            if (k > 0)
            {
                inside = graph.Node("GreaterOrEqual", [raw, graph.Double(b[k - 1])]);
            }

            if (k < b.Length)
            {
                var below = graph.Node("Less", [raw, graph.Double(b[k])]);
                inside = inside is null ? below : graph.Node("And", [inside, below]);
            }

            features.Add(Cast(graph, inside!, OnnxType.Float));
        }
    }

    /// <summary>A derived feature in double; a missing operand, a zero divisor, a log of a value &lt;= -1 or a non-finite result give NaN.</summary>
    private static string Derived(OnnxGraph graph, JsonElement spec, Dictionary<string, string> numeric)
    {
        var name = spec.GetProperty("name").GetString()!;
        var op = spec.GetProperty("op").GetString();
        var a = numeric[spec.GetProperty("left").GetString()!];
        var right = spec.GetProperty("right");
        var b = right.ValueKind == JsonValueKind.Null ? a : numeric[right.GetString()!];
        var value = op switch
        {
            "Product" => graph.Node("Mul", [a, b]),
            "Difference" => graph.Node("Sub", [a, b]),
            "Square" => graph.Node("Mul", [a, a]),
            "Ratio" => graph.Node("Where", [graph.Node("Equal", [b, graph.Double(0)]), graph.Double(double.NaN), graph.Node("Div", [a, b])]),
            "Log1p" => Log1p(graph, a),
            _ => throw new OnnxExportException($"derived feature '{name}' (operation '{op}') cannot be exported to ONNX yet"),
        };
        return Finite(graph, value);
    }

    /// <summary>ln(1 + a) as the pipeline computes it: u = 1 + a; u == 1 ? a : log(u) * a / (u - 1); NaN unless a &gt; -1.</summary>
    private static string Log1p(OnnxGraph graph, string a)
    {
        var one = graph.Double(1);
        var u = graph.Node("Add", [one, a]);
        var general = graph.Node("Div", [graph.Node("Mul", [graph.Node("Log", [u]), a]), graph.Node("Sub", [u, one])]);
        var value = graph.Node("Where", [graph.Node("Equal", [u, one]), a, general]);
        return graph.Node("Where", [graph.Node("Greater", [a, graph.Double(-1)]), value, graph.Double(double.NaN)]);
    }

    /// <summary>NaN where the value is NaN or infinite.</summary>
    private static string Finite(OnnxGraph graph, string value)
    {
        var bad = graph.Node("Or", [graph.Node("IsNaN", [value]), graph.Node("IsInf", [value])]);
        return graph.Node("Where", [bad, graph.Double(double.NaN), value]);
    }

    public static string Cast(OnnxGraph graph, string value, OnnxType to) =>
        graph.Node("Cast", [value], [OnnxGraph.IntAttribute("to", (long)to)]);

    private static string[] Strings(JsonElement e, string name) =>
        [.. e.GetProperty(name).EnumerateArray().Select(s => s.GetString() ?? string.Empty)];
}
