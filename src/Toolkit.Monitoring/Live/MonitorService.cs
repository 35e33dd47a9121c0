using System.Text.Json.Serialization;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Monitoring.Drift;
using Toolkit.Monitoring.Profiles;

namespace Toolkit.Monitoring.Live;

/// <summary>The primary metric on labelled live rows against the version's registered value.</summary>
internal sealed record PerformanceCheck
{
    [JsonPropertyName("metric")]
    public required string Metric { get; init; }

    [JsonPropertyName("value")]
    public required double Value { get; init; }

    /// <summary>The version's registered value (its held-out evaluation); null when the registry has none.</summary>
    [JsonPropertyName("registered")]
    public required double? Registered { get; init; }

    /// <summary>How much worse the live value is (positive: worse), in the metric's units; null without a registered value.</summary>
    [JsonPropertyName("drop")]
    public required double? Drop { get; init; }

    [JsonPropertyName("max_drop")]
    public required double MaxDrop { get; init; }

    [JsonPropertyName("rows")]
    public required int Rows { get; init; }

    /// <summary><c>request_id</c> or <c>row order</c>.</summary>
    [JsonPropertyName("joined_by")]
    public required string JoinedBy { get; init; }

    [JsonPropertyName("degraded")]
    public required bool Degraded { get; init; }
}

/// <summary>What <c>mlops monitor --json</c> prints: the drift report's keys, the performance check and the trigger.</summary>
internal sealed record MonitorReport
{
    public const string TriggerDegradation = "degradation";

    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("version")]
    public required int Version { get; init; }

    [JsonPropertyName("stage")]
    public required string Stage { get; init; }

    /// <summary>Live rows compared.</summary>
    [JsonPropertyName("rows")]
    public required long Rows { get; init; }

    [JsonPropertyName("source")]
    public required IReadOnlyList<string> Source { get; init; }

    /// <summary>Which rows the reference profile was made from (<c>training rows (run R)</c>, <c>held-out data (--data)</c>).</summary>
    [JsonPropertyName("profile_source")]
    public required string ProfileSource { get; init; }

    [JsonPropertyName("dataset_drift")]
    public bool DatasetDrift => Drift.DatasetDrift;

    [JsonPropertyName("drifted_share")]
    public double DriftedShare => Drift.DriftedShare;

    [JsonPropertyName("features")]
    public IReadOnlyList<FeatureDrift> Features => Drift.Features;

    [JsonPropertyName("prediction_drift")]
    public FeatureDrift? PredictionDrift => Drift.PredictionDrift;

    [JsonPropertyName("performance")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PerformanceCheck? Performance { get; init; }

    /// <summary><c>degradation</c> when the metric fell too far, else <c>drift</c> when the data or the predictions drifted, else <c>none</c>.</summary>
    [JsonPropertyName("trigger")]
    public string Trigger => Performance is { Degraded: true } ? TriggerDegradation : Drift.Trigger;

    // Not 'required': System.Text.Json refuses to write a required member it ignores.
    [JsonIgnore]
    public DriftReport Drift { get; init; } = null!;

    [JsonIgnore]
    public bool Fired => Trigger != DriftReport.TriggerNone;

    /// <summary>One line for a job's log and for the retrain reason: the trigger and what fired it.</summary>
    [JsonPropertyName("reason")]
    public string Reason => Trigger switch
    {
        TriggerDegradation => $"degradation: {Performance!.Metric} {MetricCatalog.Format(Performance.Value)} vs registered {MetricCatalog.Format(Performance.Registered)} (max drop {MetricCatalog.Format(Performance.MaxDrop)})",
        DriftReport.TriggerDrift => "drift: " + string.Join(", ", Drift.DriftedFeatures.Concat(PredictionDrift is { Drifted: true } ? ["predictions"] : [])),
        _ => "none",
    };
}

/// <summary>What to monitor: the version, its profile and policy, and the live rows (with labels when there are some).</summary>
internal sealed record MonitorRequest
{
    public required string ModelName { get; init; }

    public required int Version { get; init; }

    public required string Stage { get; init; }

    public required IScoringModel Model { get; init; }

    public required ReferenceProfile Profile { get; init; }

    public required LiveRows Rows { get; init; }

    public required DriftThresholds Thresholds { get; init; }

    public required string PrimaryMetric { get; init; }

    public required double MaxDrop { get; init; }

    /// <summary>The version's registered metrics (its held-out evaluation).</summary>
    public IReadOnlyDictionary<string, double> RegisteredMetrics { get; init; } = new Dictionary<string, double>();

    /// <summary>A labels CSV (joined by request id or row order), or null.</summary>
    public string? LabelsPath { get; init; }
}

/// <summary>
/// Compares a stage's live rows with the reference profile stored with its version (feature drift and, on the
/// model's scores, prediction drift) and, given labels, the primary metric with the registered one.
/// </summary>
internal static class MonitorService
{
    public const string ScoreName = "prediction";

    public static MonitorReport Run(MonitorRequest request, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rows = request.Rows;
        if (rows.Inputs.RowCount == 0)
        {
            throw new Toolkit.Ml.Data.DataFormatException($"{string.Join(", ", rows.Files)}: no live rows to compare.");
        }

        // Only the model's inputs the profile knows: a profile made from the training table also knows nothing else.
        var columns = rows.Inputs.Columns.Select(c => c.Name).Where(n => request.Profile.Find(n) is not null).ToList();
        var drift = DriftDetector.Compare(request.Profile, rows.Inputs, new DriftOptions { Thresholds = request.Thresholds, Columns = columns }, progress, cancellationToken);
        if (request.Profile.Predictions is { } reference && rows.Scores is { } scores)
        {
            var predictionDrift = DriftDetector.ComparePredictions(reference with { Name = ScoreName }, scores, request.Thresholds);
            drift = drift with
            {
                PredictionDrift = predictionDrift,
                Trigger = drift.DatasetDrift || predictionDrift.Drifted ? DriftReport.TriggerDrift : DriftReport.TriggerNone,
            };
        }

        PerformanceCheck? performance = null;
        if (request.LabelsPath is { } labelsPath)
        {
            var (labels, joinedScores, joinedBy) = LiveData.Join(labelsPath, request.Model, rows, cancellationToken);
            var value = Metric(request.Model.Task, request.PrimaryMetric, labels, joinedScores, labelsPath);
            double? registered = request.RegisteredMetrics.TryGetValue(request.PrimaryMetric, out var r) && double.IsFinite(r) ? r : null;
            double? drop = registered is { } reg && double.IsFinite(value) ? MetricCatalog.Worsening(request.PrimaryMetric, value, reg) : null;
            performance = new PerformanceCheck
            {
                Metric = request.PrimaryMetric,
                Value = value,
                Registered = registered,
                Drop = drop,
                MaxDrop = request.MaxDrop,
                Rows = labels.Length,
                JoinedBy = joinedBy,
                Degraded = drop > request.MaxDrop,
            };
        }

        return new MonitorReport
        {
            Model = request.ModelName,
            Version = request.Version,
            Stage = request.Stage,
            Rows = rows.Inputs.RowCount,
            Source = rows.Files,
            ProfileSource = request.Profile.Source ?? VersionProfiles.UnrecordedSource,
            Drift = drift,
            Performance = performance,
        };
    }

    private static double Metric(ModelTask task, string metric, double[] labels, double[] scores, string labelsPath)
    {
        var all = task == ModelTask.BinaryClassification
            ? ClassificationMetrics.Compute(labels, scores).ToDictionary()
            : RegressionMetrics.Compute(labels, scores).ToDictionary();
        return all.TryGetValue(metric, out var value)
            ? value
            : throw new Toolkit.Ml.Data.DataFormatException($"{labelsPath}: the metric '{metric}' cannot be computed for a {task} model.");
    }
}
