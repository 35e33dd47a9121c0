using Toolkit.Ml.Training;

namespace Toolkit.Gates;

/// <summary>The metrics an evaluation report carries per task, and which way is better.</summary>
public static class MetricCatalog
{
    public static IReadOnlyList<string> Classification { get; } = ["accuracy", "precision", "recall", "f1", "auc", "pr_auc", "log_loss"];

    public static IReadOnlyList<string> Regression { get; } = ["rmse", "mae", "r2", "mape"];

    private static readonly HashSet<string> LowerIsBetter = new(StringComparer.Ordinal) { "rmse", "mae", "mape", "log_loss" };

    public static IReadOnlyList<string> For(ModelTask task) => task == ModelTask.BinaryClassification ? Classification : Regression;

    public static bool IsLowerBetter(string metric) => LowerIsBetter.Contains(metric);

    /// <summary>The metric a task is ranked by when the policy names none.</summary>
    public static string DefaultPrimary(ModelTask task) => task == ModelTask.BinaryClassification ? "auc" : "rmse";
}
