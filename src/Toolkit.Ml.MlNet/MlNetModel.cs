using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.MlNet;

/// <summary>
/// An mlnet-flavor model: ML.NET's transformer plus our <c>toolkit.json</c>. A model our pipeline trained
/// scores through our fitted feature pipeline into ML.NET's "Features" vector; an imported one gives the
/// raw columns to the team's own ML.NET transforms. Either way the score is ML.NET's Probability (binary
/// classification) or Score (regression).
/// </summary>
public sealed class MlNetModel : IScoringModel, IFeatureTensorModel
{
    internal const string ProbabilityColumn = "Probability";
    internal const string ScoreColumn = "Score";

    private readonly ToolkitMetadata _meta;

    private MlNetModel(ToolkitMetadata meta, MLContext ml, ITransformer transformer, DataViewSchema inputSchema, byte[] file)
    {
        _meta = meta;
        Context = ml;
        Transformer = transformer;
        InputSchema = inputSchema;
        FileBytes = file;
        Digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(file));
    }

    public string Flavor => ModelFlavors.MlNet;

    public string Algorithm => _meta.Algorithm;

    public ModelTask Task => _meta.Task;

    public string Label => _meta.Label;

    public IReadOnlyList<string>? Classes => _meta.Classes;

    public Schema Signature => _meta.Signature;

    public IReadOnlyDictionary<string, string> HyperParameters => _meta.HyperParameters;

    public IReadOnlyDictionary<string, double> Metrics => _meta.Metrics;

    public TrainingInfo? Training => _meta.Training;

    public string? Digest { get; }

    /// <summary>
    /// An imported model whose only input is one vector (its signature is that vector's columns): the vector's
    /// name, so a v2 client may send the one [n, F] tensor ML.NET's own callers build.
    /// </summary>
    public string? FeatureTensorName => _meta.Vector is { } v && v.Columns.Count == Signature.Count ? v.Name : null;

    /// <summary>The fitted Toolkit feature pipeline of a pipeline-trained model; null for an imported one.</summary>
    public FeaturePipeline? Features => _meta.Features;

    /// <summary>The whole file (what <see cref="Digest"/> is the hash of).</summary>
    internal byte[] FileBytes { get; }

    internal MLContext Context { get; }

    internal ITransformer Transformer { get; }

    /// <summary>The input schema ML.NET saved with the transformer.</summary>
    internal DataViewSchema InputSchema { get; }

    /// <summary>Writes the file beside <paramref name="path"/> then renames it, so a reader never sees half a model.</summary>
    public void Save(string path, CancellationToken cancellationToken = default)
    {
        ModelFile.SaveAtomically(path, stream => stream.Write(FileBytes), cancellationToken);
    }

    public Prediction Predict(DataTable data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var view = Features is { } features ? PipelineView(features, data) : RawView(data);
        return Prediction.FromScores(Score(Transformer, view, Task), Task, Classes);
    }

    public double[] EncodeLabel(DataTable data) => Prediction.EncodeLabel(data, Label, Task, Classes);

    /// <summary>Reads and checks an mlnet-flavor file (ML.NET's entries plus toolkit.json).</summary>
    internal static MlNetModel FromFile(byte[] file, string sourceName, ZipLimits limits)
    {
        var entries = ModelZip.ReadEntries(file, sourceName, limits);
        if (!entries.TryGetValue(ToolkitMetadata.EntryName, out var json))
        {
            throw new ModelFileException(LooksLikeMlNet(entries)
                ? $"'{sourceName}' is an ML.NET model without {ToolkitMetadata.EntryName} (trained outside the toolkit): import it first with " +
                  $"mlops model register --file {sourceName} --flavor mlnet --data held-out.csv [--label COLUMN]."
                : $"'{sourceName}' is a zip but not an ML.NET model (no ML.NET entries, no {ToolkitMetadata.EntryName}).");
        }

        ToolkitMetadata meta;
        try
        {
            meta = ToolkitMetadata.Parse(json);
        }
        catch (FormatException ex)
        {
            throw new ModelFileException($"'{sourceName}' is not a Toolkit ML.NET model: {ex.Message}.", ex);
        }

        var (ml, transformer, inputSchema) = LoadMlNet(entries, sourceName);
        var model = new MlNetModel(meta, ml, transformer, inputSchema, file);
        model.Check(sourceName);
        return model;
    }

    /// <summary>A model from ML.NET's entries and our metadata (training and import build the file this way).</summary>
    internal static MlNetModel Create(SortedDictionary<string, byte[]> mlnetEntries, ToolkitMetadata meta, string sourceName)
    {
        var entries = new SortedDictionary<string, byte[]>(mlnetEntries, StringComparer.Ordinal)
        {
            [ToolkitMetadata.EntryName] = meta.ToJson(),
        };
        return FromFile(ModelZip.Write(entries), sourceName, ZipLimits.Default);
    }

    /// <summary>ML.NET's transformer from the zip's entries (all but toolkit.json), repacked so that ML.NET only sees bounded, checked bytes.</summary>
    internal static (MLContext Ml, ITransformer Transformer, DataViewSchema InputSchema) LoadMlNet(
        IReadOnlyDictionary<string, byte[]> entries, string sourceName)
    {
        if (!LooksLikeMlNet(entries))
        {
            throw new ModelFileException($"'{sourceName}' is a zip but not an ML.NET model (it has no ML.NET model entries).");
        }

        var ml = new MLContext(seed: 0);
        var mlnet = ModelZip.Write(entries.Where(e => e.Key != ToolkitMetadata.EntryName), CompressionLevel.NoCompression);
        try
        {
            using var stream = new MemoryStream(mlnet, writable: false);
            var transformer = ml.Model.Load(stream, out var inputSchema);
            return inputSchema is null
                ? throw new ModelFileException($"'{sourceName}' is an ML.NET model saved without its input schema; save it with mlContext.Model.Save(model, inputSchema, path).")
                : (ml, transformer, inputSchema);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or InvalidDataException or ArgumentException
            or EndOfStreamException or IOException or NotSupportedException or KeyNotFoundException or IndexOutOfRangeException
            or OverflowException or NullReferenceException or TypeLoadException)
        {
            throw new ModelFileException($"'{sourceName}' is not an ML.NET model ML.NET can load: {ex.Message}", ex);
        }
    }

    /// <summary>ML.NET writes a Model.key beside every saved object.</summary>
    internal static bool LooksLikeMlNet(IReadOnlyDictionary<string, byte[]> entries) =>
        entries.Keys.Any(k => k == "Model.key" || k.EndsWith("/Model.key", StringComparison.Ordinal));

    /// <summary>The column of scores ML.NET's output has for <paramref name="task"/>, one double per row.</summary>
    internal static double[] Score(ITransformer transformer, IDataView view, ModelTask task)
    {
        var scored = transformer.Transform(view);
        var name = task == ModelTask.BinaryClassification ? ProbabilityColumn : ScoreColumn;
        var column = scored.Schema.GetColumnOrNull(name)
            ?? throw new ModelFileException($"the ML.NET model gives no '{name}' column");
        var rows = view.GetRowCount() ?? 0;
        var scores = new double[rows];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<float>(column);
        float value = 0;
        var i = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            scores[i++] = value;
        }

        return scores;
    }

    private void Check(string sourceName)
    {
        DataViewSchema output;
        try
        {
            output = Transformer.GetOutputSchema(InputSchema);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new ModelFileException($"'{sourceName}': the ML.NET model does not accept its own saved input schema: {ex.Message}", ex);
        }

        var scoreName = Task == ModelTask.BinaryClassification ? ProbabilityColumn : ScoreColumn;
        if (output.GetColumnOrNull(scoreName) is not { } score || score.Type != NumberDataViewType.Single)
        {
            throw new ModelFileException($"'{sourceName}' says it is {Task.ToName()}, but its ML.NET model gives no Single '{scoreName}' column.");
        }

        if (Features is { } features)
        {
            if (InputSchema.GetColumnOrNull(MlNetAlgorithm.FeaturesColumn) is not { Type: VectorDataViewType v }
                || v.ItemType != NumberDataViewType.Single || v.Size != features.OutputCount)
            {
                throw new ModelFileException(
                    $"'{sourceName}': its feature pipeline makes {features.OutputCount} features, but its ML.NET model does not take a Single vector 'Features' of that size.");
            }

            return;
        }

        if (_meta.Vector is { } vector && (InputSchema.GetColumnOrNull(vector.Name) is not { Type: VectorDataViewType vt }
            || !vt.IsKnownSize || vt.Size != vector.Columns.Count || (vt.ItemType != NumberDataViewType.Single && vt.ItemType != NumberDataViewType.Double)))
        {
            throw new ModelFileException(string.Create(CultureInfo.InvariantCulture,
                $"'{sourceName}': {vector.Columns.Count} columns fill its vector input '{vector.Name}', but its ML.NET model has no Single or Double vector input of that name and size."));
        }

        foreach (var c in Signature.Columns)
        {
            if (_meta.Vector?.Columns.Contains(c.Name) == true)
            {
                continue;
            }

            if (InputSchema.GetColumnOrNull(_meta.InputOf(c.Name)) is null)
            {
                throw new ModelFileException(_meta.InputOf(c.Name) == c.Name
                    ? $"'{sourceName}': its signature column '{c.Name}' is not an input of its ML.NET model."
                    : $"'{sourceName}': its signature column '{c.Name}' feeds '{_meta.InputOf(c.Name)}', which is not an input of its ML.NET model.");
            }
        }
    }

    private static ColumnsDataView PipelineView(FeaturePipeline features, DataTable data)
    {
        var x = features.Transform(data);
        return new ColumnsDataView(x.RowCount, [ViewColumn.Features(MlNetAlgorithm.FeaturesColumn, x)]);
    }

    /// <summary>
    /// The raw columns in the types the imported model's input schema names, each from the signature column
    /// that feeds it; an input no signature column feeds (its label, under any name) gets default values.
    /// </summary>
    private ColumnsDataView RawView(DataTable data)
    {
        var vector = _meta.Vector;
        var fed = Signature.Columns.Where(c => vector?.Columns.Contains(c.Name) != true)
            .ToDictionary(c => _meta.InputOf(c.Name), c => c.Name, StringComparer.Ordinal);
        var columns = new List<ViewColumn>();
        foreach (var input in InputSchema)
        {
            if (input.IsHidden)
            {
                continue;
            }

            if (vector is not null && input.Name == vector.Name)
            {
                columns.Add(RawColumns.Vector(data, vector.Columns, input));
                continue;
            }

            if (!fed.TryGetValue(input.Name, out var name))
            {
                columns.Add(RawColumns.Default(input, data.RowCount));
                continue;
            }

            if (!data.Contains(name))
            {
                throw new DataFormatException(null, null, name, null,
                    $"the column does not exist; the model needs it; columns are: {ColumnNames.List(data)}");
            }

            columns.Add(RawColumns.Convert(data[name], input));
        }

        return new ColumnsDataView(data.RowCount, columns);
    }
}
