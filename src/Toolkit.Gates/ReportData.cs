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
