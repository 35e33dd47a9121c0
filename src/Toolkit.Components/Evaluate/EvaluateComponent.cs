using Toolkit.Gates;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Models;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Evaluate;

/// <summary>
/// <c>evaluate/classification</c> and <c>evaluate/regression</c>: every model on the same held-out rows;
/// reports all metrics and the best model's metrics as step values (for <c>when</c> and gates).
/// </summary>
internal sealed class EvaluateComponent : IComponent
{
    private readonly ModelTask _task;

    public EvaluateComponent(ModelTask task)
    {
        _task = task;
        var classification = task == ModelTask.BinaryClassification;
        Descriptor = new ComponentDescriptor
        {
            Name = classification ? "evaluate/classification" : "evaluate/regression",
            Version = "1",
            Description = $"Evaluates {(classification ? "classifiers" : "regressors")} on held-out rows and picks the best by a metric.",
            Inputs =
            [
                new ComponentPort("models", "model", "the models to compare") { Multiple = true },
                new ComponentPort("test", "dataset", "labelled held-out rows (or x_test and y_test)") { Required = false },
                new ComponentPort("x_test", "dataset", "the held-out rows' features (data/split-xy), with y_test") { Required = false },
                new ComponentPort("y_test", "dataset", "the held-out rows' label (data/split-xy), with x_test") { Required = false },
            ],
            Outputs = [new ComponentPort("report", "report", "JSON: every model's metrics and the best one")],
            Parameters =
            [
                new ComponentParameter("metric", ParameterType.String, "the primary metric")
                {
                    Default = MetricCatalog.DefaultPrimary(task),
                    Choices = MetricCatalog.For(task),
                },
            ],
            Values = [.. MetricCatalog.For(task), MetricCatalog.Rows, "models"],
        };
    }

    public ComponentDescriptor Descriptor { get; }

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var metric = ComponentArgs.Text(context, Descriptor, "metric");
        var paths = context.Inputs.TryGetValue("models", out var p) && p.Count > 0
            ? p
            : throw new ComponentArgumentException($"{Descriptor.Name}: input 'models' needs at least one model.");
        var models = paths.Select(ModelLoader.Load).ToList();
        if (models.FirstOrDefault(m => m.Task != _task) is { } wrong)
        {
            throw new ComponentArgumentException($"{Descriptor.Name}: model '{wrong.Algorithm}' ({wrong.Digest}) is a {wrong.Task.ToName()} model.");
        }

        // Read once with the first model's signature types; every model shares the label.
        var first = models[0];
        var types = first.Signature.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var table = context.Inputs.TryGetValue("test", out var test) && test.Count > 0
            ? CsvReader.Read(test[0], new CsvReadOptions { Label = first.Label, ColumnTypes = types }, cancellationToken)
            : ComponentArgs.ReadXy(context, Descriptor, "test", "x_test", "y_test", first.Label, types, cancellationToken);

        var evaluated = new List<EvaluatedModel>();
        var best = 0;
        for (var i = 0; i < models.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var evaluation = ModelEvaluator.Evaluate(models[i], table);
            evaluated.Add(new EvaluatedModel
            {
                Index = i,
                Algorithm = models[i].Algorithm,
                Digest = models[i].Digest!,
                Metrics = evaluation.Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? m.Value : (double?)null),
            });
            context.Log.WriteLine($"{models[i].Algorithm}: {string.Join(", ", evaluation.Metrics.Select(m => $"{m.Key}={MetricCatalog.Format(m.Value)}"))}");
            if (i > 0 && MetricCatalog.IsBetter(metric, evaluated[i].Value(metric), evaluated[best].Value(metric)))
            {
                best = i;
            }
        }

        new EvaluationReport
        {
            Task = _task.ToName(),
            Rows = table.RowCount,
            PrimaryMetric = metric,
            DataDigest = DataDigest.Compute(table),
            Models = evaluated,
            Best = best,
        }.Save(context.Output("report"));
        context.Log.WriteLine($"best by {metric}: {evaluated[best].Algorithm} ({MetricCatalog.Format(evaluated[best].Value(metric))})");

        var values = evaluated[best].Metrics.Where(m => m.Value is not null).ToDictionary(m => m.Key, m => m.Value!.Value);
        values["models"] = models.Count;
        return Task.FromResult(new ComponentResult
        {
            Values = values,
            Labels = new Dictionary<string, string> { ["best_algorithm"] = evaluated[best].Algorithm },
        });
    }
}
