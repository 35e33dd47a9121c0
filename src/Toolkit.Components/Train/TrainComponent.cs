using System.Globalization;
using Toolkit.Components.Features;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Train;

/// <summary>
/// <c>train/&lt;algorithm&gt;</c>: one component per algorithm of the catalog, so a pipeline names the
/// algorithm in <c>uses:</c> and its hyperparameters in <c>with:</c> (validated before the run).
/// </summary>
internal sealed class TrainComponent : IComponent, IExternalInputs, IParameterCheck
{
    private static readonly string[] OwnParameters = ["label", "seed", "task", "ignore", "transforms", "transform_params"];
    private readonly IAlgorithm _algorithm;

    public TrainComponent(IAlgorithm algorithm)
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
                new ComponentPort("features", "features", "a fitted feature pipeline (features/fit); default: fit one for the algorithm") { Required = false },
            ],
            Outputs = [new ComponentPort("model", "model", "the model file (.tkm)")],
            Parameters =
            [
                new ComponentParameter("label", ParameterType.String, "the column to predict") { Required = true },
                new ComponentParameter("seed", ParameterType.Integer, "random seed") { Default = "42" },
                new ComponentParameter("task", ParameterType.String, "binary-classification or regression (default: from the label)") { Choices = [ModelTaskNames.BinaryClassification, ModelTaskNames.Regression] },
                new ComponentParameter("ignore", ParameterType.String, "comma-separated columns to leave out"),
                FitFeaturesComponent.TransformsParameter,
                FitFeaturesComponent.TransformParamsParameter,
                .. algorithm.Parameters.Select(ToComponentParameter),
            ],
            OpenValues = true,
        };
    }

    public ComponentDescriptor Descriptor { get; }

    /// <summary>Team transforms fitted by the trainer's own pipeline: their code is part of the cache key (see features/fit).</summary>
    public Task<string?> ExternalDigestAsync(IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Task.FromResult(TransformPlan.CacheIdentity(parameters.GetValueOrDefault("transforms")));
    }

    /// <summary>For <c>pipeline validate</c>: the trainer's own team transforms, checked as features/fit checks them.</summary>
    public IReadOnlyList<ParameterProblem> Check(IReadOnlyDictionary<string, string> literals) => FitFeaturesComponent.CheckTransforms(literals);

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
            Transforms = FitFeaturesComponent.Transforms(context),
        };
        var model = ModelTrainer.Train(table, request, new TrainContext
        {
            Seed = ComponentArgs.Int(context, Descriptor, "seed"),
            MaxThreads = context.MaxThreads,
            CancellationToken = cancellationToken,
            Progress = new Progress(context.Log),
        });
        ModelFile.Save(model, context.Output("model"), cancellationToken);
        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {model.Algorithm} ({model.Task.ToName()}) on {model.Training.Rows} rows x {model.Training.FeatureCount} features: {model.Digest}"));
        return Task.FromResult(new ComponentResult { Values = model.Metrics.Where(m => double.IsFinite(m.Value)).ToDictionary() });
    }

    internal static ComponentParameter ToComponentParameter(ParameterInfo p) => new(
        p.Name,
        p.Kind switch
        {
            ParameterKind.Integer when !p.AllowsNone => ParameterType.Integer,
            ParameterKind.Real when !p.AllowsNone => ParameterType.Number,
            ParameterKind.Boolean => ParameterType.Boolean,
            _ => ParameterType.String,
        },
        $"{p.Description} ({p.RangeText}; default {p.Default})")
    {
        Choices = p.Kind == ParameterKind.Choice ? p.Choices : [],
        Minimum = p.Kind is ParameterKind.Integer or ParameterKind.Real && !p.AllowsNone ? p.Min : null,
        MinimumExclusive = p.MinExclusive,
        Maximum = p.Kind is ParameterKind.Integer or ParameterKind.Real && !p.AllowsNone ? p.Max : null,
    };

    /// <summary>Training progress into the step log, at most a line per tenth of the work.</summary>
    internal sealed class Progress(TextWriter log) : IProgress<TrainingProgress>
    {
        private int _lastTenth = -1;

        public void Report(TrainingProgress value)
        {
            if (value.Total <= 0)
            {
                return;
            }

            var tenth = value.Current * 10 / value.Total;
            if (Interlocked.Exchange(ref _lastTenth, tenth) != tenth)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {value.Stage} {value.Current}/{value.Total}"));
            }
        }
    }
}
