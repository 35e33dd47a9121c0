using System.Text.Json.Serialization;
using Toolkit.Monitoring.Profiles;

namespace Toolkit.Monitoring.Drift;

/// <summary>
/// When a feature (and the data set) counts as drifted. Defaults: a numeric feature drifts at KS p &lt;
/// <see cref="KsPValue"/> while the current data has at most <see cref="KsMaxRows"/> rows, at normalized
/// Wasserstein &gt; <see cref="WassersteinNorm"/> above that, and in either case at PSI &gt; <see cref="Psi"/>;
/// a categorical feature at chi-square p &lt; <see cref="ChiSquarePValue"/> up to <see cref="KsMaxRows"/> rows
/// and at PSI &gt; <see cref="Psi"/>; the data set when at least <see cref="DatasetShare"/> of the features drift.
/// </summary>
internal sealed record DriftThresholds
{
    public double KsPValue { get; init; } = 0.05;

    public long KsMaxRows { get; init; } = 1_000;

    public double WassersteinNorm { get; init; } = 0.1;

    public double Psi { get; init; } = 0.2;

    public double ChiSquarePValue { get; init; } = 0.05;

    public double DatasetShare { get; init; } = 0.5;

    /// <summary>Refuses values that make no sense, naming the field.</summary>
    public void Validate()
    {
        Check(KsPValue is > 0 and < 1, nameof(KsPValue), "must be in (0, 1)");
        Check(ChiSquarePValue is > 0 and < 1, nameof(ChiSquarePValue), "must be in (0, 1)");
        Check(KsMaxRows >= 0, nameof(KsMaxRows), "must be at least 0");
        Check(WassersteinNorm > 0 && double.IsFinite(WassersteinNorm), nameof(WassersteinNorm), "must be positive");
        Check(Psi > 0 && double.IsFinite(Psi), nameof(Psi), "must be positive");
        Check(DatasetShare is > 0 and <= 1, nameof(DatasetShare), "must be in (0, 1]");
    }

    private static void Check(bool ok, string name, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"Drift threshold {name} {rule}.", name);
        }
    }
}

/// <summary>The drift of one feature (or of the prediction scores): the <c>features[]</c> entries of the JSON.</summary>
internal sealed record FeatureDrift
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary><c>numeric</c> or <c>categorical</c>.</summary>
    [JsonPropertyName("type")]
    public required FeatureKind Kind { get; init; }

    /// <summary>The test that decided: <c>ks</c>, <c>wasserstein</c> or <c>chi2</c>.</summary>
    [JsonPropertyName("test")]
    public required string Test { get; init; }

    /// <summary>KS D for numeric features, χ² for categorical ones.</summary>
    [JsonPropertyName("statistic")]
    public required double? Statistic { get; init; }

    [JsonPropertyName("p_value")]
    public required double? PValue { get; init; }

    [JsonPropertyName("psi")]
    public required double? Psi { get; init; }

    [JsonPropertyName("wasserstein")]
    public required double? Wasserstein { get; init; }

    /// <summary>Wasserstein over the reference standard deviation (null when it is 0 and the distance is not).</summary>
    [JsonPropertyName("wasserstein_norm")]
    public required double? WassersteinNorm { get; init; }

    [JsonPropertyName("drifted")]
    public required bool Drifted { get; init; }

    /// <summary>Histograms for reports (not part of the JSON).</summary>
    [JsonIgnore]
    public FeatureHistogram? Histogram { get; init; }
}

/// <summary>Reference and current shares per bin (numeric: the decile bins; categorical: the categories).</summary>
internal sealed record FeatureHistogram(IReadOnlyList<string> Labels, IReadOnlyList<double> Reference, IReadOnlyList<double> Current);

/// <summary>The result of comparing current data with a reference: the JSON of <c>mlops drift --json</c>.</summary>
internal sealed record DriftReport
{
    public const string TriggerNone = "none";
    public const string TriggerDrift = "drift";

    [JsonPropertyName("dataset_drift")]
    public required bool DatasetDrift { get; init; }

    [JsonPropertyName("drifted_share")]
    public required double DriftedShare { get; init; }

    [JsonPropertyName("features")]
    public required IReadOnlyList<FeatureDrift> Features { get; init; }

    /// <summary>Drift of the model's scores; null when no score column (or model) is given.</summary>
    [JsonPropertyName("prediction_drift")]
    public required FeatureDrift? PredictionDrift { get; init; }

    /// <summary><c>drift</c> when the data set (or the predictions) drifted, else <c>none</c>.</summary>
    [JsonPropertyName("trigger")]
    public required string Trigger { get; init; }

    [JsonIgnore]
    public long ReferenceRows { get; init; }

    [JsonIgnore]
    public long CurrentRows { get; init; }

    [JsonIgnore]
    public IEnumerable<string> DriftedFeatures => Features.Where(f => f.Drifted).Select(f => f.Name);
}

/// <summary>What to compare.</summary>
internal sealed record DriftOptions
{
    public DriftThresholds Thresholds { get; init; } = new();

    /// <summary>Only these columns (null: all the reference has).</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>Columns left out (e.g. the label).</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>The column holding the model's scores, compared as prediction drift instead of as a feature.</summary>
    public string? PredictionColumn { get; init; }
}
