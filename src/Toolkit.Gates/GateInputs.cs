using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Training;

namespace Toolkit.Gates;

/// <summary>The version in prod that a candidate is compared with; every part may be unknown.</summary>
public sealed record ChampionInfo
{
    public int? Version { get; init; }

    public string? Digest { get; init; }

    /// <summary>The champion's metrics (ideally on the same held-out rows as the candidate).</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>The champion's model file, for the signature check.</summary>
    public string? ModelPath { get; init; }

    /// <summary>The champion's task, for the signature check when there is no <see cref="ModelPath"/>.</summary>
    public ModelTask? Task { get; init; }

    /// <summary>The champion's inputs, for the signature check when there is no <see cref="ModelPath"/>.</summary>
    public Schema? Signature { get; init; }
}

/// <summary>
/// The champion as a small JSON file: what the host knows about the version in prod (version, digest,
/// metrics, task, signature), handed to a gate step wherever it runs, so a step in a container judges
/// against the same prod as one in-process. "No version in prod" is a file too.
/// </summary>
public static class ChampionFile
{
    public static byte[] Write(string model, ChampionInfo? champion)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            if (champion is null)
            {
                w.WriteNull("prod");
            }
            else
            {
                w.WriteStartObject("prod");
                if (champion.Version is { } version)
                {
                    w.WriteNumber("version", version);
                }

                w.WriteString("digest", champion.Digest);
                w.WriteStartObject("metrics");
                foreach (var (k, v) in (champion.Metrics ?? new Dictionary<string, double>()).Where(m => double.IsFinite(m.Value)).OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    w.WriteNumber(k, v);
                }

                w.WriteEndObject();
                if (champion.Task is { } task)
                {
                    w.WriteString("task", task.ToName());
                }

                if (champion.Signature is { } signature)
                {
                    w.WriteStartArray("signature");
                    foreach (var c in signature.Columns)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", c.Name);
                        w.WriteString("type", c.Type.ToString());
                        w.WriteString("role", c.Role.ToString());
                        if (c.Categories is { } categories)
                        {
                            w.WriteStartArray("categories");
                            foreach (var category in categories)
                            {
                                w.WriteStringValue(category);
                            }

                            w.WriteEndArray();
                        }

                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The champion in the file; null when no version holds prod.</summary>
    public static ChampionInfo? Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("prod", out var prod) || prod.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return new ChampionInfo
            {
                Version = prod.TryGetProperty("version", out var v) ? v.GetInt32() : null,
                Digest = prod.TryGetProperty("digest", out var d) ? d.GetString() : null,
                Metrics = prod.TryGetProperty("metrics", out var m)
                    ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal)
                    : null,
                Task = prod.TryGetProperty("task", out var t) ? ModelTaskNames.Parse(t.GetString()!) : null,
                Signature = prod.TryGetProperty("signature", out var sig)
                    ? new Schema(sig.EnumerateArray().Select(c => new ColumnSchema(
                        c.GetProperty("name").GetString()!,
                        Enum.Parse<ColumnType>(c.GetProperty("type").GetString()!),
                        Enum.Parse<ColumnRole>(c.GetProperty("role").GetString()!),
                        c.TryGetProperty("categories", out var cats) ? [.. cats.EnumerateArray().Select(x => x.GetString()!)] : null)))
                    : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a champion file: {ex.Message}", ex);
        }
    }
}

/// <summary>What a gate check judges: the evaluation, the candidate, and optionally the champion and data report.</summary>
public sealed record GateInputs
{
    public required EvaluationReport Evaluation { get; init; }

    /// <summary>The model to judge, by digest; null: the report's best.</summary>
    public string? CandidateDigest { get; init; }

    /// <summary>The candidate's model file (size and signature checks); null: model checks are skipped.</summary>
    public string? CandidateModelPath { get; init; }

    /// <summary>The version in prod; null: regression checks are skipped.</summary>
    public ChampionInfo? Champion { get; init; }

    /// <summary>The <c>data/validate</c> report; null: data checks are skipped.</summary>
    public ValidationReportData? Validation { get; init; }
}
