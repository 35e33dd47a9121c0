using System.Text.Json;

namespace Toolkit.Ml.Training;

/// <summary>Progress of a long fit: the current step (iteration, tree, round) out of a total.</summary>
public readonly record struct TrainingProgress(string Stage, int Current, int Total);

/// <summary>
/// Everything a fit needs besides data and hyperparameters. Every random choice flows from
/// <see cref="Seed"/>; results must not depend on <see cref="MaxThreads"/>.
/// </summary>
public sealed record TrainContext
{
    public int Seed { get; init; }

    /// <summary>Upper bound on worker threads; defaults to all cores.</summary>
    public int MaxThreads { get; init; } = Environment.ProcessorCount;

    public IProgress<TrainingProgress>? Progress { get; init; }

    public CancellationToken CancellationToken { get; init; }
}

/// <summary>
/// The rows a model is fitted on, after the feature pipeline. For classification the label is 0 or 1
/// (index into the model's classes); for regression it is the target.
/// </summary>
public sealed record TrainingData(FeatureMatrix Features, double[] Label, ModelTask Task)
{
    /// <summary>Optional rows held out for early stopping (gradient boosting).</summary>
    public FeatureMatrix? ValidationFeatures { get; init; }

    public double[]? ValidationLabel { get; init; }
}

/// <summary>
/// A learning algorithm as the catalog knows it: its name (<c>lasso</c>, <c>random-forest</c>), the
/// hyperparameters it takes, the tasks it supports, how to fit it, and how to read back what it
/// wrote into a model file.
/// </summary>
public interface IAlgorithm
{
    /// <summary>Kebab-case name used on the command line and in pipelines.</summary>
    string Name { get; }

    string Description { get; }

    IReadOnlyList<ParameterInfo> Parameters { get; }

    bool Supports(ModelTask task);

    /// <summary>
    /// Whether the feature pipeline should standardize numeric features and impute missing values
    /// for this algorithm (linear models: yes; tree ensembles: no, they route missing values).
    /// </summary>
    bool NeedsScaledInputs { get; }

    /// <summary>Fits a model; the result also carries its training-set scores when the fit already had them.</summary>
    FitResult Fit(TrainingData data, HyperParameters parameters, TrainContext context);

    /// <summary>Reads a predictor from the JSON that <see cref="IPredictor.Write"/> produced.</summary>
    IPredictor Read(JsonElement payload, ModelTask task);
}

/// <summary>A fitted model over a <see cref="FeatureMatrix"/>.</summary>
public interface IPredictor
{
    ModelTask Task { get; }

    int FeatureCount { get; }

    /// <summary>
    /// One score per row into <paramref name="output"/>: the probability of class 1 for
    /// classification, the predicted value for regression.
    /// </summary>
    void Predict(FeatureMatrix features, Span<double> output);

    /// <summary>
    /// Writes the fitted state as one JSON object. Must be deterministic (same state, same bytes);
    /// large arrays go as base64 of little-endian values (see <see cref="PayloadArrays"/>).
    /// </summary>
    void Write(Utf8JsonWriter writer);
}
