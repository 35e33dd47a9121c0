using Toolkit.Gates;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Models;
using Toolkit.Registry;

namespace Toolkit.Cli.Commands;

/// <summary>
/// <c>mlops model register --file F [--flavor X] [--data held-out.csv] [--label L] [--task T] [--features a,b,c]</c>: the file as it will
/// be registered (its flavor recognised from its bytes; a model trained elsewhere adopted by its flavor's importer),
/// and with <c>--data</c> its metrics computed by us on the held-out rows, read in the model's signature types.
/// </summary>
internal sealed class FileRegistration : IDisposable
{
    private readonly string? _temp;

    private FileRegistration(string path, IScoringModel model, string? temp, string? originalDigest)
    {
        Path = path;
        Model = model;
        _temp = temp;
        OriginalDigest = originalDigest;
    }

    /// <summary>The file to register: the given one, or the importer's output in the scratch folder.</summary>
    public string Path { get; }

    public IScoringModel Model { get; }

    /// <summary>The given file's digest when the importer changed its bytes (what a team's own tools know it by); else null.</summary>
    public string? OriginalDigest { get; }

    /// <summary>The metrics on <c>--data</c>, once <see cref="Evaluate"/> ran.</summary>
    public Evaluation? Evaluation { get; private set; }

    /// <summary>The held-out rows <see cref="Evaluate"/> read (in the model's signature types), for the reference profile.</summary>
    private DataTable? _heldOut;

    public static FileRegistration Prepare(
        string file, string? flavor, string? heldOut, string? label, string? task, string? features, string scratch, CancellationToken cancellationToken)
    {
        var featureList = FeatureList(features, heldOut);
        ModelTask? declaredTask = null;
        if (task is not null)
        {
            try
            {
                declaredTask = ModelTaskNames.Parse(task);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--task: {ex.Message}");
            }
        }

        if (heldOut is null && (label is not null || task is not null))
        {
            throw new UsageException("--label and --task describe a model trained elsewhere: they go with --data (the held-out rows its metrics are computed on)");
        }

        var known = ModelLoader.Formats;
        if (flavor is not null && !known.All.Any(f => f.Flavor == flavor))
        {
            throw new UsageException($"--flavor '{flavor}' is not a model flavor; flavors: {string.Join(", ", known.All.Select(f => f.Flavor))}");
        }

        var bytes = ReadBounded(file);
        var format = known.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, ModelFormats.HeadBytes)))
            ?? throw new ModelFileException(
                $"'{file}' is not a model file this toolkit reads ({string.Join(", ", known.All.Select(f => $"{f.Flavor} ({f.Extension})"))}).");
        if (flavor is not null && flavor != format.Flavor)
        {
            throw new UsageException($"--flavor {flavor} contradicts '{file}': its bytes are a {format.Flavor} model ({format.Extension})");
        }

        if (format.Flavor != ModelFlavors.Tkm && heldOut is null)
        {
            throw new UsageException(
                $"'{file}' is a {format.Flavor} model: give --data (labelled held-out rows, CSV) so its metrics are computed and its gates applied before it is registered");
        }

        if (featureList is not null && format.Flavor == ModelFlavors.Tkm)
        {
            throw new UsageException($"--features names the columns of an ONNX graph's feature tensor or an ML.NET model's vector input; '{file}' is a {format.Flavor} model");
        }

        string? temp = null;
        string? originalDigest = null;
        var path = file;
        if (format is IModelImporter importer && heldOut is not null)
        {
            var imported = importer.Import(bytes, file, new ModelImportOptions { HeldOutPath = heldOut, Label = label, Task = declaredTask, Features = featureList }, cancellationToken);
            if (!imported.AsSpan().SequenceEqual(bytes))
            {
                Directory.CreateDirectory(scratch);
                temp = System.IO.Path.Combine(scratch, ModelFileNames.Of("import-" + Guid.NewGuid().ToString("N"), format.Flavor));
                File.WriteAllBytes(temp, imported);
                originalDigest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
                path = temp;
                bytes = imported;
            }
        }

        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            var model = known.Read(stream, file);
            if (label is not null && model.Label != label)
            {
                throw new UsageException($"--label {label} contradicts '{file}': the model predicts '{model.Label}'");
            }

            if (declaredTask is { } t && model.Task != t)
            {
                throw new UsageException($"--task {t.ToName()} contradicts '{file}': the model is {model.Task.ToName()}");
            }

            return new FileRegistration(path, model, temp, originalDigest);
        }
        catch
        {
            Delete(temp);
            throw;
        }
    }

    /// <summary>The metrics on the held-out rows, exactly as <c>mlops evaluate --model F --data D</c> computes them.</summary>
    public Evaluation Evaluate(string heldOut, CancellationToken cancellationToken)
    {
        var table = ModelInputs.Read(Model, heldOut, withLabel: true, cancellationToken);
        try
        {
            Evaluation = ModelEvaluator.Evaluate(Model, table);
        }
        catch (DataFormatException ex)
        {
            throw ex.InFile(heldOut);
        }

        _heldOut = table;
        return Evaluation;
    }

    /// <summary>
    /// The version's reference profile (JSON) from the <c>--data</c> rows, once <see cref="Evaluate"/> ran; null without them.
    /// They are the only rows a model trained elsewhere comes with, so they stand in for the training rows (the features)
    /// and give the held-out scores (prediction drift), scored by the model's own flavor as it will serve.
    /// </summary>
    public string? ReferenceProfile(int sampleSize, CancellationToken cancellationToken)
    {
        if (_heldOut is not { } rows)
        {
            return null;
        }

        var profile = Toolkit.Monitoring.Live.VersionProfiles.Build(Model, rows, rows, sampleSize, Toolkit.Monitoring.Live.VersionProfiles.HeldOutDataSource, cancellationToken);
        return Toolkit.Monitoring.Profiles.ProfileJson.Serialize(profile);
    }

    /// <summary>The evaluation as the report <c>gate check</c> reads (one model, the candidate).</summary>
    public EvaluationReport Report(string primaryMetric)
    {
        var evaluation = Evaluation ?? throw new InvalidOperationException("evaluate first");
        return new EvaluationReport
        {
            Task = evaluation.Task.ToName(),
            Rows = evaluation.Rows,
            PrimaryMetric = primaryMetric,
            Models =
            [
                new EvaluatedModel
                {
                    Index = 0,
                    Algorithm = Model.Algorithm,
                    Digest = Model.Digest!,
                    Metrics = evaluation.Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? m.Value : (double?)null, StringComparer.Ordinal),
                },
            ],
            Best = 0,
        };
    }

    public void Dispose() => Delete(_temp);

    /// <summary><c>--features a,b,c</c>: the columns, in order, that feed an ONNX graph's one [N, F] input; it goes with --data.</summary>
    private static string[]? FeatureList(string? features, string? heldOut)
    {
        if (features is null)
        {
            return null;
        }

        if (heldOut is null)
        {
            throw new UsageException("--features describes a model trained elsewhere: it goes with --data (the held-out rows that hold those columns)");
        }

        var names = features.Split(',', StringSplitOptions.TrimEntries);
        return names.All(n => n.Length > 0)
            ? names
            : throw new UsageException($"--features '{features}': give column names separated by commas, none empty");
    }

    private static byte[] ReadBounded(string file)
    {
        var length = new FileInfo(file).Length;
        if (length > ModelFile.MaxFileBytes)
        {
            throw new ModelFileException($"'{file}' is larger than {ModelFile.MaxFileBytes / (1024 * 1024)} MiB; not a model file this toolkit reads.");
        }

        return File.ReadAllBytes(file);
    }

    private static void Delete(string? path)
    {
        if (path is not null && File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
