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
    public static ReferenceProfile Build(IScoringModel model, DataTable training, DataTable? heldOut, int sampleSize, CancellationToken cancellationToken = default)
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

        return profile;
    }
}
