namespace Toolkit.Components.Evaluate;

/// <summary>Which way is better for a metric: errors and losses go down, scores go up.</summary>
public static class MetricDirection
{
    private static readonly HashSet<string> LowerIsBetter = new(StringComparer.Ordinal) { "rmse", "mae", "mape", "log_loss" };

    public static bool IsLowerBetter(string metric) => LowerIsBetter.Contains(metric);

    /// <summary>True when <paramref name="candidate"/> beats <paramref name="incumbent"/> on <paramref name="metric"/>.</summary>
    public static bool IsBetter(string metric, double candidate, double incumbent) =>
        !double.IsNaN(candidate) && (double.IsNaN(incumbent) || (IsLowerBetter(metric) ? candidate < incumbent : candidate > incumbent));
}
