using Toolkit.Ml.Features;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Models;

/// <summary>What to train: algorithm, label, hyperparameters and optionally the task and ignored columns.</summary>
public sealed record TrainRequest
{
    public required string Algorithm { get; init; }

    public required string Label { get; init; }

    /// <summary>Hyperparameters as given by the user (<c>--param k=v</c>, <c>with:</c>); validated against the algorithm.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>The task; inferred from the label when null (text or two distinct values: classification).</summary>
    public ModelTask? Task { get; init; }

    /// <summary>A feature pipeline already fitted on the training rows (the <c>features/fit</c> step); null: fit one for the algorithm.</summary>
    public FeaturePipeline? Features { get; init; }

    /// <summary>Team transforms to fit first when the trainer fits its own pipeline (<see cref="Features"/> is null).</summary>
    public IReadOnlyList<TransformFit> Transforms { get; init; } = [];

    /// <summary>Columns that are neither features nor label (ids, timestamps).</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];
}
