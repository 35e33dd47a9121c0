using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toolkit.Gates;

/// <summary>An evaluation report, or its JSON, that gates cannot use; the message names the file.</summary>
public sealed class GateInputException : Exception
{
    public GateInputException(string message)
        : base(message)
    {
    }

    public GateInputException()
    {
    }

    public GateInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>One model in an evaluation report (same fields as <c>evaluate/*</c> writes).</summary>
public sealed record EvaluatedModelData
{
    [JsonPropertyName("index")]
    public int Index { get; init; }

    [JsonPropertyName("algorithm")]
    public required string Algorithm { get; init; }

    [JsonPropertyName("digest")]
    public required string Digest { get; init; }

    /// <summary>Metric values by name; null where a metric could not be computed.</summary>
    [JsonPropertyName("metrics")]
    public IReadOnlyDictionary<string, double?> Metrics { get; init; } = new Dictionary<string, double?>();
}

/// <summary>
/// The evaluation report gates read (<c>evaluate/*</c> output), parsed here so that gates need no
/// reference to the components: every model's metrics on the same held-out rows, and the best.
/// </summary>
public sealed record EvaluationReportData
{
    [JsonPropertyName("task")]
    public required string Task { get; init; }

    [JsonPropertyName("rows")]
    public long Rows { get; init; }

    [JsonPropertyName("primary_metric")]
    public required string PrimaryMetric { get; init; }

    [JsonPropertyName("data_digest")]
    public string? DataDigest { get; init; }

    [JsonPropertyName("models")]
    public required IReadOnlyList<EvaluatedModelData> Models { get; init; }

    [JsonPropertyName("best")]
    public int Best { get; init; }

    public static EvaluationReportData Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Parse(ReportJson.Read(path), path);
    }

    public static EvaluationReportData Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        var report = ReportJson.Deserialize<EvaluationReportData>(json, sourceName, "an evaluation report");
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

    /// <summary>The model with <paramref name="digest"/>, or the best one when <paramref name="digest"/> is null.</summary>
    public EvaluatedModelData Candidate(string? digest)
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

/// <summary>One check of a validation report.</summary>
public sealed record ValidationCheckData
{
    [JsonPropertyName("check")]
    public required string Check { get; init; }

    [JsonPropertyName("subject")]
    public string Subject { get; init; } = "";

    [JsonPropertyName("value")]
    public double? Value { get; init; }

    [JsonPropertyName("op")]
    public string? Op { get; init; }

    [JsonPropertyName("limit")]
    public double? Limit { get; init; }

    [JsonPropertyName("passed")]
    public bool Passed { get; init; }
}

/// <summary>The <c>data/validate</c> report: row count and every check (null fraction per feature column, class balance, ...).</summary>
public sealed record ValidationReportData
{
    [JsonPropertyName("rows")]
    public long Rows { get; init; }

    [JsonPropertyName("passed")]
    public bool Passed { get; init; }

    [JsonPropertyName("checks")]
    public IReadOnlyList<ValidationCheckData> Checks { get; init; } = [];

    public static ValidationReportData Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Parse(ReportJson.Read(path), path);
    }

    public static ValidationReportData Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ReportJson.Deserialize<ValidationReportData>(json, sourceName, "a validation report");
    }
}

internal static class ReportJson
{
    // NaN written by a producer as a string still reads; numbers stay culture-free.
    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals | JsonNumberHandling.AllowReadingFromString,
    };

    public static string Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new GateInputException($"'{path}' does not exist.");
        }

        return File.ReadAllText(path);
    }

    public static T Deserialize<T>(string json, string sourceName, string what)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new GateInputException($"'{sourceName}' is empty, not {what}.");
        }
        catch (JsonException ex)
        {
            throw new GateInputException($"'{sourceName}' is not {what}: {ex.Message}", ex);
        }
    }
}
