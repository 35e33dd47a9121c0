using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.MlNet;

/// <summary>
/// The mlnet flavor: a zip (<c>PK\x03\x04</c>) of ML.NET's saved model plus our <c>toolkit.json</c>. A zip a
/// team saved with plain ML.NET is adopted by <see cref="Import"/>: signature from its input schema, label and
/// task from its schemas, classes from the held-out file, then rewritten with toolkit.json added.
/// </summary>
public sealed class MlNetFormat : IModelFormat, IModelImporter
{
    /// <summary>An imported model's algorithm: trained by the team's own ML.NET code.</summary>
    public const string ImportedAlgorithm = "mlnet-imported";

    private readonly ZipLimits _limits;

    internal MlNetFormat(ZipLimits limits)
    {
        _limits = limits;
    }

    public static MlNetFormat Instance { get; } = new(ZipLimits.Default);

    public string Flavor => ModelFlavors.MlNet;

    public string Extension => ".zip";

    public bool Recognizes(ReadOnlySpan<byte> head) => head.StartsWith("PK\x03\x04"u8);

    public IScoringModel Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadModel(ModelZip.ReadBounded(stream, sourceName), sourceName);
    }

    /// <summary>As <see cref="Read"/>, typed.</summary>
    public MlNetModel ReadModel(byte[] file, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!Recognizes(file.AsSpan(0, Math.Min(file.Length, ModelFormats.HeadBytes))))
        {
            throw new ModelFileException($"'{sourceName}' is not a zip (an mlnet model is ML.NET's zip).");
        }

        return MlNetModel.FromFile(file, sourceName, _limits);
    }

    public byte[] Import(ReadOnlyMemory<byte> file, string sourceName, ModelImportOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bytes = file.ToArray();
        if (bytes.Length > ModelFile.MaxFileBytes)
        {
            throw new ModelFileException($"'{sourceName}' is larger than {ModelFile.MaxFileBytes / (1024 * 1024)} MiB; not a model file this toolkit reads.");
        }

        if (!Recognizes(bytes.AsSpan(0, Math.Min(bytes.Length, ModelFormats.HeadBytes))))
        {
            throw new ModelFileException($"'{sourceName}' is not a zip (an ML.NET model is the zip mlContext.Model.Save writes).");
        }

        var entries = ModelZip.ReadEntries(bytes, sourceName, _limits);
        if (entries.ContainsKey(ToolkitMetadata.EntryName))
        {
            // Already ours (trained by the toolkit or imported before): registered as it is, once it reads.
            MlNetModel.FromFile(bytes, sourceName, _limits);
            return bytes;
        }

        var (_, transformer, inputSchema) = MlNetModel.LoadMlNet(entries, sourceName);
        cancellationToken.ThrowIfCancellationRequested();
        var output = OutputSchema(transformer, inputSchema, sourceName);
        var task = output.GetColumnOrNull(MlNetModel.ProbabilityColumn) is not null ? ModelTask.BinaryClassification
            : output.GetColumnOrNull(MlNetModel.ScoreColumn) is not null ? ModelTask.Regression
            : throw new ModelFileException($"'{sourceName}': its ML.NET model gives neither a Probability (binary classification) nor a Score (regression) column.");
        if (options.Task is { } declared && declared != task)
        {
            throw new ModelFileException(
                $"'{sourceName}' was declared {declared.ToName()} (--task), but its ML.NET model's output is {task.ToName()} ({(task == ModelTask.BinaryClassification ? "it has a Probability column" : "it has a Score and no Probability column")}).");
        }

        var (inputs, vector) = Inputs(inputSchema, sourceName);
        if (vector is null && options.Features is not null)
        {
            throw new ModelFileException(
                $"'{sourceName}': --features names the columns that fill an ML.NET model's one vector input, but this model's inputs are scalar ({string.Join(", ", inputs.Select(c => c.Name))}); leave --features out (each input is fed by the column of its name).");
        }

        var header = CsvReader.ReadHeader(options.HeldOutPath, cancellationToken);

        // The label as the held-out file spells it: a model trained on "Diabetes" is checked on a file's "diabetes".
        var label = options.Label;
        if (label is null)
        {
            var found = FindLabel(transformer, inputSchema, inputs, sourceName);
            label = FileName(header, found) ?? found;
        }

        var signatureInputs = inputs.Where(c => c.Name != label).ToList();
        if (!inputs.Any(c => c.Name == label))
        {
            // The file's label is the model's under another name (ML.NET's trainers read "Label"): the inputs
            // scoring never reads are that name, filled with defaults when scored.
            var unread = inputs.Where(c => !Consumes(transformer, inputSchema, c)).ToList();
            if (unread.Count == 0)
            {
                throw new ModelFileException(
                    $"'{sourceName}': the label '{label}' is not an input column of the ML.NET model, and every input is read when scoring, so none is its label under another name; its inputs: {string.Join(", ", inputs.Select(c => c.Name))}.");
            }

            signatureInputs = [.. signatureInputs.Except(unread)];
        }

        // Each input named as the file names it when only the case differs (C# properties are PascalCase, data files often are not).
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new HashSet<string>([label, .. signatureInputs.Select(c => c.Name).Where(header.Contains)], StringComparer.Ordinal);
        foreach (var c in signatureInputs.Where(c => !header.Contains(c.Name)))
        {
            if (FileName(header, c.Name) is { } name && taken.Add(name))
            {
                names[c.Name] = name;
            }
        }

        var scalarColumns = signatureInputs
            .Select(c => new ColumnSchema(names.GetValueOrDefault(c.Name, c.Name), RawColumns.SignatureType(c.Type)!.Value, ColumnRole.Feature)).ToList();
        VectorInput? vectorInput = null;
        if (vector is not null)
        {
            var slots = VectorColumns(vector.Value, header, label, scalarColumns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal), options, sourceName);
            vectorInput = new VectorInput(vector.Value.Name, slots);
            var type = ((VectorDataViewType)vector.Value.Type).ItemType == NumberDataViewType.Single ? ColumnType.Float32 : ColumnType.Float64;
            scalarColumns.AddRange(slots.Select(n => new ColumnSchema(n, type, ColumnRole.Feature)));
        }

        var signature = new Schema(scalarColumns);

        // The held-out rows fix the classes (sorted, as LabelEncoding orders them: the second is what ML.NET's true means).
        if (MissingColumn(options, header, label, signature, sourceName) is { } missing)
        {
            throw missing;
        }

        var heldOut = CsvReader.Read(options.HeldOutPath, new CsvReadOptions
        {
            Label = label,
            ColumnTypes = signature.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal),
        }, cancellationToken);
        if (heldOut.RowCount == 0)
        {
            throw new DataFormatException(options.HeldOutPath, null, null, null, "the file has a header but no data rows");
        }

        IReadOnlyList<string>? classes;
        try
        {
            classes = task == ModelTask.BinaryClassification ? LabelEncoding.ClassesOf(heldOut[label]) : null;
            LabelEncoding.Encode(heldOut[label], task, classes);
        }
        catch (DataFormatException ex)
        {
            throw ex.InFile(options.HeldOutPath);
        }

        var meta = new ToolkitMetadata
        {
            Algorithm = ImportedAlgorithm,
            Task = task,
            Label = label,
            Classes = classes,
            Signature = signature,
            Inputs = new SortedDictionary<string, string>(names.ToDictionary(n => n.Value, n => n.Key), StringComparer.Ordinal),
            Vector = vectorInput,
        };
        var model = MlNetModel.Create(entries, meta, sourceName);
        try
        {
            // Scored once here, so a model that cannot score the team's own rows is refused now, not in production.
            model.Predict(heldOut);
        }
        catch (DataFormatException ex)
        {
            throw ex.InFile(options.HeldOutPath);
        }

        return model.FileBytes;
    }

    /// <summary>
    /// When the held-out file's header lacks the label or an input the model was saved with, the error that says
    /// which and how to fix it (a name differing only in case, --label); null when every column is there.
    /// </summary>
    private static DataFormatException? MissingColumn(ModelImportOptions options, IReadOnlyList<string> header, string label, Schema signature, string sourceName)
    {
        var path = options.HeldOutPath;
        var columns = ColumnNames.List(header);
        string Near(string name) => header.Where(h => h.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList() is { Count: > 0 } near
            ? $" (the file has {string.Join(" and ", near.Select(n => $"'{n}'"))}: names are case-sensitive, and it is not the only column or input spelled so but for case)"
            : "";
        if (!header.Contains(label))
        {
            var hint = options.Label is null
                ? $"'{label}' is the model's own label input; pass --label with the file's label column"
                : "--label names it";
            return new DataFormatException(path, 1, label, null, $"the file has no label column '{label}' ({hint}); columns are: {columns}");
        }

        var absent = signature.Columns.FirstOrDefault(c => !header.Contains(c.Name));
        return absent is null
            ? null
            : new DataFormatException(path, 1, absent.Name, null,
                $"the file has no column '{absent.Name}', an input of the ML.NET model '{sourceName}'{Near(absent.Name)}; columns are: {columns}");
    }

    /// <summary>The header's column named <paramref name="name"/>, or the one column named so but for case; null when none or several.</summary>
    private static string? FileName(IReadOnlyList<string> header, string name)
    {
        if (header.Contains(name, StringComparer.Ordinal))
        {
            return name;
        }

        var near = header.Where(h => h.Equals(name, StringComparison.OrdinalIgnoreCase)).Take(2).ToList();
        return near.Count == 1 ? near[0] : null;
    }

    private static DataViewSchema OutputSchema(ITransformer transformer, DataViewSchema inputSchema, string sourceName)
    {
        try
        {
            return transformer.GetOutputSchema(inputSchema);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new ModelFileException($"'{sourceName}': the ML.NET model does not accept its own saved input schema: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The visible input columns: scalars we can give from a CSV, and at most one numeric vector of known size
    /// (a <c>[VectorType]</c> property or a TextLoader column range), whose slots CSV columns fill.
    /// </summary>
    private static (List<DataViewSchema.Column> Scalars, DataViewSchema.Column? Vector) Inputs(DataViewSchema inputSchema, string sourceName)
    {
        var inputs = new List<DataViewSchema.Column>();
        DataViewSchema.Column? vector = null;
        foreach (var c in inputSchema)
        {
            if (c.IsHidden)
            {
                continue;
            }

            if (RawColumns.SignatureType(c.Type) is not null)
            {
                inputs.Add(c);
                continue;
            }

            if (c.Type is not VectorDataViewType { IsKnownSize: true } v || (v.ItemType != NumberDataViewType.Single && v.ItemType != NumberDataViewType.Double))
            {
                throw new ModelFileException(
                    $"'{sourceName}': input column '{c.Name}' is {c.Type}; an imported ML.NET model's inputs must be scalar Single, Double, Int32, Boolean or Text columns, or one Single or Double vector of known size.");
            }

            if (vector is { } first)
            {
                throw new ModelFileException(
                    $"'{sourceName}': inputs '{first.Name}' and '{c.Name}' are both vectors; an imported ML.NET model may take one vector input (its slots filled by CSV columns).");
            }

            vector = c;
        }

        return (inputs, vector);
    }

    /// <summary>
    /// The held-out columns that fill the vector input's slots, in order: <c>--features</c>, else the slot names the
    /// model was saved with, else every header column but the label and the scalar inputs, in file order.
    /// </summary>
    private static List<string> VectorColumns(DataViewSchema.Column vector, IReadOnlyList<string> header, string label, ISet<string> scalars, ModelImportOptions options, string sourceName)
    {
        var size = ((VectorDataViewType)vector.Type).Size;
        List<string>? slots = null;
        if (vector.HasSlotNames())
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            vector.GetSlotNames(ref names);
            slots = [.. names.DenseValues().Select(n => n.ToString())];
            slots = slots.Count == size && slots.All(n => n.Length > 0) ? slots : null;
        }

        if (slots is not null && options.Features is { } given && !slots.SequenceEqual(given, StringComparer.Ordinal))
        {
            throw new ModelFileException($"'{sourceName}': its vector input '{vector.Name}' names its slots {string.Join(",", slots)}; --features says {string.Join(",", given)}.");
        }

        var source = options.Features is not null ? "--features" : slots is not null ? $"the slot names of '{vector.Name}'" : null;
        List<string> columns = [.. options.Features ?? slots ?? header.Where(h => h != label && !scalars.Contains(h))];
        var path = options.HeldOutPath;
        if (columns.Count != size)
        {
            throw source is null
                ? new DataFormatException(path, 1, null, null, string.Create(CultureInfo.InvariantCulture,
                    $"the vector input '{vector.Name}' of '{sourceName}' takes {size} values per row, but the file has {columns.Count} columns besides the label and the other inputs ({ColumnNames.List(columns)}); give --features with the {size} that fill it, in order"))
                : new ModelFileException(string.Create(CultureInfo.InvariantCulture,
                    $"'{sourceName}': its vector input '{vector.Name}' takes {size} values per row, but {source} names {columns.Count} columns."));
        }

        FeatureColumns.Check(columns, source, label, header, path, $"the vector input '{vector.Name}'", sourceName);
        if (columns.FirstOrDefault(scalars.Contains) is { } taken)
        {
            throw new DataFormatException(path, 1, taken, null, $"{source} names a column that already feeds the model's input of that name");
        }

        return columns;
    }

    /// <summary>
    /// The label when --label is not given: the one input the transforms do not consume (the model still
    /// scores without it), else the one named Label, else the one Boolean input.
    /// </summary>
    private static string FindLabel(ITransformer transformer, DataViewSchema inputSchema, List<DataViewSchema.Column> inputs, string sourceName)
    {
        var unused = inputs.Where(c => !Consumes(transformer, inputSchema, c)).ToList();
        if (unused.Count == 1)
        {
            return unused[0].Name;
        }

        var candidates = unused.Count > 0 ? unused : inputs;
        var named = candidates.FindIndex(c => c.Name.Equals("Label", StringComparison.OrdinalIgnoreCase));
        if (named >= 0)
        {
            return candidates[named].Name;
        }

        var booleans = candidates.Where(c => c.Type is BooleanDataViewType).ToList();
        return booleans.Count == 1
            ? booleans[0].Name
            : throw new ModelFileException(
                $"'{sourceName}': cannot tell which input column is the label (candidates: {string.Join(", ", candidates.Select(c => c.Name))}); pass --label.");
    }

    private static bool Consumes(ITransformer transformer, DataViewSchema inputSchema, DataViewSchema.Column column)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var c in inputSchema)
        {
            if (c.Index != column.Index)
            {
                builder.AddColumn(c.Name, c.Type, c.Annotations);
            }
        }

        try
        {
            transformer.GetOutputSchema(builder.ToSchema());
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return true;
        }
    }
}
