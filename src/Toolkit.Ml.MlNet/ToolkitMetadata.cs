using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.MlNet;

/// <summary>
/// The <c>toolkit.json</c> entry of an mlnet-flavor zip: what ML.NET's own files do not say (label,
/// classes, signature, algorithm, metrics, training facts) and, for models our pipeline trained, the
/// fitted feature pipeline whose output vector is ML.NET's "Features" column.
/// </summary>
internal sealed record ToolkitMetadata
{
    public const string EntryName = "toolkit.json";
    public const string Format = "toolkit-mlnet";
    public const int FormatVersion = 1;

    public required string Algorithm { get; init; }

    public required ModelTask Task { get; init; }

    public required string Label { get; init; }

    public IReadOnlyList<string>? Classes { get; init; }

    public required Schema Signature { get; init; }

    public IReadOnlyDictionary<string, string> HyperParameters { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new SortedDictionary<string, double>(StringComparer.Ordinal);

    public TrainingInfo? Training { get; init; }

    /// <summary>
    /// For an imported model, the signature columns its ML.NET inputs are named otherwise (file's name to the
    /// input's, when they differ only in case: C# properties are PascalCase, data files often are not).
    /// </summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// For an imported model whose input is one numeric vector of known size (ML.NET's <c>[VectorType]</c> or a
    /// TextLoader column range): that input and the signature columns filling its slots, in order.
    /// </summary>
    public VectorInput? Vector { get; init; }

    /// <summary>The ML.NET input a signature column feeds.</summary>
    public string InputOf(string column) => Inputs.GetValueOrDefault(column, column);

    /// <summary>Null for an imported model: its own ML.NET transforms read the raw columns.</summary>
    public FeaturePipeline? Features { get; init; }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("format_version", FormatVersion);
            w.WriteString("algorithm", Algorithm);
            w.WriteString("task", Task.ToName());
            w.WriteString("label", Label);
            if (Classes is { } classes)
            {
                w.WriteStartArray("classes");
                foreach (var c in classes)
                {
                    w.WriteStringValue(c);
                }

                w.WriteEndArray();
            }

            w.WriteStartObject("hyperparameters");
            foreach (var (k, v) in HyperParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteStartArray("signature");
            foreach (var c in Signature.Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("type", c.Type.ToString().ToLowerInvariant());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (Vector is { } vector)
            {
                w.WriteStartObject("vector_input");
                w.WriteString("name", vector.Name);
                w.WriteStartArray("columns");
                foreach (var c in vector.Columns)
                {
                    w.WriteStringValue(c);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            if (Inputs.Count > 0)
            {
                w.WriteStartObject("inputs");
                foreach (var (k, v) in Inputs.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    w.WriteString(k, v);
                }

                w.WriteEndObject();
            }

            w.WriteStartObject("metrics");
            foreach (var (k, v) in Metrics.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (double.IsFinite(v))
                {
                    w.WriteNumber(k, v);
                }
                else
                {
                    w.WriteNull(k);
                }
            }

            w.WriteEndObject();
            if (Training is { } t)
            {
                w.WriteStartObject("training");
                w.WriteNumber("rows", t.Rows);
                w.WriteNumber("seed", t.Seed);
                w.WriteString("data_digest", t.DataDigest);
                w.WriteNumber("feature_count", t.FeatureCount);
                w.WriteString("toolkit_version", t.ToolkitVersion);
                w.WriteEndObject();
            }

            if (Features is { } features)
            {
                w.WritePropertyName("feature_pipeline");
                features.Write(w);
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Parses and checks the entry; problems are <see cref="FormatException"/>s saying which field.</summary>
    public static ToolkitMetadata Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException ex)
        {
            throw new FormatException($"its {EntryName} is not JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"its {EntryName} is not a JSON object");
            }

            if (Text(root, "format") != Format)
            {
                throw new FormatException($"its {EntryName} 'format' must be '{Format}'");
            }

            if (!root.TryGetProperty("format_version", out var v) || v.ValueKind != JsonValueKind.Number
                || !v.TryGetInt32(out var version) || version != FormatVersion)
            {
                throw new FormatException($"its {EntryName} 'format_version' must be {FormatVersion}");
            }

            var task = Text(root, "task") switch
            {
                ModelTaskNames.BinaryClassification => ModelTask.BinaryClassification,
                ModelTaskNames.Regression => ModelTask.Regression,
                var other => throw new FormatException($"its {EntryName} 'task' is '{other}', not {ModelTaskNames.BinaryClassification} or {ModelTaskNames.Regression}"),
            };
            string[]? classes = null;
            if (root.TryGetProperty("classes", out var cs))
            {
                classes = cs.ValueKind == JsonValueKind.Array
                    ? [.. cs.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new FormatException($"its {EntryName} 'classes' must be strings"))]
                    : throw new FormatException($"its {EntryName} 'classes' must be an array");
            }

            if (task == ModelTask.BinaryClassification && classes is not { Length: 2 })
            {
                throw new FormatException($"its {EntryName} must list exactly 2 'classes' for {ModelTaskNames.BinaryClassification}");
            }

            var hp = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("hyperparameters", out var h))
            {
                foreach (var p in Object(h, "hyperparameters").EnumerateObject())
                {
                    hp[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new FormatException($"its {EntryName} hyperparameter '{p.Name}' must be a string");
                }
            }

            var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
            if (root.TryGetProperty("metrics", out var m))
            {
                foreach (var p in Object(m, "metrics").EnumerateObject())
                {
                    metrics[p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.Null => double.NaN,
                        JsonValueKind.Number => p.Value.GetDouble(),
                        _ => throw new FormatException($"its {EntryName} metric '{p.Name}' must be a number"),
                    };
                }
            }

            if (!root.TryGetProperty("signature", out var sig) || sig.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"its {EntryName} has no 'signature' array");
            }

            var columns = new List<ColumnSchema>();
            foreach (var c in sig.EnumerateArray())
            {
                var name = Text(c, "name");
                var type = Text(c, "type") switch
                {
                    "float32" => ColumnType.Float32,
                    "float64" => ColumnType.Float64,
                    "categorical" => ColumnType.Categorical,
                    var other => throw new FormatException($"its {EntryName} signature column '{name}' has type '{other}', not float32, float64 or categorical"),
                };
                columns.Add(new ColumnSchema(name, type, ColumnRole.Feature));
            }

            Schema signature;
            try
            {
                signature = new Schema(columns);
            }
            catch (ArgumentException ex)
            {
                throw new FormatException($"its {EntryName} signature is invalid ({ex.Message})", ex);
            }

            var label = Text(root, "label");
            if (signature.Contains(label))
            {
                throw new FormatException($"its label '{label}' is also one of its signature's columns");
            }

            var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("inputs", out var ins))
            {
                foreach (var p in Object(ins, "inputs").EnumerateObject())
                {
                    var input = p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 } text
                        ? text
                        : throw new FormatException($"its {EntryName} input of '{p.Name}' must be a non-empty string");
                    if (!signature.Contains(p.Name))
                    {
                        throw new FormatException($"its {EntryName} 'inputs' names '{p.Name}', which is not a signature column");
                    }

                    if (inputs.ContainsValue(input) || (input != p.Name && signature.Contains(input)))
                    {
                        throw new FormatException($"its {EntryName} 'inputs' feeds ML.NET input '{input}' from two columns");
                    }

                    inputs[p.Name] = input;
                }
            }

            VectorInput? vectorInput = null;
            if (root.TryGetProperty("vector_input", out var vi))
            {
                var columnsOf = Object(vi, "vector_input").TryGetProperty("columns", out var vc) && vc.ValueKind == JsonValueKind.Array
                    ? vc.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } n ? n : throw new FormatException($"its {EntryName} 'vector_input' columns must be non-empty strings")).ToList()
                    : throw new FormatException($"its {EntryName} 'vector_input' has no 'columns' array");
                if (columnsOf.Count == 0 || columnsOf.Distinct(StringComparer.Ordinal).Count() != columnsOf.Count || columnsOf.Any(c => !signature.Contains(c) || inputs.ContainsKey(c)))
                {
                    throw new FormatException($"its {EntryName} 'vector_input' columns must be distinct signature columns that feed no other input");
                }

                vectorInput = new VectorInput(Text(vi, "name"), columnsOf);
            }

            TrainingInfo? training = null;
            if (root.TryGetProperty("training", out var t))
            {
                training = new TrainingInfo
                {
                    Rows = Number(t, "rows").GetInt64(),
                    Seed = Number(t, "seed").GetInt32(),
                    DataDigest = Text(t, "data_digest"),
                    FeatureCount = Number(t, "feature_count").GetInt32(),
                    ToolkitVersion = Text(t, "toolkit_version"),
                };
            }

            FeaturePipeline? features = null;
            if (root.TryGetProperty("feature_pipeline", out var fp))
            {
                try
                {
                    features = FeaturePipeline.Read(fp);
                }
                catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException or JsonException)
                {
                    throw new FormatException($"its {EntryName} 'feature_pipeline' is unreadable ({ex.Message})", ex);
                }

                if (!features.InputSchema.Columns.Select(c => c.Name).SequenceEqual(signature.Columns.Select(c => c.Name)))
                {
                    throw new FormatException($"its {EntryName} 'signature' lists other columns than its feature pipeline's inputs");
                }

                signature = features.InputSchema;
            }

            return new ToolkitMetadata
            {
                Algorithm = Text(root, "algorithm"),
                Task = task,
                Label = label,
                Classes = classes,
                Signature = signature,
                Inputs = inputs,
                Vector = vectorInput,
                HyperParameters = hp,
                Metrics = metrics,
                Training = training,
                Features = features,
            };
        }
    }

    private static string Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"its {EntryName} '{name}' must be a non-empty string");

    private static JsonElement Number(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value
            : throw new FormatException($"its {EntryName} '{name}' must be a number");

    private static JsonElement Object(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object ? e : throw new FormatException($"its {EntryName} '{name}' must be an object");
}

/// <summary>An imported model's one vector input and the signature columns that fill its slots, in order.</summary>
internal sealed record VectorInput(string Name, IReadOnlyList<string> Columns);
