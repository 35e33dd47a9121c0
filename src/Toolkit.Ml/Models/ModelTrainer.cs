using System.Reflection;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Models;

/// <summary>
/// Fits a whole model from a table: picks the task, encodes the label, fits the feature pipeline on
/// the training rows only, then fits the algorithm on the transformed features.
/// </summary>
public static class ModelTrainer
{
    public static string ToolkitVersion { get; } =
        typeof(ModelTrainer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static Model Train(DataTable data, TrainRequest request, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);

        var algorithm = AlgorithmCatalog.Default.Get(request.Algorithm);
        var parameters = HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, request.Parameters);
        if (!data.Contains(request.Label))
        {
            throw new DataFormatException(null, null, request.Label, null,
                $"the label column does not exist; columns are: {ColumnNames.List(data)}");
        }

        if (data.RowCount == 0)
        {
            throw new DataFormatException(null, null, null, null, "the training data has no rows");
        }

        var table = data.WithLabel(request.Label).WithIgnored(request.Ignore);
        var label = table[request.Label];
        var task = request.Task ?? LabelEncoding.InferTask(label);
        if (!algorithm.Supports(task))
        {
            throw new InvalidParameterException(
                $"Algorithm '{algorithm.Name}' does not support {task.ToName()} (the label '{request.Label}' " +
                (request.Task is null ? "looks like " + task.ToName() + "; pass --task to choose" : "was declared " + task.ToName()) +
                $"); algorithms for {task.ToName()}: {string.Join(", ", AlgorithmCatalog.Default.All.Where(a => a.Supports(task)).Select(a => a.Name).Order(StringComparer.Ordinal))}.");
        }

        var classes = task == ModelTask.BinaryClassification ? LabelEncoding.ClassesOf(label) : null;
        var y = LabelEncoding.Encode(label, task, classes);

        context.CancellationToken.ThrowIfCancellationRequested();
        if (request.Features is not null && request.Transforms.Count > 0)
        {
            throw new InvalidParameterException(
                "Both a fitted feature pipeline and transforms are given: name the transforms where the pipeline is fitted (features/fit).");
        }

        var pipeline = request.Features ?? FeaturePipeline.Fit(
            table, algorithm.NeedsScaledInputs ? FeaturePipelineOptions.ForLinearModels : FeaturePipelineOptions.ForTrees, request.Transforms);
        var x = pipeline.Transform(table);

        var fit = algorithm.Fit(new TrainingData(x, y, task), parameters, context);
        var predictor = fit.Model;

        // Training metrics: boosting already knows its scores on these rows; others predict them.
        var scores = fit.TrainingScores;
        if (scores is null)
        {
            scores = new double[x.RowCount];
            predictor.Predict(x, scores);
        }
        var metrics = task == ModelTask.BinaryClassification
            ? ClassificationMetrics.Compute(y, scores).ToDictionary()
            : RegressionMetrics.Compute(y, scores).ToDictionary();

        var training = new TrainingInfo
        {
            Rows = table.RowCount,
            Seed = context.Seed,
            DataDigest = DataDigest.Compute(table),
            FeatureCount = x.ColumnCount,
            ToolkitVersion = ToolkitVersion,
        };
        return new Model(algorithm.Name, task, request.Label, classes, parameters.Values, pipeline, predictor, training,
            metrics.ToDictionary(p => "train_" + p.Key, p => p.Value, StringComparer.Ordinal));
    }
}
