using Microsoft.ML;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.MlNet;

/// <summary>
/// Trains an ML.NET model the way <see cref="ModelTrainer"/> trains ours: task and classes from the label,
/// our feature pipeline fitted on the training rows (or the one given), then the ML.NET trainer on its
/// output vector; training metrics computed by Toolkit.Ml.Metrics on the training rows.
/// </summary>
public static class MlNetTrainer
{
    /// <summary>Trains <paramref name="request"/>'s <c>mlnet-…</c> algorithm; the result's file is deterministic for the same data and seed.</summary>
    public static MlNetModel Train(DataTable data, TrainRequest request, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);

        var algorithm = MlNetAlgorithm.Get(request.Algorithm);
        var parameters = algorithm.Resolve(request.Parameters);
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
        var classes = task == ModelTask.BinaryClassification ? LabelEncoding.ClassesOf(label) : null;
        var y = LabelEncoding.Encode(label, task, classes);

        context.CancellationToken.ThrowIfCancellationRequested();
        var pipeline = request.Features ?? FeaturePipeline.Fit(
            table, algorithm.TreeBased ? FeaturePipelineOptions.ForTrees : FeaturePipelineOptions.ForLinearModels);
        var x = pipeline.Transform(table);
        context.Progress?.Report(new TrainingProgress("features", 1, 1));

        var labelColumn = task == ModelTask.BinaryClassification
            ? ViewColumn.Boolean(MlNetAlgorithm.LabelColumn, [.. y.Select(v => v == 1)])
            : ViewColumn.Single(MlNetAlgorithm.LabelColumn, [.. y.Select(v => (float)v)]);
        var view = new ColumnsDataView(x.RowCount, [ViewColumn.Features(MlNetAlgorithm.FeaturesColumn, x), labelColumn]);

        var ml = new MLContext(seed: context.Seed);
        context.Progress?.Report(new TrainingProgress(algorithm.Name, 0, 1));
        // ML.NET's fit cannot be cancelled from outside; the token is checked on each side of it.
        var transformer = algorithm.Estimator(ml, task, parameters, context.Seed).Fit(view);

        context.CancellationToken.ThrowIfCancellationRequested();
        context.Progress?.Report(new TrainingProgress(algorithm.Name, 1, 1));

        var scores = MlNetModel.Score(transformer, view, task);
        var metrics = task == ModelTask.BinaryClassification
            ? ClassificationMetrics.Compute(y, scores).ToDictionary()
            : RegressionMetrics.Compute(y, scores).ToDictionary();

        var meta = new ToolkitMetadata
        {
            Algorithm = algorithm.Name,
            Task = task,
            Label = request.Label,
            Classes = classes,
            Signature = pipeline.InputSchema,
            HyperParameters = parameters.Values,
            Metrics = metrics.ToDictionary(p => "train_" + p.Key, p => p.Value, StringComparer.Ordinal),
            Training = new TrainingInfo
            {
                Rows = table.RowCount,
                Seed = context.Seed,
                DataDigest = DataDigest.Compute(table),
                FeatureCount = x.ColumnCount,
                ToolkitVersion = ModelTrainer.ToolkitVersion,
            },
            Features = pipeline,
        };
        return MlNetModel.Create(SaveEntries(ml, transformer, view.Schema), meta, algorithm.Name);
    }

    /// <summary>ML.NET's own save of the transformer, as zip entries.</summary>
    internal static SortedDictionary<string, byte[]> SaveEntries(MLContext ml, ITransformer transformer, DataViewSchema inputSchema)
    {
        using var buffer = new MemoryStream();
        ml.Model.Save(transformer, inputSchema, buffer);
        return ModelZip.ReadEntries(buffer.ToArray(), "ML.NET's saved model", ZipLimits.Default);
    }
}
