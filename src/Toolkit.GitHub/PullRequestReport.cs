using System.Globalization;
using System.Text;
using Toolkit.Gates;
using Toolkit.Ml.Metrics;

namespace Toolkit.GitHub;

/// <summary>How a pipeline step ended, for the report's graph.</summary>
public enum StepOutcome
{
    Ran,
    Cached,
    Failed,
    Skipped,
}

/// <summary>One step of the run behind a report: its outcome, time and the steps whose outputs it read.</summary>
public sealed record PipelineStepView
{
    public required string Name { get; init; }

    public required StepOutcome Outcome { get; init; }

    public TimeSpan? Duration { get; init; }

    public IReadOnlyList<string> DependsOn { get; init; } = [];
}

/// <summary>One metric of the candidate beside the version in prod's (null: not recorded).</summary>
public sealed record MetricRow(string Name, double? Candidate, double? Prod);

/// <summary>A line of a file a check-run annotation points at.</summary>
public sealed record ReportAnnotation(string Path, int Line, string Title, string Message);

/// <summary>
/// What the pull request is told about one model: the gate report (the one source of truth; nothing is
/// recomputed here) rendered as the sticky comment, the check run's summary and its annotations.
/// </summary>
public sealed class PullRequestReport
{
    public required GateReport Gate { get; init; }

    /// <summary>The model's policy, for the line of each threshold (null: no annotations).</summary>
    public ModelPolicy? Policy { get; init; }

    /// <summary>The policy's path relative to the repository root, as annotations name it (<c>models/NAME/model.yaml</c>).</summary>
    public required string PolicyPath { get; init; }

    public required string RunId { get; init; }

    public IReadOnlyList<PipelineStepView> Steps { get; init; } = [];

    /// <summary>
    /// Every metric the evaluation reported, beside prod's as the registry recorded it; empty: the metrics the
    /// gate checked (their values and prod's are in the gate report).
    /// </summary>
    public IReadOnlyList<MetricRow> Metrics { get; init; } = [];

    /// <summary>The Actions run's page, when the report is made inside Actions.</summary>
    public string? RunUrl { get; init; }

    public string Model => Gate.Model;

    /// <summary>The hidden first line that finds this model's comment again on the next push.</summary>
    public string Marker => MarkerFor(Model);

    /// <summary>The check run's (and commit status's) name.</summary>
    public string CheckName => "toolkit / " + Model;

    /// <summary>success, failure, or neutral when no check ran (every one skipped).</summary>
    public string Conclusion =>
        !Gate.Passed ? "failure" : Gate.Checks.All(c => c.Status == CheckStatus.Skipped) ? "neutral" : "success";

    public string Title
    {
        get
        {
            var (passed, failed, skipped) = Counts();
            var verdict = Conclusion switch { "failure" => "gates failed", "neutral" => "gates skipped", _ => "gates passed" };
            return string.Create(CultureInfo.InvariantCulture, $"{Model}: {verdict} ({passed} passed, {failed} failed, {skipped} skipped)");
        }
    }

    public static string MarkerFor(string model) => $"<!-- toolkit:report model={model} -->";

    /// <summary>An annotation on the policy line of every failed threshold and regression rule.</summary>
    public IReadOnlyList<ReportAnnotation> Annotations() =>
        [.. Gate.Checks
            .Where(c => c.Status == CheckStatus.Failed && c.Kind is CheckKind.Threshold or CheckKind.Regression)
            .Select(c => (Check: c, Line: Policy?.CheckLines.TryGetValue(c.Name, out var line) == true ? line : (int?)null))
            .Where(x => x.Line is not null)
            .Select(x => new ReportAnnotation(PolicyPath, x.Line!.Value, $"{CheckName}: {Rule(x.Check)} failed", Failure(x.Check)))];

    /// <summary>The comment: the marker, then the report.</summary>
    public string ToComment() => Marker + "\n" + ToMarkdown();

    /// <summary>The report in GitHub Markdown, short lines and small tables (readable at a phone's width).</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        var icon = Conclusion switch { "failure" => "❌", "neutral" => "⏭️", _ => "✅" };
        sb.Append(CultureInfo.InvariantCulture, $"## {icon} {Title}\n\n");
        var champion = Gate.HasChampion
            ? (Gate.ChampionVersion is { } v ? $"prod v{v.ToString(CultureInfo.InvariantCulture)}" : "prod") + (Gate.ChampionDigest is { } d ? $" `{Short(d)}`" : "")
            : "no version in prod yet";
        sb.Append(CultureInfo.InvariantCulture, $"Candidate `{Gate.CandidateAlgorithm}` `{Short(Gate.CandidateDigest)}` vs {champion} · run `{RunId}`\n\n");

        AppendMetrics(sb);
        AppendChecks(sb, CheckKind.Threshold, "Thresholds");
        AppendChecks(sb, CheckKind.Regression, "No regression vs prod");
        AppendChecks(sb, CheckKind.Data, "Data");
        AppendModel(sb);
        AppendPipeline(sb);
        AppendLinks(sb);
        return sb.ToString();
    }

    private (int Passed, int Failed, int Skipped) Counts()
    {
        var failed = Gate.Checks.Count(c => c.Status == CheckStatus.Failed);
        var skipped = Gate.Checks.Count(c => c.Status == CheckStatus.Skipped);
        return (Gate.Checks.Count - failed - skipped, failed, skipped);
    }

    private void AppendMetrics(StringBuilder sb)
    {
        var checkedMetrics = Gate.Checks
            .Where(c => c.Kind is CheckKind.Threshold or CheckKind.Regression && c.Value is not null)
            .GroupBy(c => c.Subject, StringComparer.Ordinal)
            .Select(g => new MetricRow(g.Key, g.First().Value, g.First().ChampionValue))
            .ToList();

        // The gated metrics first, then the rest the evaluation reported.
        var rows = Metrics.Count == 0
            ? checkedMetrics
            : [.. Metrics.OrderBy(m => checkedMetrics.FindIndex(c => c.Name == m.Name) is var i and >= 0 ? i : int.MaxValue).ThenBy(m => m.Name, StringComparer.Ordinal)];
        if (rows.Count == 0)
        {
            return;
        }

        sb.Append("### Metrics vs prod\n\n| metric | candidate | prod | Δ |\n|---|---:|---:|---:|\n");
        foreach (var row in rows)
        {
            var arrow = MetricCatalog.IsLowerBetter(row.Name) ? "↓" : "↑";
            var delta = "–";
            if (row.Prod is { } prod && row.Candidate is { } value && double.IsFinite(prod) && double.IsFinite(value))
            {
                var d = value - prod;
                var mark = d == 0 ? "" : MetricCatalog.IsBetter(row.Name, value, prod) ? " 🟢" : " 🔴";
                delta = (d >= 0 ? "+" : "") + MetricCatalog.Format(d) + mark;
            }

            sb.Append(CultureInfo.InvariantCulture, $"| {row.Name} {arrow} | {MetricCatalog.Format(row.Candidate)} | {MetricCatalog.Format(row.Prod)} | {delta} |\n");
        }

        sb.Append("\n↑ higher is better, ↓ lower is better; 🟢 better than prod, 🔴 worse.\n\n");
    }

    private void AppendChecks(StringBuilder sb, CheckKind kind, string heading)
    {
        var checks = Gate.Checks.Where(c => c.Kind == kind).ToList();
        if (checks.Count == 0)
        {
            return;
        }

        sb.Append(CultureInfo.InvariantCulture, $"### {heading}\n\n");
        foreach (var c in checks)
        {
            var value = c.Value is { } v ? ": " + FormatValue(c, v) : "";
            var note = c.Note is { Length: > 0 } n ? $" — {n}" : "";
            sb.Append(CultureInfo.InvariantCulture, $"- {Icon(c.Status)} `{Rule(c)}`{value}{note}\n");
        }

        sb.Append('\n');
    }

    private void AppendModel(StringBuilder sb)
    {
        var checks = Gate.Checks.Where(c => c.Kind == CheckKind.Model).ToList();
        if (checks.Count == 0)
        {
            return;
        }

        sb.Append("### Model\n\n");
        foreach (var c in checks.Where(c => c.Name != "model:signature"))
        {
            var value = c.Value is { } v ? ": " + (c.Subject == "size_mb" ? Size(v) : v.ToString("0.####", CultureInfo.InvariantCulture)) : "";
            var note = c.Note is { Length: > 0 } n ? $" — {n}" : "";
            sb.Append(CultureInfo.InvariantCulture, $"- {Icon(c.Status)} `{Rule(c)}`{value}{note}\n");
        }

        if (checks.FirstOrDefault(c => c.Name == "model:signature") is { } signature)
        {
            sb.Append(CultureInfo.InvariantCulture, $"- {Icon(signature.Status)} signature `{signature.Op}` with prod");
            if (signature.Status == CheckStatus.Passed)
            {
                sb.Append(": no column removed, retyped or added\n");
            }
            else if (signature.Note is { Length: > 0 } note)
            {
                sb.Append(signature.Status == CheckStatus.Skipped ? $" — {note}\n" : ":\n");
                if (signature.Status == CheckStatus.Failed)
                {
                    foreach (var change in note.Split("; ", StringSplitOptions.RemoveEmptyEntries))
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"  - {change}\n");
                    }
                }
            }
            else
            {
                sb.Append('\n');
            }
        }

        sb.Append('\n');
    }

    private void AppendPipeline(StringBuilder sb)
    {
        if (Steps.Count == 0)
        {
            return;
        }

        var ids = Steps.Select((s, i) => (s.Name, Id: "s" + i.ToString(CultureInfo.InvariantCulture))).ToDictionary(x => x.Name, x => x.Id, StringComparer.Ordinal);
        sb.Append("### Pipeline\n\n```mermaid\nflowchart LR\n");
        foreach (var step in Steps)
        {
            var time = step.Duration is { } d ? " " + Seconds(d) : "";
            var label = $"{step.Name}<br/>{Lower(step.Outcome)}{time}".Replace("\"", "'", StringComparison.Ordinal);
            sb.Append(CultureInfo.InvariantCulture, $"  {ids[step.Name]}[\"{label}\"]:::{Lower(step.Outcome)}\n");
        }

        foreach (var step in Steps)
        {
            foreach (var from in step.DependsOn.Where(ids.ContainsKey).Distinct(StringComparer.Ordinal))
            {
                sb.Append(CultureInfo.InvariantCulture, $"  {ids[from]} --> {ids[step.Name]}\n");
            }
        }

        sb.Append("  classDef ran fill:#dafbe1,stroke:#1a7f37\n");
        sb.Append("  classDef cached fill:#eaeef2,stroke:#6e7781\n");
        sb.Append("  classDef failed fill:#ffebe9,stroke:#cf222e\n");
        sb.Append("  classDef skipped fill:#fff8c5,stroke:#9a6700\n");
        sb.Append("```\n\n");
        var ran = Steps.Count(s => s.Outcome == StepOutcome.Ran);
        var cached = Steps.Count(s => s.Outcome == StepOutcome.Cached);
        var failedSteps = Steps.Count(s => s.Outcome == StepOutcome.Failed);
        sb.Append(CultureInfo.InvariantCulture, $"{Steps.Count} steps: {ran} ran, {cached} cached, {failedSteps} failed.\n\n");
    }

    private void AppendLinks(StringBuilder sb)
    {
        sb.Append("### Artifacts\n\n");
        if (RunUrl is { } url)
        {
            sb.Append(CultureInfo.InvariantCulture, $"- [the workflow run]({url}) · [its artifacts]({url}#artifacts) (test results, gate report, model card)\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"- locally: `mlops runs show {RunId}` · `mlops lineage {RunId}` · policy `{PolicyPath}`\n");
    }

    /// <summary>The rule a check stands for, as the policy writes it.</summary>
    private static string Rule(GateCheck c) => c.Kind switch
    {
        CheckKind.Threshold => $"{c.Subject} {c.Op} {Number(c.Threshold)}",
        CheckKind.Regression => $"{c.Subject} {c.Op} {Number(c.Threshold)}",
        _ => $"{Measured(c)} {c.Op}{(c.Threshold is { } t ? " " + Number(t) : "")}",
    };

    // data:max_null_fraction reads "null_fraction <= 0.2", model:max_size_mb "size_mb <= 50".
    private static string Measured(GateCheck c)
    {
        var key = c.Name[(c.Name.IndexOf(':', StringComparison.Ordinal) + 1)..];
        return key.StartsWith("max_", StringComparison.Ordinal) || key.StartsWith("min_", StringComparison.Ordinal) ? key[4..] : key;
    }

    private static string Failure(GateCheck c) =>
        c.Value is { } v
            ? $"{c.Subject} is {FormatValue(c, v)}{(c.Note is { Length: > 0 } n ? $" ({n})" : "")}; the policy asks for {Rule(c)}."
            : c.Note ?? $"{c.Subject} has no value";

    private static string FormatValue(GateCheck c, double v) =>
        c.Subject == "rows" ? v.ToString("0", CultureInfo.InvariantCulture) : MetricCatalog.Format(v);

    private static string Number(double? v) => v is { } d ? d.ToString("0.####", CultureInfo.InvariantCulture) : "";

    private static string Icon(CheckStatus status) => status switch
    {
        CheckStatus.Passed => "✅",
        CheckStatus.Failed => "❌",
        _ => "⏭️",
    };

    private static string Size(double mb) =>
        mb < 1 ? (mb * 1024).ToString("0.#", CultureInfo.InvariantCulture) + " KB" : mb.ToString("0.00", CultureInfo.InvariantCulture) + " MB";

    private static string Seconds(TimeSpan d) => d.TotalSeconds.ToString(d.TotalSeconds < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + "s";

    private static string Short(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        return digest.Length > colon + 13 ? digest[..(colon + 13)] : digest;
    }

#pragma warning disable CA1308 // Labels are lowercase by design.
    private static string Lower(StepOutcome outcome) => outcome.ToString().ToLowerInvariant();
#pragma warning restore CA1308
}
