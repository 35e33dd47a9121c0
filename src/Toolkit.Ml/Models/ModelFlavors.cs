using Toolkit.Ml.Data;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Models;

/// <summary>The kinds of model file the toolkit scores: ours, ML.NET's and ONNX.</summary>
public static class ModelFlavors
{
    /// <summary>Our own model file (<c>.tkm</c>).</summary>
    public const string Tkm = "tkm";

    /// <summary>An ML.NET model (<c>.zip</c>), with the signature and metadata we keep in it.</summary>
    public const string MlNet = "mlnet";

    /// <summary>An ONNX graph (<c>.onnx</c>) scored by ONNX Runtime.</summary>
    public const string Onnx = "onnx";

    public static IReadOnlyList<string> All { get; } = [Tkm, MlNet, Onnx];
}

/// <summary>
/// A model as every command scores it, whatever its flavor: what it expects (signature, label, classes),
/// what it is (algorithm, hyperparameters, metrics, digest) and one way to score a table. Evaluate,
/// predict, gates, registration, serving, deployment and monitoring use only this.
/// </summary>
public interface IScoringModel
{
    /// <summary>One of <see cref="ModelFlavors"/>.</summary>
    string Flavor { get; }

    string Algorithm { get; }

    ModelTask Task { get; }

    /// <summary>Name of the label column the model predicts.</summary>
    string Label { get; }

    /// <summary>For classification, the two classes; index 1 is the positive class. Null for regression.</summary>
    IReadOnlyList<string>? Classes { get; }

    /// <summary>The raw input columns the model expects (the label excluded).</summary>
    Schema Signature { get; }

    IReadOnlyDictionary<string, string> HyperParameters { get; }

    /// <summary>Metrics recorded with the model (snake_case names); empty when it carries none.</summary>
    IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>How it was trained, when the file says (a model trained elsewhere may not).</summary>
    TrainingInfo? Training { get; }

    /// <summary>The SHA-256 of the whole file (sha256:…), the identity the registry and lineage use; null only in memory.</summary>
    string? Digest { get; }

    /// <summary>The fitted Toolkit feature pipeline the model applies to raw rows first (with any team transforms), when it has one.</summary>
    Features.FeaturePipeline? Features { get; }

    /// <summary>Scores every row (columns found by name, extra columns ignored); never a non-finite score.</summary>
    Prediction Predict(DataTable data);

    /// <summary>The label column of <paramref name="data"/> encoded as the model sees it (0/1 or the target).</summary>
    double[] EncodeLabel(DataTable data);
}

/// <summary>How one flavor is recognised and read from its file.</summary>
public interface IModelFormat
{
    /// <summary>One of <see cref="ModelFlavors"/>.</summary>
    string Flavor { get; }

    /// <summary>The file extension this flavor's files carry (<c>.tkm</c>, <c>.zip</c>, <c>.onnx</c>).</summary>
    string Extension { get; }

    /// <summary>Whether a file starting with <paramref name="head"/> (up to <see cref="ModelFormats.HeadBytes"/> bytes) is of this flavor.</summary>
    bool Recognizes(ReadOnlySpan<byte> head);

    /// <summary>
    /// Reads and checks a whole model (at most <see cref="ModelFile.MaxFileBytes"/>); throws
    /// <see cref="ModelFileException"/> naming <paramref name="sourceName"/> and what is wrong.
    /// </summary>
    IScoringModel Read(Stream stream, string sourceName);
}

/// <summary>What <c>mlops model register --file F --flavor X --data held-out.csv</c> tells an importer.</summary>
public sealed record ModelImportOptions
{
    /// <summary>The label column (<c>--label</c>); null: the importer finds it (from the file's metadata or its input schema).</summary>
    public string? Label { get; init; }

    /// <summary>The task (<c>--task</c>); null: from the model itself.</summary>
    public ModelTask? Task { get; init; }

    /// <summary>The labelled held-out CSV the metrics are computed on; its label column fixes the classes.</summary>
    public required string HeldOutPath { get; init; }

    /// <summary>
    /// The columns, in order, that feed a graph's one [N, F] feature tensor (<c>--features</c>); null: the
    /// importer takes them from the file's metadata, else the held-out columns except the label.
    /// </summary>
    public IReadOnlyList<string>? Features { get; init; }
}

/// <summary>
/// A flavor whose files trained elsewhere need our metadata before they can be registered (an ML.NET zip
/// has no label or classes we can rely on): <see cref="Import"/> returns the file to register, the original
/// model plus the signature and metadata we keep in it. A format without it registers files as they are.
/// </summary>
public interface IModelImporter
{
    /// <summary>Throws <see cref="ModelFileException"/> (bad model) or <c>DataFormatException</c> (bad held-out file) naming what is wrong.</summary>
    byte[] Import(ReadOnlyMemory<byte> file, string sourceName, ModelImportOptions options, CancellationToken cancellationToken);
}
