using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toolkit.Components.Evaluate;

/// <summary>One evaluated model in a report.</summary>
public sealed record EvaluatedModel
{
    [JsonPropertyName("index")]
    public required int Index { get; init; }

    [JsonPropertyName("algorithm")]
    public required string Algorithm { get; init; }

    [JsonPropertyName("digest")]
    public required string Digest { get; init; }

    [JsonPropertyName("metrics")]
    public required IReadOnlyDictionary<string, double?> Metrics { get; init; }
}

/// <summary>
/// The evaluation report (<c>evaluate/*</c> output; input of <c>select/best</c> and of gates): every
/// model's metrics on the same held-out rows, and which one is best by the primary metric.
/// </summary>
public sealed record EvaluationReport
{
    [JsonPropertyName("task")]
    public required string Task { get; init; }

    [JsonPropertyName("rows")]
    public required long Rows { get; init; }

    [JsonPropertyName("primary_metric")]
    public required string PrimaryMetric { get; init; }

    [JsonPropertyName("data_digest")]
    public required string DataDigest { get; init; }

    [JsonPropertyName("models")]
    public required IReadOnlyList<EvaluatedModel> Models { get; init; }

    [JsonPropertyName("best")]
    public required int Best { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static EvaluationReport Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EvaluationReport>(File.ReadAllBytes(path), Options)
                ?? throw new ComponentArgumentException($"'{path}' is empty, not an evaluation report.");
        }
        catch (JsonException ex)
        {
            throw new ComponentArgumentException($"'{path}' is not an evaluation report: {ex.Message}", ex);
        }
    }

    public void Save(string path) => File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, Options));
}
