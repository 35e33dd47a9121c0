using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Models;

/// <summary>Facts about how a model was trained, stored in its file.</summary>
public sealed record TrainingInfo
{
    public required long Rows { get; init; }

    public required int Seed { get; init; }

    public required string DataDigest { get; init; }

    public required int FeatureCount { get; init; }

    public required string ToolkitVersion { get; init; }
}

/// <summary>What a model predicted for a table: scores, and for classification the predicted classes.</summary>
public sealed record Prediction(double[] Scores, string[]? Classes)
{
    /// <summary>
    /// A prediction from one score per row, the same for every flavor: a non-finite score is refused naming its row (it
    /// would be written as an empty cell); a classifier's class is <c>classes[1]</c> when the score is at least 0.5.
    /// </summary>
    public static Prediction FromScores(double[] scores, ModelTask task, IReadOnlyList<string>? classes)
    {
        ArgumentNullException.ThrowIfNull(scores);
        for (var i = 0; i < scores.Length; i++)
        {
            if (!double.IsFinite(scores[i]))
            {
                throw new DataFormatException(null, null, null, null, string.Create(CultureInfo.InvariantCulture,
                    $"the model's score for data row {i + 1} is {scores[i]:R}, not a number; its inputs are outside what the model can score"));
            }
        }

        if (task != ModelTask.BinaryClassification)
        {
            return new Prediction(scores, null);
        }

        ArgumentNullException.ThrowIfNull(classes);
        var predicted = new string[scores.Length];
        for (var i = 0; i < scores.Length; i++)
        {
            predicted[i] = classes[scores[i] >= 0.5 ? 1 : 0];
        }

        return new Prediction(scores, predicted);
    }

    /// <summary>The <paramref name="label"/> column of <paramref name="data"/> encoded as a model of this task and classes sees it.</summary>
    public static double[] EncodeLabel(DataTable data, string label, ModelTask task, IReadOnlyList<string>? classes)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.Contains(label))
        {
            throw new DataFormatException(null, null, label, null,
                $"the label column does not exist; columns are: {ColumnNames.List(data)}");
        }

        return LabelEncoding.Encode(data[label], task, classes);
    }
}

/// <summary>
/// A trained model: the input signature, the fitted feature pipeline and the fitted predictor, with
/// the algorithm, hyperparameters, training facts and metrics that a model file carries.
/// </summary>
public sealed class Model : IScoringModel
{
    public const int FormatVersion = 1;

    internal Model(
        string algorithm,
        ModelTask task,
        string label,
        IReadOnlyList<string>? classes,
        IReadOnlyDictionary<string, string> hyperParameters,
        FeaturePipeline features,
        IPredictor predictor,
        TrainingInfo training,
        IReadOnlyDictionary<string, double> metrics)
    {
        Algorithm = algorithm;
        Task = task;
        Label = label;
        Classes = classes;
        HyperParameters = hyperParameters;
        Features = features;
        Predictor = predictor;
        Training = training;
        Metrics = metrics;
    }

    public string Flavor => ModelFlavors.Tkm;

    public string Algorithm { get; }

    public ModelTask Task { get; }

    /// <summary>Name of the label column the model was trained to predict.</summary>
    public string Label { get; }

    /// <summary>For classification, the two classes; index 1 is the positive class.</summary>
    public IReadOnlyList<string>? Classes { get; }

    public IReadOnlyDictionary<string, string> HyperParameters { get; }

    /// <summary>The model's signature: the raw input columns it expects.</summary>
    public Schema Signature => Features.InputSchema;

    public FeaturePipeline Features { get; }

    public IPredictor Predictor { get; }

    public TrainingInfo Training { get; }

    /// <summary>Metrics measured at training time (on the training rows), snake_case names.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>The file digest once saved or loaded (sha256:…); null for a model only in memory.</summary>
    public string? Digest { get; internal set; }

    /// <summary>Scores every row of <paramref name="data"/> (columns found by name; extra columns ignored).</summary>
    public Prediction Predict(DataTable data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var x = Features.Transform(data);
        var scores = new double[x.RowCount];
        Predictor.Predict(x, scores);
        return Prediction.FromScores(scores, Task, Classes);
    }

    /// <summary>The label column of <paramref name="data"/> encoded as the trainer saw it.</summary>
    public double[] EncodeLabel(DataTable data) => Prediction.EncodeLabel(data, Label, Task, Classes);

    internal static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
