using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text;
using Toolkit.Ml.Metrics;

namespace Toolkit.Gates;

public enum CheckKind
{
    Threshold,
    Regression,
    Data,
    Model,
}

public enum CheckStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>
/// One gate check. <see cref="Op"/> is the comparison as text (<c>&gt;=</c>, <c>max_drop</c>,
/// <c>compatible</c>); <see cref="Delta"/> is candidate minus champion, raw (not direction-adjusted).
/// </summary>
public sealed record GateCheck
{
    public required string Name { get; init; }

    public required CheckKind Kind { get; init; }

    public required string Subject { get; init; }

    public double? Value { get; init; }

    public required string Op { get; init; }

    public double? Threshold { get; init; }

    public double? ChampionValue { get; init; }

    public double? Delta { get; init; }

    public required CheckStatus Status { get; init; }

    public string? Note { get; init; }
}

/// <summary>The outcome of a model's gates: passed when every check that ran passed.</summary>
public sealed class GateReport
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Indented = true,

        // Keep ">=" readable: the report is data for tools and people, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public GateReport(string model, string candidateDigest, string candidateAlgorithm, int? championVersion, string? championDigest, IReadOnlyList<GateCheck> checks)
    {
        Model = model;
        CandidateDigest = candidateDigest;
        CandidateAlgorithm = candidateAlgorithm;
        ChampionVersion = championVersion;
        ChampionDigest = championDigest;
        Checks = checks;
    }

    public string Model { get; }

    public string CandidateDigest { get; }

    public string CandidateAlgorithm { get; }

    public int? ChampionVersion { get; }

    public string? ChampionDigest { get; }

    /// <summary>Whether a champion was given at all (its version or digest known).</summary>
    public bool HasChampion => ChampionVersion is not null || ChampionDigest is not null;

    public IReadOnlyList<GateCheck> Checks { get; }

    public bool Passed => Checks.All(c => c.Status != CheckStatus.Failed);

    /// <summary>Stable snake_case JSON (a public interface: field names do not change).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonOptions))
        {
            w.WriteStartObject();
            w.WriteString("model", Model);
            w.WriteBoolean("passed", Passed);
            w.WriteStartObject("candidate");
            w.WriteString("digest", CandidateDigest);
            w.WriteString("algorithm", CandidateAlgorithm);
            w.WriteEndObject();
            if (HasChampion)
            {
                w.WriteStartObject("champion");
                WriteNumber(w, "version", ChampionVersion);
                w.WriteString("digest", ChampionDigest);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("champion");
            }

            w.WriteStartArray("checks");
            foreach (var c in Checks)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("kind", Lower(c.Kind));
                w.WriteString("subject", c.Subject);
                WriteNumber(w, "value", c.Value);
                w.WriteString("op", c.Op);
                WriteNumber(w, "threshold", c.Threshold);
                WriteNumber(w, "champion_value", c.ChampionValue);
                WriteNumber(w, "delta", c.Delta);
                w.WriteString("status", Lower(c.Status));
                w.WriteString("note", c.Note);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>A pull-request comment: verdict heading, then one table row per check (deterministic).</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        var failed = Checks.Count(c => c.Status == CheckStatus.Failed);
        var skipped = Checks.Count(c => c.Status == CheckStatus.Skipped);
        sb.Append(Passed ? "## ✅ Gates passed: " : "## ❌ Gates failed: ").Append(Model).Append('\n').Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"Candidate: `{CandidateAlgorithm}` `{Short(CandidateDigest)}`");
        var version = ChampionVersion is { } v ? "v" + v.ToString(CultureInfo.InvariantCulture) + " " : "";
        var digest = ChampionDigest is { } d ? $"`{Short(d)}`" : "";
        sb.Append(" · champion (prod): ").Append(HasChampion ? (version + digest).TrimEnd() : "none");
        sb.Append('\n').Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"{Checks.Count - failed - skipped} passed, {failed} failed, {skipped} skipped.\n\n");
        sb.Append("| Check | Kind | Value | Threshold | Δ vs champion | Status | Note |\n");
        sb.Append("|---|---|---:|---|---:|---|---|\n");
        foreach (var c in Checks)
        {
            var threshold = c.Threshold is { } t ? $"{c.Op} {FormatValue(c, t)}" : c.Op;
            var delta = c.Delta is { } dv ? FormatDelta(c, dv) : "–";
            var status = c.Status switch
            {
                CheckStatus.Passed => "✅ passed",
                CheckStatus.Failed => "❌ failed",
                _ => "⏭️ skipped",
            };
            var value = c.Value is { } v2 ? FormatValue(c, v2) : "–";
            sb.Append(CultureInfo.InvariantCulture,
                $"| {Cell(c.Name)} | {Lower(c.Kind)} | {value} | {Cell(threshold)} | {delta} | {status} | {Cell(c.Note ?? "")} |\n");
        }

        return sb.ToString();
    }

    // Row counts read as whole numbers; every metric and fraction to 4 decimals.
    private static string FormatValue(GateCheck c, double v) =>
        c.Name == GateEvaluator.MinRowsCheck
            ? v.ToString("0", CultureInfo.InvariantCulture)
            : MetricCatalog.Format(v);

    private static string FormatDelta(GateCheck c, double v) => (v >= 0 ? "+" : "") + FormatValue(c, v);

    private static string Short(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        return digest.Length > colon + 13 ? digest[..(colon + 13)] : digest;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

#pragma warning disable CA1308 // The JSON interface is lowercase by design; these are enum names, not user text.
    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
#pragma warning restore CA1308

    private static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
