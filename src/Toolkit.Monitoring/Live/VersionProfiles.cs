using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Monitoring.Profiles;

namespace Toolkit.Monitoring.Live;

/// <summary>
/// The reference profile stored with a version at registration: the model's inputs as the training data held
/// them, and the model's scores on the held-out rows (for prediction drift). Deterministic for the same inputs.
/// </summary>
internal static class VersionProfiles
{
    /// <summary>The source of a profile made at <c>register --file F --data D</c>: D's rows give the features and the scores alike.</summary>
    public const string HeldOutDataSource = "held-out data (--data)";

    /// <summary>What monitor reports for a profile that does not say (only pipeline runs stored profiles before the source was recorded).</summary>
    public const string UnrecordedSource = "training rows (run)";

    /// <summary>The source of a profile made from a pipeline run's training rows (its held-out rows give the scores).</summary>
    public static string RunSource(string runId) => $"training rows (run {runId})";

    /// <summary>
    /// The profile of <paramref name="training"/>'s inputs and, when <paramref name="heldOut"/> has rows, of the model's
    /// own scores on them: scored through <see cref="IScoringModel.Predict"/>, so every flavor is profiled as it serves.
    /// </summary>
    public static ReferenceProfile Build(IScoringModel model, DataTable training, DataTable? heldOut, int sampleSize, string? source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        var signature = model.Signature.Columns;
        var missing = signature.Where(c => !training.Contains(c.Name)).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            throw new DataFormatException(
                $"the training data has no {string.Join(", ", missing)}, input(s) of the model; columns are: {ColumnNames.List(training)}");
        }

        var options = new ProfileOptions { SampleSize = sampleSize };
        var profile = ProfileBuilder.Build(new DataTable(signature.Select(c => training[c.Name])), options, cancellationToken: cancellationToken);
        if (heldOut is { RowCount: > 0 })
        {
            var scores = model.Predict(new DataTable(signature.Select(c => heldOut[c.Name]))).Scores;
            profile = profile with { Predictions = ProfileBuilder.Scores(MonitorService.ScoreName, scores, options) };
        }

        return profile with { Source = source };
    }
}
