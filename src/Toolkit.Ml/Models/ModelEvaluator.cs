using Toolkit.Ml.Data;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Models;

/// <summary>Metrics of a model on labelled data, apart from training (Fit) as in ML.NET.</summary>
public sealed record Evaluation(ModelTask Task, long Rows, IReadOnlyDictionary<string, double> Metrics)
{
    public ClassificationMetrics? Classification { get; init; }

    public RegressionMetrics? Regression { get; init; }
}

public static class ModelEvaluator
{
    public static Evaluation Evaluate(IScoringModel model, DataTable data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var y = model.EncodeLabel(data);
        var scores = model.Predict(data).Scores;
        if (model.Task == ModelTask.BinaryClassification)
        {
            var m = ClassificationMetrics.Compute(y, scores);
            return new Evaluation(model.Task, y.Length, m.ToDictionary()) { Classification = m };
        }

        var r = RegressionMetrics.Compute(y, scores);
        return new Evaluation(model.Task, y.Length, r.ToDictionary()) { Regression = r };
    }
}
