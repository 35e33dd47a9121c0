using Toolkit.Gates;
using Toolkit.Ml.Metrics;
using Toolkit.Models;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Evaluate;

/// <summary><c>select/best</c>: the best model of an evaluation report, by a metric, as this step's model output.</summary>
internal sealed class SelectBestComponent : IComponent
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "select/best",
        Version = "1",
        Description = "Picks the best model of an evaluation report by a metric (default: the report's primary metric).",
        Inputs =
        [
            new ComponentPort("models", "model", "the models the report evaluated, in the same order") { Multiple = true },
            new ComponentPort("report", "report", "the evaluation report"),
        ],
        Outputs = [new ComponentPort("model", "model", "the chosen model file")],
        Parameters = [new ComponentParameter("metric", ParameterType.String, "the metric to rank by (default: the report's primary metric)")],
        OpenValues = true,
    };

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = EvaluationReport.Load(context.Input("report"));
        var metric = ComponentArgs.OptionalText(context, "metric") ?? report.PrimaryMetric;
        var models = context.Inputs["models"];
        if (models.Count != report.Models.Count)
        {
            throw new ComponentArgumentException(
                $"{Descriptor.Name}: {models.Count} models given but the report evaluated {report.Models.Count}; wire the same models in the same order.");
        }

        var best = -1;
        var bestValue = double.NaN;
        for (var i = 0; i < report.Models.Count; i++)
        {
            var value = report.Models[i].Value(metric);
            if (best < 0 || MetricCatalog.IsBetter(metric, value, bestValue))
            {
                (best, bestValue) = (i, value);
            }
        }

        if (double.IsNaN(bestValue))
        {
            throw new ComponentArgumentException($"{Descriptor.Name}: no model has a value for metric '{metric}'.");
        }

        // The report names each model by digest: make sure the files are the ones it evaluated.
        var model = ModelLoader.Load(models[best]);
        if (model.Digest != report.Models[best].Digest)
        {
            throw new ComponentArgumentException($"{Descriptor.Name}: model {best} is {model.Digest}, but the report evaluated {report.Models[best].Digest}.");
        }

        File.Copy(models[best], context.Output("model"), overwrite: true);
        context.Log.WriteLine($"selected {model.Algorithm} by {metric} = {MetricCatalog.Format(bestValue)} ({model.Digest})");
        var values = report.Models[best].Metrics.Where(m => m.Value is not null).ToDictionary(m => m.Key, m => m.Value!.Value);
        return Task.FromResult(new ComponentResult
        {
            Values = values,
            Labels = new Dictionary<string, string> { ["algorithm"] = model.Algorithm, ["model_digest"] = model.Digest! },
        });
    }
}
