namespace Toolkit.Ml.Training;

/// <summary>
/// What <see cref="IAlgorithm.Fit"/> produced: the fitted model and, when the fit computed them on
/// the way (boosting sums them as it grows trees), its scores on the training rows.
/// </summary>
public sealed record FitResult(IPredictor Model)
{
    /// <summary>
    /// What <see cref="IPredictor.Predict"/> of <see cref="Model"/> gives on the training rows, bit for
    /// bit; null when the fit did not keep them (then predict them if needed).
    /// </summary>
    public double[]? TrainingScores { get; init; }
}
