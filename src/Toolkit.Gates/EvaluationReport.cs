using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toolkit.Gates;

/// <summary>One evaluated model in an <see cref="EvaluationReport"/>.</summary>
public sealed record EvaluatedModel
{
    [JsonPropertyName("index")]
    public int Index { get; init; }

    [JsonPropertyName("algorithm")]
    public required string Algorithm { get; init; }

    [JsonPropertyName("digest")]
    public required string Digest { get; init; }

    /// <summary>Metric values by name (see <c>MetricCatalog</c>); null where a metric could not be computed.</summary>
    [JsonPropertyName("metrics")]
    public IReadOnlyDictionary<string, double?> Metrics { get; init; } = new Dictionary<string, double?>();

    /// <summary>The value of <paramref name="metric"/>, NaN when it is missing (NaN never ranks first).</summary>
    public double Value(string metric) => Metrics.TryGetValue(metric, out var v) && v is { } d ? d : double.NaN;
}

/// <summary>
/// The evaluation report, the one contract between who writes it (<c>evaluate/*</c>) and who reads
/// it (<c>select/best</c>, gates, registration, reports): every model's metrics on the same held-out
/// rows, and which one is best by the primary metric.
/// </summary>
public sealed record EvaluationReport
{
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    [JsonPropertyName("task")]
    public required string Task { get; init; }

    [JsonPropertyName("rows")]
    public long Rows { get; init; }

    [JsonPropertyName("primary_metric")]
    public required string PrimaryMetric { get; init; }

    [JsonPropertyName("data_digest")]
    public string? DataDigest { get; init; }

    [JsonPropertyName("models")]
    public required IReadOnlyList<EvaluatedModel> Models { get; init; }

    [JsonPropertyName("best")]
    public int Best { get; init; }

    public static EvaluationReport Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Parse(ReportJson.Read(path), path);
    }

    public static EvaluationReport Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        var report = ReportJson.Deserialize<EvaluationReport>(json, sourceName, "an evaluation report");
        if (report.Models.Count == 0)
        {
            throw new GateInputException($"'{sourceName}' evaluates no models.");
        }

        if (report.Best < 0 || report.Best >= report.Models.Count)
        {
            throw new GateInputException($"'{sourceName}': best is {report.Best}, but the report has {report.Models.Count} model(s).");
        }

        return report;
    }

    /// <summary>The report as its file holds it (indented JSON; missing metrics as null).</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, WriteOptions);

    /// <summary>Writes the report atomically: a reader never sees half a file.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, ToJson());
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The model with <paramref name="digest"/>, or the best one when <paramref name="digest"/> is null.</summary>
    public EvaluatedModel Candidate(string? digest)
    {
        if (digest is null)
        {
            return Models[Best];
        }

        return Models.FirstOrDefault(m => m.Digest == digest)
            ?? throw new GateInputException(
                $"the evaluation report has no model {digest}; it evaluated {string.Join(", ", Models.Select(m => $"{m.Algorithm} ({m.Digest})"))}");
    }
}
