using System.Globalization;
using System.Text;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Registry.ModelCards;

/// <summary>
/// A model version's card in Markdown: identity, what it predicts from what, how it was trained, where it
/// came from and whether it passed its gates. The text depends only on recorded facts (no current time),
/// so the same version renders the same card byte for byte.
/// </summary>
public static class ModelCard
{
    public static string Render(ModelVersion version, IScoringModel model, string? gateReportMarkdown)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(model);
        var md = new StringBuilder();
        Line(md, $"# {version.Model} v{Int(version.Version)}");
        Line(md);
        Line(md, "| Field | Value |");
        Line(md, "|---|---|");
        Row(md, "Model", version.Model);
        Row(md, "Version", Int(version.Version));
        Row(md, "Digest", Code(version.Digest));
        Row(md, "Flavor", model.Flavor);
        Row(md, "Task", model.Task.ToName());
        Row(md, "Algorithm", model.Algorithm);
        Row(md, "Label", model.Label);
        if (model.Classes is { } classes)
        {
            Row(md, "Classes", $"{string.Join(", ", classes)} (positive: {classes[^1]})");
        }

        Row(md, "Created", $"{Time(version.CreatedAt)} by {version.CreatedBy ?? "unknown"}");

        Section(md, "Hyperparameters");
        if (model.HyperParameters.Count == 0)
        {
            Line(md, "_None._");
        }
        else
        {
            Line(md, "| Name | Value |");
            Line(md, "|---|---|");
            foreach (var (name, value) in model.HyperParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Row(md, name, value);
            }
        }

        Section(md, "Signature");
        Line(md, "The input columns the model expects:");
        Line(md);
        Line(md, "| Column | Type |");
        Line(md, "|---|---|");
        foreach (var column in model.Signature.Columns)
        {
            Row(md, column.Name, TypeOf(column));
        }

        Section(md, "Metrics");
        MetricTable(md, version.Metrics, "_No evaluation metrics were registered._");
        Line(md);
        Line(md, "Measured on the training rows:");
        Line(md);
        MetricTable(md, model.Metrics, "_None recorded._");

        Section(md, "Lineage");
        Line(md, "| Field | Value |");
        Line(md, "|---|---|");
        Row(md, "Run", version.RunId ?? "unknown");
        Row(md, "Pipeline", version.Pipeline ?? "unknown");
        var training = model.Training;
        Row(md, "Data digest", (version.DataDigest ?? training?.DataDigest) is { } data ? Code(data) : "unknown");
        Row(md, "Training rows", training?.Rows.ToString(CultureInfo.InvariantCulture) ?? "unknown");
        Row(md, "Seed", training is null ? "unknown" : Int(training.Seed));
        Row(md, "Toolkit version", training?.ToolkitVersion ?? "unknown");
        Row(md, "Git commit", version.GitCommit is { } commit ? Code(commit) : "unknown");
        Row(md, "Git branch", version.GitBranch ?? "unknown");
        if (version.Parameters.Count > 0)
        {
            Line(md);
            Line(md, "Run parameters:");
            Line(md);
            Line(md, "| Name | Value |");
            Line(md, "|---|---|");
            foreach (var (name, value) in version.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Row(md, name, value);
            }
        }

        Section(md, "Gates");
        Line(md, version.GatePassed switch
        {
            true => "**Passed.**",
            false => "**Failed.** This version may not be promoted.",
            null => "**No gate ran.** This version may not be promoted while its stage requires passed gates.",
        });
        if (!string.IsNullOrWhiteSpace(gateReportMarkdown))
        {
            Line(md);
            Line(md, gateReportMarkdown.TrimEnd());
        }

        return md.ToString();
    }

    private static void MetricTable(StringBuilder md, IReadOnlyDictionary<string, double> metrics, string none)
    {
        if (metrics.Count == 0)
        {
            Line(md, none);
            return;
        }

        Line(md, "| Metric | Value |");
        Line(md, "|---|---|");
        foreach (var (name, value) in metrics.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Row(md, name, Number(value));
        }
    }

    private static string TypeOf(ColumnSchema column) => column.Type switch
    {
        ColumnType.Categorical when column.Categories is { } categories =>
            string.Create(CultureInfo.InvariantCulture, $"categorical ({categories.Count} categories)"),
        _ => column.Type.ToString().ToLowerInvariant(),
    };

    /// <summary>Six significant digits: enough to read, stable across runs (the exact values are in the registry).</summary>
    private static string Number(double value) => double.IsFinite(value) ? value.ToString("G6", CultureInfo.InvariantCulture) : "n/a";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Code(string text) => "`" + text.Replace("`", "'", StringComparison.Ordinal) + "`";

    private static void Section(StringBuilder md, string title)
    {
        Line(md);
        Line(md, "## " + title);
        Line(md);
    }

    /// <summary>One table row; pipes and line breaks inside values would break the table.</summary>
    private static void Row(StringBuilder md, string name, string value) =>
        Line(md, $"| {Cell(name)} | {Cell(value)} |");

    // Column names, classes and parameters come from data files: Markdown renders raw HTML, so <, > and &
    // become entities (they still read as themselves) and a card can never carry a tag.
    private static string Cell(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    // Always \n: the card is the same text on every platform.
    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
