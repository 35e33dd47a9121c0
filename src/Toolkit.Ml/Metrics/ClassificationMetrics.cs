namespace Toolkit.Ml.Metrics;

/// <summary>
/// Binary classification quality, computed the way scikit-learn does so that figures can be
/// compared: a row is predicted positive when its probability is at least <see cref="Threshold"/>;
/// precision, recall and F1 are 0 when undefined (sklearn's <c>zero_division</c> default);
/// <see cref="RocAuc"/> is the trapezoid area over distinct thresholds (ties count half), NaN when
/// the labels hold a single class; <see cref="PrAuc"/> is sklearn's average precision, NaN when there
/// is no positive row; <see cref="LogLoss"/> clips probabilities to [1e-15, 1 - 1e-15].
/// </summary>
public sealed record ClassificationMetrics(
    double Accuracy,
    double Precision,
    double Recall,
    double F1,
    double RocAuc,
    double PrAuc,
    double LogLoss,
    ConfusionMatrix Confusion,
    long Rows,
    double Threshold)
{
    /// <summary>Probability clipping for the log loss, as sklearn's historical default.</summary>
    public const double LogLossEpsilon = 1e-15;

    /// <summary>
    /// Metrics of <paramref name="probability"/> (of class 1) against labels that are 0 or 1.
    /// </summary>
    public static ClassificationMetrics Compute(
        ReadOnlySpan<double> label01, ReadOnlySpan<double> probability, double threshold = 0.5)
    {
        if (label01.Length != probability.Length)
        {
            throw new ArgumentException(
                $"{label01.Length} labels but {probability.Length} probabilities.", nameof(probability));
        }

        if (label01.Length == 0)
        {
            throw new ArgumentException("No rows to evaluate.", nameof(label01));
        }

        if (double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), "The threshold is NaN.");
        }

        long tp = 0, fp = 0, tn = 0, fn = 0;
        var logLoss = 0.0;
        for (var i = 0; i < label01.Length; i++)
        {
            var y = label01[i];
            var p = probability[i];
            if (y != 0.0 && y != 1.0)
            {
                throw new ArgumentException($"Label at row {i} is {y}; binary labels must be 0 or 1.", nameof(label01));
            }

            if (double.IsNaN(p))
            {
                throw new ArgumentException($"Probability at row {i} is NaN.", nameof(probability));
            }

            var positive = y == 1.0;
            if (p >= threshold)
            {
                if (positive) { tp++; } else { fp++; }
            }
            else if (positive)
            {
                fn++;
            }
            else
            {
                tn++;
            }

            var clipped = Math.Clamp(p, LogLossEpsilon, 1.0 - LogLossEpsilon);
            logLoss -= positive ? Math.Log(clipped) : Math.Log(1.0 - clipped);
        }

        var n = label01.Length;
        var (rocAuc, prAuc) = RankingAreas(label01, probability, tp + fn);
        return new ClassificationMetrics(
            Accuracy: (double)(tp + tn) / n,
            Precision: Ratio(tp, tp + fp),
            Recall: Ratio(tp, tp + fn),
            F1: Ratio(2 * tp, (2 * tp) + fp + fn),
            RocAuc: rocAuc,
            PrAuc: prAuc,
            LogLoss: logLoss / n,
            Confusion: new ConfusionMatrix(tp, fp, tn, fn),
            Rows: n,
            Threshold: threshold);
    }

    /// <summary>The metrics under their snake_case names, ordered by name.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new SortedDictionary<string, double>(StringComparer.Ordinal)
    {
        [MetricCatalog.Accuracy] = Accuracy,
        [MetricCatalog.Precision] = Precision,
        [MetricCatalog.Recall] = Recall,
        [MetricCatalog.F1] = F1,
        [MetricCatalog.Auc] = RocAuc,
        [MetricCatalog.PrAuc] = PrAuc,
        [MetricCatalog.LogLoss] = LogLoss,
        [MetricCatalog.Rows] = Rows,
    };

    private static double Ratio(long numerator, long denominator) =>
        denominator == 0 ? 0.0 : (double)numerator / denominator;

    /// <summary>
    /// ROC AUC and average precision from one pass over the rows sorted by descending score, one
    /// curve point per distinct score (as sklearn's <c>_binary_clf_curve</c>).
    /// </summary>
    private static (double RocAuc, double AveragePrecision) RankingAreas(
        ReadOnlySpan<double> label01, ReadOnlySpan<double> probability, long positives)
    {
        var n = label01.Length;
        var negatives = n - positives;
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var scores = probability.ToArray();
        var keys = new double[n];
        for (var i = 0; i < n; i++)
        {
            keys[i] = -scores[i];
        }

        // Stable ordering is not needed: rows with equal scores form one curve point.
        Array.Sort(keys, order);

        double tps = 0, fps = 0, prevTpr = 0, prevFpr = 0, prevRecall = 0;
        double area = 0, averagePrecision = 0;
        var k = 0;
        while (k < n)
        {
            var score = scores[order[k]];
            while (k < n && scores[order[k]] == score)
            {
                if (label01[order[k]] == 1.0) { tps++; } else { fps++; }
                k++;
            }

            if (negatives > 0 && positives > 0)
            {
                var tpr = tps / positives;
                var fpr = fps / negatives;
                area += (fpr - prevFpr) * (tpr + prevTpr) / 2.0;
                prevTpr = tpr;
                prevFpr = fpr;
            }

            if (positives > 0)
            {
                var recall = tps / positives;
                averagePrecision += (recall - prevRecall) * (tps / (tps + fps));
                prevRecall = recall;
            }
        }

        return (
            negatives > 0 && positives > 0 ? area : double.NaN,
            positives > 0 ? averagePrecision : double.NaN);
    }
}
