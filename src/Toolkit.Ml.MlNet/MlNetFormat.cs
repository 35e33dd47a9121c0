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

        var inputs = ScalarInputs(inputSchema, sourceName);
        var label = options.Label ?? FindLabel(transformer, inputSchema, inputs, sourceName);
        if (!inputs.Any(c => c.Name == label))
        {
            throw new ModelFileException(
                $"'{sourceName}': the label '{label}' is not an input column of the ML.NET model; its inputs: {string.Join(", ", inputs.Select(c => c.Name))}.");
        }

        var signature = new Schema(inputs.Where(c => c.Name != label)
            .Select(c => new ColumnSchema(c.Name, RawColumns.SignatureType(c.Type)!.Value, ColumnRole.Feature)));

        // The held-out rows fix the classes (sorted, as LabelEncoding orders them: the second is what ML.NET's true means).
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

    /// <summary>The visible input columns; each must be a scalar we can give from a CSV.</summary>
    private static List<DataViewSchema.Column> ScalarInputs(DataViewSchema inputSchema, string sourceName)
    {
        var inputs = new List<DataViewSchema.Column>();
        foreach (var c in inputSchema)
        {
            if (c.IsHidden)
            {
                continue;
            }

            if (RawColumns.SignatureType(c.Type) is null)
            {
                throw new ModelFileException(
                    $"'{sourceName}': input column '{c.Name}' is {c.Type}; an imported ML.NET model's inputs must be scalar Single, Double, Int32, Boolean or Text columns.");
            }

            inputs.Add(c);
        }

        return inputs;
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
