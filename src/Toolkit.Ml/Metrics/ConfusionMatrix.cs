namespace Toolkit.Ml.Metrics;

/// <summary>Counts of a binary classifier's decisions at one threshold (class 1 is positive).</summary>
public sealed record ConfusionMatrix(long TruePositive, long FalsePositive, long TrueNegative, long FalseNegative)
{
    public long Total => TruePositive + FalsePositive + TrueNegative + FalseNegative;
}
