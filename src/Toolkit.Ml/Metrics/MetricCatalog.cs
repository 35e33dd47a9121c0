using System.Globalization;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Metrics;

/// <summary>One metric a model is judged by: its name in reports and policies, its task, and which way is better.</summary>
public sealed record MetricInfo(string Name, ModelTask Task, bool LowerIsBetter, string Description);

/// <summary>
/// The one catalog of metrics: names, the task each belongs to, the direction, and how a value reads.
/// Evaluation, selection, gates, reports and the CLI all ask here, so they cannot disagree.
/// </summary>
public static class MetricCatalog
{
    public const string Accuracy = "accuracy";
    public const string Precision = "precision";
    public const string Recall = "recall";
    public const string F1 = "f1";
    public const string Auc = "auc";
    public const string PrAuc = "pr_auc";
    public const string LogLoss = "log_loss";
    public const string Rmse = "rmse";
    public const string Mae = "mae";
    public const string R2 = "r2";
    public const string Mape = "mape";

    /// <summary>Not a metric but reported beside them: the number of rows evaluated.</summary>
    public const string Rows = "rows";

    public static IReadOnlyList<MetricInfo> All { get; } =
    [
        new(Accuracy, ModelTask.BinaryClassification, false, "share of rows classified right at threshold 0.5"),
        new(Precision, ModelTask.BinaryClassification, false, "share of predicted positives that are positive"),
        new(Recall, ModelTask.BinaryClassification, false, "share of positives predicted positive"),
        new(F1, ModelTask.BinaryClassification, false, "harmonic mean of precision and recall"),
        new(Auc, ModelTask.BinaryClassification, false, "area under the ROC curve"),
        new(PrAuc, ModelTask.BinaryClassification, false, "average precision (area under the precision-recall curve)"),
        new(LogLoss, ModelTask.BinaryClassification, true, "mean negative log-likelihood of the labels"),
        new(Rmse, ModelTask.Regression, true, "root mean squared error"),
        new(Mae, ModelTask.Regression, true, "mean absolute error"),
        new(R2, ModelTask.Regression, false, "coefficient of determination"),
        new(Mape, ModelTask.Regression, true, "mean absolute percentage error"),
    ];

    private static readonly Dictionary<string, MetricInfo> ByName = All.ToDictionary(m => m.Name, StringComparer.Ordinal);

    public static IReadOnlyList<string> Classification { get; } = [.. Names(ModelTask.BinaryClassification)];

    public static IReadOnlyList<string> Regression { get; } = [.. Names(ModelTask.Regression)];

    /// <summary>The metric names of a task, in the catalog's order.</summary>
    public static IReadOnlyList<string> For(ModelTask task) => task == ModelTask.BinaryClassification ? Classification : Regression;

    /// <summary>The metric a task is ranked by when nobody names one.</summary>
    public static string DefaultPrimary(ModelTask task) => task == ModelTask.BinaryClassification ? Auc : Rmse;

    public static bool TryGet(string name, out MetricInfo info) => ByName.TryGetValue(name, out info!);

    public static bool IsLowerBetter(string metric) => ByName.TryGetValue(metric, out var info) && info.LowerIsBetter;

    /// <summary>True when <paramref name="candidate"/> beats <paramref name="incumbent"/>; a missing (NaN) value never wins.</summary>
    public static bool IsBetter(string metric, double candidate, double incumbent) =>
        !double.IsNaN(candidate) && (double.IsNaN(incumbent) || (IsLowerBetter(metric) ? candidate < incumbent : candidate > incumbent));

    /// <summary>How much worse <paramref name="candidate"/> is than <paramref name="reference"/> (positive: worse), whichever way the metric points.</summary>
    public static double Worsening(string metric, double candidate, double reference) =>
        IsLowerBetter(metric) ? candidate - reference : reference - candidate;

    /// <summary>A metric value as people read it in logs, tables and comments: four decimals, "n/a" when there is none.</summary>
    public static string Format(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";

    private static IEnumerable<string> Names(ModelTask task) => All.Where(m => m.Task == task).Select(m => m.Name);
}
