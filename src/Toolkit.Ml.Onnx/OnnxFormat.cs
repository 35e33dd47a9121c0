using System.Globalization;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Onnx;

/// <summary>
/// ONNX as a model flavor: a protobuf ModelProto scored by ONNX Runtime. A file carries our metadata
/// (<see cref="OnnxMetadata"/>: label, task, classes) as our exporter writes it; a file trained
/// elsewhere gets it on import (metadata_props entries appended to the message).
/// </summary>
public sealed class OnnxFormat : IModelFormat, IModelImporter
{
    private OnnxFormat()
    {
    }

    public static OnnxFormat Instance { get; } = new();

    public string Flavor => ModelFlavors.Onnx;

    public string Extension => ".onnx";

    public bool Recognizes(ReadOnlySpan<byte> head) => OnnxModelProto.LooksLikeModel(head);

    public IScoringModel Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Load(ReadBounded(stream, sourceName), sourceName);
    }

    /// <summary>Loads an ONNX model that carries our metadata; throws <see cref="ModelFileException"/> naming the file and what is wrong.</summary>
    public static OnnxModel Load(byte[] bytes, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var proto = Parse(bytes, sourceName);
        var session = CreateSession(bytes, sourceName);
        try
        {
            var metadata = Metadata(proto);
            var label = metadata.GetValueOrDefault(OnnxMetadata.Label) is { Length: > 0 } l ? l : throw new ModelFileException(
                $"'{sourceName}' has no {OnnxMetadata.Label} metadata, so the toolkit does not know what it predicts; " +
                "register it with 'mlops model register --file FILE --flavor onnx --data held-out.csv [--label L]', which adds it");
            var task = metadata.GetValueOrDefault(OnnxMetadata.Task) is { } t ? ParseTask(t, sourceName) : throw new ModelFileException(
                $"'{sourceName}' has no {OnnxMetadata.Task} metadata; register it with --flavor onnx --data to add it");
            var classes = task == ModelTask.BinaryClassification ? ParseClasses(metadata.GetValueOrDefault(OnnxMetadata.Classes), sourceName) : null;
            var features = metadata.GetValueOrDefault(OnnxMetadata.Features) is { } f ? ParseFeatures(f, sourceName) : null;
            var description = Describe(session, sourceName, metadata.GetValueOrDefault(OnnxMetadata.Algorithm) ?? AlgorithmOf(proto), task, label, classes, features);
            return new OnnxModel(session, description, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A file with our metadata is returned as is; one without gets label (from <paramref name="options"/>
    /// or the one held-out column the graph does not take), task (from the graph's outputs) and classes
    /// (from the held-out labels); a graph whose one input is an [N, F] feature tensor also gets the columns
    /// that feed it (<see cref="ModelImportOptions.Features"/>, else the held-out columns but the label, in
    /// file order). Either way the result must score the held-out rows.
    /// </summary>
    public byte[] Import(ReadOnlyMemory<byte> file, string sourceName, ModelImportOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (file.Length > ModelFile.MaxFileBytes)
        {
            throw new ModelFileException($"'{sourceName}' is larger than {ModelFile.MaxFileBytes / (1024 * 1024)} MiB; not a model file this toolkit reads.");
        }

        var bytes = file.ToArray();
        var proto = Parse(bytes, sourceName);
        var metadata = Metadata(proto);
        var additions = new List<KeyValuePair<string, string>>();
        using (var session = CreateSession(bytes, sourceName))
        {
            var tensor = ImportedFeatureTensor(session, metadata, options, sourceName);
            DataTable heldOut;
            string label;
            IReadOnlyList<string>? features = null;
            if (tensor is null)
            {
                var inputs = Inputs(session, sourceName);
                try
                {
                    heldOut = CsvReader.Read(options.HeldOutPath, new CsvReadOptions
                    {
                        ColumnTypes = inputs.ToDictionary(i => i.Name, i => i.Type, StringComparer.Ordinal),
                    }, cancellationToken);
                }
                catch (DataFormatException e) when (MatrixInput(session) is { Width: -1 } m && e.ColumnName == m.Name && e.Line is null)
                {
                    // An [N, F] input with F symbolic is taken as one column unless --features says otherwise: say so.
                    throw new DataFormatException(options.HeldOutPath, 1, m.Name, null,
                        $"the file has no column '{m.Name}', the one input of '{sourceName}' ([N, F], F not fixed); if it is a feature tensor, give --features with the columns that feed it, in order");
                }
                label = ChooseLabel(metadata, options, inputs, heldOut, sourceName);
            }
            else
            {
                (heldOut, label, features) = ChooseFeatures(tensor, metadata, options, sourceName, cancellationToken);
            }

            var task = ChooseTask(metadata, options, session, sourceName);
            Add(metadata, additions, OnnxMetadata.Label, label, sourceName);
            Add(metadata, additions, OnnxMetadata.Task, task.ToName(), sourceName);
            if (task == ModelTask.BinaryClassification && !metadata.ContainsKey(OnnxMetadata.Classes))
            {
                var classes = LabelEncodingOf(heldOut, label, options.HeldOutPath);
                additions.Add(new(OnnxMetadata.Classes, string.Join(",", classes)));
            }

            if (!metadata.ContainsKey(OnnxMetadata.Algorithm))
            {
                additions.Add(new(OnnxMetadata.Algorithm, AlgorithmOf(proto)));
            }

            if (features is not null)
            {
                Add(metadata, additions, OnnxMetadata.Features, string.Join(",", features), sourceName);
            }

            var imported = additions.Count == 0 ? bytes : [.. bytes, .. additions.SelectMany(a => OnnxModelProto.MetadataEntry(a.Key, a.Value))];
            using var model = Load(imported, sourceName);
            try
            {
                // What cannot score the held-out rows is refused now, not at the first request.
                model.Predict(heldOut);
                model.EncodeLabel(heldOut.WithLabel(label));
            }
            catch (DataFormatException e)
            {
                throw e.InFile(options.HeldOutPath);
            }

            return imported;
        }
    }

    private static byte[] ReadBounded(Stream stream, string sourceName)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > ModelFile.MaxFileBytes)
            {
                throw new ModelFileException($"'{sourceName}' is larger than {ModelFile.MaxFileBytes / (1024 * 1024)} MiB; not a model file this toolkit reads.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static OnnxModelProto Parse(byte[] bytes, string sourceName)
    {
        try
        {
            return OnnxModelProto.Parse(bytes);
        }
        catch (FormatException e)
        {
            throw new ModelFileException($"'{sourceName}' is not a valid ONNX model: {e.Message}.", e);
        }
    }

    private static InferenceSession CreateSession(byte[] bytes, string sourceName)
    {
        // One thread per run: scores then do not depend on how many cores a machine has (a tree
        // ensemble's partial sums are split by thread), and a server runs requests side by side anyway.
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
        };
        try
        {
            return new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            var line = e.Message.Split('\n', 2)[0].Trim();
            throw new ModelFileException($"'{sourceName}' cannot be loaded by ONNX Runtime: {line}", e);
        }
    }

    /// <summary>The metadata as a map; a key given twice is refused (which one counts would be up to the reader).</summary>
    private static Dictionary<string, string> Metadata(OnnxModelProto proto)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in proto.Metadata)
        {
            if (k.StartsWith("toolkit.", StringComparison.Ordinal) && map.ContainsKey(k))
            {
                throw new ModelFileException($"metadata key '{k}' is given twice");
            }

            map[k] = v;
        }

        return map;
    }

    private static ModelTask ParseTask(string text, string sourceName)
    {
        try
        {
            return ModelTaskNames.Parse(text);
        }
        catch (ArgumentException)
        {
            throw new ModelFileException($"'{sourceName}': metadata {OnnxMetadata.Task} is '{text}', not {ModelTaskNames.BinaryClassification} or {ModelTaskNames.Regression}");
        }
    }

    private static string[] ParseClasses(string? text, string sourceName)
    {
        var classes = text?.Split(',') ?? [];
        return classes.Length == 2 && classes[0] != classes[1] && classes.All(c => c.Length > 0)
            ? classes
            : throw new ModelFileException(text is null
                ? $"'{sourceName}' is a classifier without {OnnxMetadata.Classes} metadata (its two classes, negative first)"
                : $"'{sourceName}': metadata {OnnxMetadata.Classes} is '{text}', not two distinct classes separated by a comma");
    }

    /// <summary>The graph's main ONNX-ML operator (a tree ensemble, a linear model, …), else "onnx".</summary>
    private static string AlgorithmOf(OnnxModelProto proto) =>
        proto.Operators.FirstOrDefault(o => o.StartsWith("TreeEnsemble", StringComparison.Ordinal) || o.StartsWith("Linear", StringComparison.Ordinal) || o.StartsWith("SVM", StringComparison.Ordinal)) is { } op
            ? "onnx:" + op
            : "onnx";

    internal static OnnxModelDescription Describe(
        InferenceSession session, string sourceName, string algorithm, ModelTask task, string label, IReadOnlyList<string>? classes, IReadOnlyList<string>? features)
    {
        var tensor = FeatureTensorOf(session, features, sourceName);
        var inputs = tensor is null ? Inputs(session, sourceName) : [.. features!.Select(f => new InputColumn(f, tensor.Type, 2))];
        if (inputs.Any(i => i.Name == label))
        {
            throw new ModelFileException($"'{sourceName}': the label '{label}' is also one of the graph's inputs");
        }

        var output = ScoreOutputOf(session, task, classes, sourceName);
        var rowByRow = session.InputMetadata.Values.Any(m => m.Dimensions[0] == 1);
        return new OnnxModelDescription(algorithm, task, label, classes, inputs, output, rowByRow, sourceName, tensor);
    }

    /// <summary>
    /// The graph's one input when it is a float or double tensor [N, F] (N symbolic or 1; F known and
    /// at least 1, or symbolic: -1), as converters such as skl2onnx and onnxmltools write it; else null.
    /// </summary>
    private static FeatureTensor? MatrixInput(InferenceSession session)
    {
        if (session.InputNames.Count != 1)
        {
            return null;
        }

        var name = session.InputNames[0];
        var meta = session.InputMetadata[name];
        var type = !meta.IsTensor ? (ColumnType?)null : meta.ElementDataType switch
        {
            TensorElementType.Float => ColumnType.Float32,
            TensorElementType.Double => ColumnType.Float64,
            _ => null,
        };
        var d = meta.Dimensions;
        return type is { } t && d.Length == 2 && d[0] is -1 or 1 && (d[1] == -1 || d[1] >= 1)
            ? new FeatureTensor(name, t, d[1])
            : null;
    }

    /// <summary>
    /// When the file names the columns of a feature tensor (<see cref="OnnxMetadata.Features"/>), that tensor;
    /// a graph with an [N, F &gt; 1] input and no such metadata is refused (which column goes where is not
    /// something to guess); otherwise null: one column per input, as before.
    /// </summary>
    private static FeatureTensor? FeatureTensorOf(InferenceSession session, IReadOnlyList<string>? features, string sourceName)
    {
        var matrix = MatrixInput(session);
        if (features is null)
        {
            return matrix is { Width: > 1 } m
                ? throw new ModelFileException(string.Create(CultureInfo.InvariantCulture,
                    $"'{sourceName}': graph input '{m.Name}' is a feature tensor [N, {m.Width}] and the file has no {OnnxMetadata.Features} metadata naming the columns that feed it; ") +
                    "register it with 'mlops model register --file FILE --flavor onnx --data held-out.csv [--features a,b,...]', which adds it")
                : null;
        }

        if (matrix is null)
        {
            throw new ModelFileException(
                $"'{sourceName}': metadata {OnnxMetadata.Features} names the columns of one [N, F] float or double feature tensor, but the graph's inputs are {InputsText(session)}");
        }

        return matrix.Width > 0 && matrix.Width != features.Count
            ? throw new ModelFileException(string.Create(CultureInfo.InvariantCulture,
                $"'{sourceName}': graph input '{matrix.Name}' takes {matrix.Width} features per row ([N, {matrix.Width}]), but metadata {OnnxMetadata.Features} names {features.Count} columns"))
            : matrix;
    }

    /// <summary>
    /// On import, the feature tensor the file will be scored through: the graph's one [N, F] input when F &gt; 1,
    /// or when the file or <c>--features</c> names its columns (which also settles an [N, 1] or symbolic F).
    /// </summary>
    private static FeatureTensor? ImportedFeatureTensor(InferenceSession session, Dictionary<string, string> metadata, ModelImportOptions options, string sourceName)
    {
        var matrix = MatrixInput(session);
        var recorded = metadata.ContainsKey(OnnxMetadata.Features);
        if (matrix is not null && (matrix.Width > 1 || recorded || options.Features is not null))
        {
            return matrix;
        }

        return options.Features is not null
            ? throw new ModelFileException(
                $"'{sourceName}': --features names the columns of a graph's one [N, F] float or double feature tensor, but this graph's inputs are {InputsText(session)}; leave --features out (each input is fed by the column of its name)")
            : null;
    }

    /// <summary>
    /// The held-out rows (numbers read in the tensor's type), the label and the columns that feed the tensor:
    /// from the file's metadata, else <c>--features</c>, else every held-out column but the label, in file order.
    /// </summary>
    private static (DataTable HeldOut, string Label, IReadOnlyList<string> Features) ChooseFeatures(
        FeatureTensor tensor, Dictionary<string, string> metadata, ModelImportOptions options, string sourceName, CancellationToken cancellationToken)
    {
        var path = options.HeldOutPath;
        var recorded = metadata.GetValueOrDefault(OnnxMetadata.Features) is { } r ? ParseFeatures(r, sourceName) : null;
        if (recorded is not null && options.Features is not null && !recorded.SequenceEqual(options.Features, StringComparer.Ordinal))
        {
            throw new ModelFileException($"'{sourceName}' is fed by columns {string.Join(",", recorded)} ({OnnxMetadata.Features}); --features says {string.Join(",", options.Features)}");
        }

        var given = recorded ?? options.Features;
        var heldOut = CsvReader.Read(path, new CsvReadOptions { NumericType = tensor.Type }, cancellationToken);
        string label;
        if (given is null && metadata.GetValueOrDefault(OnnxMetadata.Label) is null && options.Label is null)
        {
            throw new DataFormatException(path, 1, null, null, string.Create(CultureInfo.InvariantCulture,
                $"'{sourceName}' takes one feature tensor '{tensor.Name}' ({WidthText(tensor)}), so every column but the label would feed it; give --label (and --features when the features are not all the other columns, in file order)"));
        }

        // The feature list only helps find an unnamed label; a named one in the list is refused below, naming the file.
        var named = metadata.ContainsKey(OnnxMetadata.Label) || options.Label is not null;
        label = ChooseLabel(metadata, options, named ? [] : [.. (given ?? []).Select(f => new InputColumn(f, tensor.Type, 2))], heldOut, sourceName);
        var features = given ?? [.. heldOut.Columns.Select(c => c.Name).Where(n => n != label)];
        var source = recorded is not null ? OnnxMetadata.Features : given is not null ? "--features" : null;
        CheckFeatures(tensor, features, source, label, heldOut, path, sourceName);
        if (features.FirstOrDefault(f => heldOut[f] is CategoricalColumn) is not null)
        {
            // Read again with the numeric type required: the error then names the line and the field that is text.
            CsvReader.Read(path, new CsvReadOptions { NumericType = tensor.Type, ColumnTypes = features.ToDictionary(f => f, _ => tensor.Type, StringComparer.Ordinal) }, cancellationToken);
            var text = features.First(f => heldOut[f] is CategoricalColumn);
            throw new DataFormatException(path, null, text, null, $"the column holds text, but it feeds the numeric feature tensor '{tensor.Name}' of '{sourceName}'");
        }

        return (heldOut, label, features);
    }

    /// <summary>
    /// The feature columns are distinct, not the label, present in the held-out file and as many as the tensor
    /// takes. <paramref name="source"/>: where the list came from (null: the held-out file's columns).
    /// </summary>
    private static void CheckFeatures(FeatureTensor tensor, IReadOnlyList<string> features, string? source, string label, DataTable heldOut, string path, string sourceName)
    {
        if (features.FirstOrDefault(f => f.Contains(',', StringComparison.Ordinal)) is { } comma)
        {
            throw new DataFormatException(path, 1, comma, null, $"a column that feeds '{sourceName}' cannot have a comma in its name ({OnnxMetadata.Features} lists them comma-separated); rename it");
        }

        FeatureColumns.Check(features, source, label, [.. heldOut.Columns.Select(c => c.Name)], path, $"the feature tensor '{tensor.Name}'", sourceName);

        if (tensor.Width > 0 && features.Count != tensor.Width)
        {
            var found = source is null
                ? string.Create(CultureInfo.InvariantCulture, $"the file has {features.Count} columns besides the label '{label}'")
                : string.Create(CultureInfo.InvariantCulture, $"{source} names {features.Count}");
            var problem = string.Create(CultureInfo.InvariantCulture,
                $"graph input '{tensor.Name}' of '{sourceName}' takes {tensor.Width} features per row ([N, {tensor.Width}]), but {found} ({ColumnNames.List(features)}); give --features with the {tensor.Width} columns it takes, in the order it was trained on");
            throw new DataFormatException(path, null, null, null, problem);
        }
    }

    /// <summary>The columns of a <see cref="OnnxMetadata.Features"/> entry: non-empty, distinct.</summary>
    private static string[] ParseFeatures(string text, string sourceName)
    {
        var features = text.Split(',');
        if (features.Any(f => f.Length == 0))
        {
            throw new ModelFileException($"'{sourceName}': metadata {OnnxMetadata.Features} is '{text}', which has an empty column name");
        }

        return features.Distinct(StringComparer.Ordinal).Count() == features.Length
            ? features
            : throw new ModelFileException($"'{sourceName}': metadata {OnnxMetadata.Features} is '{text}', which names a column twice");
    }

    private static string WidthText(FeatureTensor tensor) =>
        tensor.Width > 0 ? string.Create(CultureInfo.InvariantCulture, $"[N, {tensor.Width}]") : "[N, F]";

    private static string InputsText(InferenceSession session) =>
        string.Join(", ", session.InputNames.Select(n => $"{n} ({Describe(session.InputMetadata[n])})"));

    /// <summary>One signature column per graph input: float → Float32, double → Float64, string → text; each [N] or [N, 1].</summary>
    private static InputColumn[] Inputs(InferenceSession session, string sourceName)
    {
        var inputs = new List<InputColumn>();
        foreach (var name in session.InputNames)
        {
            var meta = session.InputMetadata[name];
            var type = !meta.IsTensor ? (ColumnType?)null : meta.ElementDataType switch
            {
                TensorElementType.Float => ColumnType.Float32,
                TensorElementType.Double => ColumnType.Float64,
                TensorElementType.String => ColumnType.Categorical,
                _ => null,
            };
            if (type is null)
            {
                throw new ModelFileException(
                    $"'{sourceName}': graph input '{name}' is {Describe(meta)}; the toolkit feeds float, double or string tensors, one column each");
            }

            var d = meta.Dimensions;
            var perRow = d.Length == 1 || (d.Length == 2 && d[1] is 1 or -1);
            if (!perRow || d[0] is not (-1 or 1))
            {
                throw new ModelFileException(
                    $"'{sourceName}': graph input '{name}' has shape [{string.Join(", ", d.Select(x => x < 0 ? "N" : x.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]; " +
                    "the toolkit feeds one column per input, shaped [N] or [N, 1], or one [N, F] float or double feature tensor");
            }

            inputs.Add(new InputColumn(name, type.Value, d.Length));
        }

        return inputs.Count > 0 ? [.. inputs] : throw new ModelFileException($"'{sourceName}': the graph has no inputs");
    }

    /// <summary>
    /// Where the score comes from: <c>score</c> (ours) when present; else for a classifier an [N, 2]
    /// probabilities tensor (column 1: the positive class) or a ZipMap; for a regressor the one-value tensor.
    /// </summary>
    private static ScoreOutput ScoreOutputOf(InferenceSession session, ModelTask task, IReadOnlyList<string>? classes, string sourceName)
    {
        var outputs = session.OutputNames.Select(n => (Name: n, Meta: session.OutputMetadata[n])).ToList();
        if (outputs.FirstOrDefault(o => o.Name == OnnxExporter.OutputName) is { Meta: not null } ours)
        {
            return IsNumeric(ours.Meta) && Width(ours.Meta) == 1
                ? new ScoreOutput(ours.Name, ScoreKind.Value)
                : throw new ModelFileException($"'{sourceName}': output '{ours.Name}' is {Describe(ours.Meta)}, not one float or double per row");
        }

        if (task == ModelTask.BinaryClassification)
        {
            if (outputs.FirstOrDefault(o => IsNumeric(o.Meta) && Width(o.Meta) == 2) is { Meta: not null } probabilities)
            {
                return new ScoreOutput(probabilities.Name, ScoreKind.ProbabilityColumn);
            }

            if (outputs.FirstOrDefault(o => ZipMapKey(o.Meta) is not null) is { Meta: not null } zip)
            {
                if (ZipMapKey(zip.Meta) == TensorElementType.String)
                {
                    return new ScoreOutput(zip.Name, ScoreKind.ZipMap);
                }

                return long.TryParse(classes![1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var key)
                    ? new ScoreOutput(zip.Name, ScoreKind.ZipMap, key)
                    : throw new ModelFileException($"'{sourceName}': output '{zip.Name}' maps integer classes to probabilities, but the positive class '{classes[1]}' is not an integer");
            }
        }
        else if (outputs.FirstOrDefault(o => IsNumeric(o.Meta) && Width(o.Meta) == 1) is { Meta: not null } value)
        {
            return new ScoreOutput(value.Name, ScoreKind.Value);
        }

        throw new ModelFileException(
            $"'{sourceName}': no output gives a {(task == ModelTask.BinaryClassification ? "class probability ([N, 2] probabilities or a ZipMap)" : "prediction ([N] or [N, 1])")}; " +
            $"outputs are: {string.Join(", ", outputs.Select(o => $"{o.Name} ({Describe(o.Meta)})"))}");
    }

    /// <summary>Classifier outputs (probabilities, a map, a label tensor of text or integers) mean classification; otherwise regression.</summary>
    private static ModelTask TaskOfOutputs(InferenceSession session)
    {
        var metas = session.OutputMetadata.Values.ToList();
        var classifier = metas.Any(m =>
            ZipMapKey(m) is not null
            || (IsNumeric(m) && Width(m) == 2)
            || (m.IsTensor && m.ElementDataType is TensorElementType.String or TensorElementType.Int64 or TensorElementType.Bool));
        return classifier ? ModelTask.BinaryClassification : ModelTask.Regression;
    }

    private static ModelTask ChooseTask(Dictionary<string, string> metadata, ModelImportOptions options, InferenceSession session, string sourceName)
    {
        var recorded = metadata.GetValueOrDefault(OnnxMetadata.Task) is { } t ? ParseTask(t, sourceName) : (ModelTask?)null;
        if (recorded is { } r && options.Task is { } given && r != given)
        {
            throw new ModelFileException($"'{sourceName}' says it is a {r.ToName()} model ({OnnxMetadata.Task}); --task says {given.ToName()}");
        }

        return recorded ?? options.Task ?? TaskOfOutputs(session);
    }

    private static string ChooseLabel(Dictionary<string, string> metadata, ModelImportOptions options, InputColumn[] inputs, DataTable heldOut, string sourceName)
    {
        var recorded = metadata.GetValueOrDefault(OnnxMetadata.Label);
        if (recorded is not null && options.Label is not null && recorded != options.Label)
        {
            throw new ModelFileException($"'{sourceName}' predicts '{recorded}' ({OnnxMetadata.Label}); --label says '{options.Label}'");
        }

        var label = recorded ?? options.Label;
        if (label is null)
        {
            var others = heldOut.Columns.Select(c => c.Name).Where(n => inputs.All(i => i.Name != n)).ToList();
            label = others.Count == 1 ? others[0] : throw new DataFormatException(options.HeldOutPath, 1, null, null, others.Count == 0
                ? "every column is a model input, so none can be the label; give --label"
                : $"cannot tell which column is the label: the model does not take {ColumnNames.List(others)}; give --label");
        }

        if (inputs.Any(i => i.Name == label))
        {
            throw new ModelFileException($"'{sourceName}': the label '{label}' is one of the graph's inputs");
        }

        return heldOut.Contains(label) ? label : throw new DataFormatException(options.HeldOutPath, 1, label, null,
            $"the label column does not exist; columns are: {ColumnNames.List(heldOut)}");
    }

    private static string[] LabelEncodingOf(DataTable heldOut, string label, string path)
    {
        try
        {
            return LabelEncoding.ClassesOf(heldOut[label]);
        }
        catch (DataFormatException e)
        {
            throw e.InFile(path);
        }
    }

    private static void Add(Dictionary<string, string> metadata, List<KeyValuePair<string, string>> additions, string key, string value, string sourceName)
    {
        if (!metadata.TryGetValue(key, out var existing))
        {
            additions.Add(new(key, value));
        }
        else if (existing != value)
        {
            throw new ModelFileException($"'{sourceName}': metadata {key} is '{existing}', not '{value}'");
        }
    }

    private static bool IsNumeric(NodeMetadata m) => m.IsTensor && m.ElementDataType is TensorElementType.Float or TensorElementType.Double;

    /// <summary>Values per row of a [N], [N, k] tensor (k; 1 for [N]); -1 when unknown or another rank.</summary>
    private static long Width(NodeMetadata m) => m.Dimensions.Length switch
    {
        1 => 1,
        2 => m.Dimensions[1],
        _ => -1,
    };

    /// <summary>The key type of a sequence of maps to float (ONNX-ML ZipMap), else null.</summary>
    private static TensorElementType? ZipMapKey(NodeMetadata m)
    {
        if (m.OnnxValueType != OnnxValueType.ONNX_TYPE_SEQUENCE)
        {
            return null;
        }

        var element = m.AsSequenceMetadata().ElementMeta;
        if (element.OnnxValueType != OnnxValueType.ONNX_TYPE_MAP)
        {
            return null;
        }

        var map = element.AsMapMetadata();
        return map.ValueMetadata.IsTensor && map.ValueMetadata.ElementDataType == TensorElementType.Float
            && map.KeyDataType is TensorElementType.String or TensorElementType.Int64
            ? map.KeyDataType
            : null;
    }

    private static string Describe(NodeMetadata m) => m.IsTensor
        ? $"a {m.ElementDataType.ToString().ToLowerInvariant()} tensor [{string.Join(", ", m.Dimensions.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]"
        : $"a {m.OnnxValueType.ToString().Replace("ONNX_TYPE_", "", StringComparison.Ordinal).ToLowerInvariant()}";
}
