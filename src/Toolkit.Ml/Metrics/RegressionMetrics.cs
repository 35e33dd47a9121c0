namespace Toolkit.Ml.Metrics;

/// <summary>
/// Regression quality as scikit-learn computes it: RMSE, MAE, R² (1 when the target is constant and
/// fitted exactly, 0 when constant and missed — sklearn's <c>force_finite</c>) and MAPE as a fraction,
/// each relative error divided by max(|actual|, double epsilon).
/// </summary>
public sealed record RegressionMetrics(double Rmse, double Mae, double R2, double Mape, long Rows)
{
    // numpy's float64 machine epsilon, the guard sklearn's mean_absolute_percentage_error uses.
    private const double MapeEpsilon = 2.220446049250313e-16;

    public static RegressionMetrics Compute(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException(
                $"{actual.Length} actual values but {predicted.Length} predictions.", nameof(predicted));
        }

        if (actual.Length == 0)
        {
            throw new ArgumentException("No rows to evaluate.", nameof(actual));
        }

        var n = actual.Length;
        var mean = 0.0;
        for (var i = 0; i < n; i++)
        {
            if (double.IsNaN(actual[i]) || double.IsNaN(predicted[i]))
            {
                throw new ArgumentException($"Row {i} has a NaN actual value or prediction.", nameof(actual));
            }

            mean += actual[i];
        }

        mean /= n;
        double squared = 0, absolute = 0, total = 0, percentage = 0;
        for (var i = 0; i < n; i++)
        {
            var error = actual[i] - predicted[i];
            squared += error * error;
            absolute += Math.Abs(error);
            var centered = actual[i] - mean;
            total += centered * centered;
            percentage += Math.Abs(error) / Math.Max(Math.Abs(actual[i]), MapeEpsilon);
        }

        var r2 = total != 0 ? 1.0 - (squared / total) : (squared == 0 ? 1.0 : 0.0);
        return new RegressionMetrics(Math.Sqrt(squared / n), absolute / n, r2, percentage / n, n);
    }

    /// <summary>The metrics under their snake_case names, ordered by name.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new SortedDictionary<string, double>(StringComparer.Ordinal)
    {
        [MetricCatalog.Rmse] = Rmse,
        [MetricCatalog.Mae] = Mae,
        [MetricCatalog.R2] = R2,
        [MetricCatalog.Mape] = Mape,
        [MetricCatalog.Rows] = Rows,
    };
}
