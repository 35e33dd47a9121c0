namespace Toolkit.Ml.Trees;

/// <summary>Validated settings of one gradient-boosting fit.</summary>
internal sealed record GradientBoostingOptions
{
    public int Rounds { get; init; } = 100;

    public double LearningRate { get; init; } = 0.1;

    /// <summary>0 = unlimited (only with leaf-wise growth).</summary>
    public int MaxDepth { get; init; } = 6;

    /// <summary>0 = depth-wise growth to <see cref="MaxDepth"/>; otherwise best-first with this many leaves.</summary>
    public int NumLeaves { get; init; }

    public double MinChildWeight { get; init; } = 1.0;

    public double L2 { get; init; } = 1.0;

    public double Subsample { get; init; } = 1.0;

    public double Colsample { get; init; } = 1.0;

    public int MaxBins { get; init; } = 255;

    public int EarlyStoppingRounds { get; init; }
}
