using System.Globalization;
using Toolkit.Components.Features;
using Toolkit.Ml.MlNet;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Train;

/// <summary>
/// <c>train/mlnet-&lt;trainer&gt;</c>: an ML.NET trainer with the inputs, outputs and parameters of
/// <see cref="TrainComponent"/>; our feature pipeline (fitted here, or the given one) feeds ML.NET, and
/// the output is an mlnet-flavor zip.
/// </summary>
internal sealed class MlNetTrainComponent : IComponent
{
    private static readonly string[] OwnParameters = ["label", "seed", "task", "ignore"];
    private readonly MlNetAlgorithm _algorithm;

    public MlNetTrainComponent(MlNetAlgorithm algorithm)
    {
        _algorithm = algorithm;
        Descriptor = new ComponentDescriptor
        {
            Name = "train/" + algorithm.Name,
            Version = "1",
            Description = $"Trains {algorithm.Name}: {algorithm.Description}",
            Inputs =
            [
                new ComponentPort("train", "dataset", "the training rows (or x_train and y_train)") { Required = false },
                new ComponentPort("x_train", "dataset", "the training rows' features (data/split-xy), with y_train") { Required = false },
                new ComponentPort("y_train", "dataset", "the training rows' label (data/split-xy), with x_train") { Required = false },
                new ComponentPort("features", "features", "a fitted feature pipeline (features/fit); default: fit one for the trainer") { Required = false },
            ],
            Outputs = [new ComponentPort("model", "model", "the model file (ML.NET zip with toolkit.json, flavor mlnet)")],
            Parameters =
            [
                new ComponentParameter("label", ParameterType.String, "the column to predict") { Required = true },
                new ComponentParameter("seed", ParameterType.Integer, "random seed") { Default = "42" },
                new ComponentParameter("task", ParameterType.String, "binary-classification or regression (default: from the label)") { Choices = [ModelTaskNames.BinaryClassification, ModelTaskNames.Regression] },
                new ComponentParameter("ignore", ParameterType.String, "comma-separated columns to leave out"),
                .. algorithm.Parameters.Select(TrainComponent.ToComponentParameter),
            ],
            OpenValues = true,
        };
    }

    public ComponentDescriptor Descriptor { get; }

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var label = ComponentArgs.Text(context, Descriptor, "label");
        var hyper = context.Parameters
            .Where(p => !OwnParameters.Contains(p.Key) && p.Value.Length > 0)
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var table = context.Inputs.TryGetValue("train", out var train) && train.Count > 0
            ? ComponentArgs.ReadDataset(train[0], label, cancellationToken)
            : ComponentArgs.ReadXy(context, Descriptor, "train", "x_train", "y_train", label, null, cancellationToken);
        var features = context.Inputs.TryGetValue("features", out var f) && f.Count > 0 ? FeaturePipelineFile.Load(f[0]) : null;
        var request = new TrainRequest
        {
            Algorithm = _algorithm.Name,
            Label = label,
            Parameters = hyper,
            Task = ComponentArgs.OptionalText(context, "task") is { } t ? ModelTaskNames.Parse(t) : null,
            Ignore = ComponentArgs.OptionalText(context, "ignore")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            Features = features,
        };

        // ML.NET's thread count is the trainer's own `threads` parameter (fixed, so the bytes do not depend on the machine), not MaxThreads.
        var model = MlNetTrainer.Train(table, request, new TrainContext
        {
            Seed = ComponentArgs.Int(context, Descriptor, "seed"),
            MaxThreads = context.MaxThreads,
            CancellationToken = cancellationToken,
            Progress = new TrainComponent.Progress(context.Log),
        });
        model.Save(context.Output("model"), cancellationToken);
        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {model.Algorithm} ({model.Task.ToName()}) on {model.Training!.Rows} rows x {model.Training.FeatureCount} features: {model.Digest}"));
        return Task.FromResult(new ComponentResult { Values = model.Metrics.Where(m => double.IsFinite(m.Value)).ToDictionary() });
    }
}
