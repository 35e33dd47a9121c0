using Toolkit.Ml.Metrics;

namespace Toolkit.Ml.Tests.Metrics;

public sealed class ClassificationMetricsTests
{
    // Twelve rows with tied scores (three at 0.4, one exactly at the 0.5 threshold).
    private static readonly double[] TiedLabels = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0];
    private static readonly double[] TiedScores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.4, 0.2, 0.65, 0.7, 0.5, 0.05];

    [Fact]
    public void Compute_TiedScores_MatchesSklearn()
    {
        var m = ClassificationMetrics.Compute(TiedLabels, TiedScores);

        // sklearn 1.2.1 (Metrics/sklearn_reference.py, case "ties"): accuracy_score, precision_score,
        // recall_score, f1_score on (p >= 0.5), roc_auc_score, average_precision_score, log_loss(eps=1e-15).
        m.Accuracy.Should().BeApproximately(0.75, 1e-12);
        m.Precision.Should().BeApproximately(0.8, 1e-12);
        m.Recall.Should().BeApproximately(0.6666666666666666, 1e-12);
        m.F1.Should().BeApproximately(0.7272727272727272, 1e-12);
        m.RocAuc.Should().BeApproximately(0.8055555555555556, 1e-12);
        m.PrAuc.Should().BeApproximately(0.8069444444444444, 1e-12);
        m.LogLoss.Should().BeApproximately(0.5019973694345644, 1e-12);
        m.Confusion.Should().Be(new ConfusionMatrix(TruePositive: 4, FalsePositive: 1, TrueNegative: 5, FalseNegative: 2));
        m.Rows.Should().Be(12);
    }

    [Fact]
    public void Compute_LowerThreshold_ChangesDecisionsButNotRankingMetrics()
    {
        var m = ClassificationMetrics.Compute(TiedLabels, TiedScores, threshold: 0.3);

        // sklearn 1.2.1, case "ties t=0.3".
        m.Accuracy.Should().BeApproximately(0.75, 1e-12);
        m.Precision.Should().BeApproximately(0.6666666666666666, 1e-12);
        m.Recall.Should().Be(1.0);
        m.F1.Should().BeApproximately(0.8, 1e-12);
        m.RocAuc.Should().BeApproximately(0.8055555555555556, 1e-12);
        m.Confusion.Should().Be(new ConfusionMatrix(6, 3, 3, 0));
        m.Threshold.Should().Be(0.3);
    }

    [Fact]
    public void Compute_ProbabilitiesZeroAndOne_ClipsLogLossLikeSklearn()
    {
        var m = ClassificationMetrics.Compute([0, 1, 1, 0, 1], [0.0, 1.0, 0.0, 0.3, 0.999]);

        // sklearn 1.2.1, case "extremes": a confident miss costs -log(1e-15), not infinity.
        m.LogLoss.Should().BeApproximately(6.9792903678366, 1e-10);
        m.RocAuc.Should().BeApproximately(0.75, 1e-12);
        m.PrAuc.Should().BeApproximately(0.8666666666666667, 1e-12);
        m.Accuracy.Should().BeApproximately(0.8, 1e-12);
    }

    [Fact]
    public void Compute_PerfectRanking_GivesOnes()
    {
        var m = ClassificationMetrics.Compute([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]);

        m.Accuracy.Should().Be(1.0);
        m.Precision.Should().Be(1.0);
        m.Recall.Should().Be(1.0);
        m.F1.Should().Be(1.0);
        m.RocAuc.Should().Be(1.0);
        m.PrAuc.Should().Be(1.0);
    }

    [Fact]
    public void Compute_InvertedRanking_GivesZeroAucAndZeroDivisionZeros()
    {
        var m = ClassificationMetrics.Compute([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]);

        m.Accuracy.Should().Be(0.0);
        m.RocAuc.Should().Be(0.0);

        // By hand: positives are found last, at recall 1/2 precision 1/3 and recall 1 precision 2/4.
        m.PrAuc.Should().BeApproximately((0.5 / 3) + (0.5 * 0.5), 1e-12);
        m.Precision.Should().Be(0.0);
        m.F1.Should().Be(0.0);
    }

    [Fact]
    public void Compute_AllScoresTied_GivesHalfAucAndBaseRateAveragePrecision()
    {
        var m = ClassificationMetrics.Compute([0, 1, 0, 1, 1], [0.5, 0.5, 0.5, 0.5, 0.5]);

        // One curve point from (0,0) to (1,1): area 1/2; one threshold at precision 3/5 covering all recall.
        m.RocAuc.Should().Be(0.5);
        m.PrAuc.Should().BeApproximately(0.6, 1e-15);
    }

    [Fact]
    public void Compute_NoPredictedPositives_PrecisionAndF1AreZero()
    {
        var m = ClassificationMetrics.Compute([0, 1, 1], [0.1, 0.2, 0.3]);

        m.Confusion.Should().Be(new ConfusionMatrix(0, 0, 1, 2));
        m.Precision.Should().Be(0.0);
        m.Recall.Should().Be(0.0);
        m.F1.Should().Be(0.0);
        m.RocAuc.Should().Be(1.0);
    }

    [Fact]
    public void Compute_SingleClass_RankingMetricsAreNaN()
    {
        var negatives = ClassificationMetrics.Compute([0, 0, 0], [0.1, 0.6, 0.3]);
        var positives = ClassificationMetrics.Compute([1, 1], [0.1, 0.6]);

        negatives.RocAuc.Should().Be(double.NaN);
        negatives.PrAuc.Should().Be(double.NaN);
        negatives.Accuracy.Should().BeApproximately(2.0 / 3, 1e-15);
        positives.RocAuc.Should().Be(double.NaN);
        positives.PrAuc.Should().Be(1.0);
    }

    [Fact]
    public void Compute_LabelNotZeroOrOne_Throws()
    {
        var act = () => ClassificationMetrics.Compute([0, 2], [0.1, 0.2]);

        act.Should().Throw<ArgumentException>().WithMessage("*row 1*0 or 1*");
    }

    [Fact]
    public void Compute_LengthMismatch_Throws()
    {
        var act = () => ClassificationMetrics.Compute([0, 1], [0.1]);

        act.Should().Throw<ArgumentException>().WithMessage("2 labels but 1 probabilities*");
    }

    [Fact]
    public void ToDictionary_UsesSnakeCaseNames()
    {
        var d = ClassificationMetrics.Compute(TiedLabels, TiedScores).ToDictionary();

        d.Keys.Should().Equal("accuracy", "auc", "f1", "log_loss", "pr_auc", "precision", "recall", "rows");
        d["auc"].Should().BeApproximately(0.8055555555555556, 1e-12);
        d["rows"].Should().Be(12);
    }
}
