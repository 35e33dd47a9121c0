using System.Globalization;
using System.Text;
using Toolkit.Monitoring.Drift;
using Toolkit.Monitoring.Profiles;

namespace Toolkit.Monitoring.Reports;

/// <summary>The drift report as GitHub-flavoured Markdown, for a job summary: verdict, then one table row per feature.</summary>
internal static class DriftMarkdownReport
{
    public static string Render(DriftReport report, string title)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = new StringBuilder();
        s.Append("## ").Append(Cell(title)).Append("\n\n");
        s.Append(report.DatasetDrift ? "**" : string.Empty).Append(Cell(DriftHtmlReport.Verdict(report))).Append(report.DatasetDrift ? "**" : string.Empty).Append("\n\n");
        s.Append(CultureInfo.InvariantCulture, $"Reference {report.ReferenceRows:N0} rows, current {report.CurrentRows:N0} rows; trigger `{report.Trigger}`.\n\n");
        s.Append("| feature | type | test | statistic | p-value | PSI | Wasserstein | W / std | drifted |\n");
        s.Append("|---|---|---|---:|---:|---:|---:|---:|---|\n");
        foreach (var f in report.Features.Concat(report.PredictionDrift is { } p ? [p] : []))
        {
            s.Append("| ").Append(Cell(f.Name)).Append(" | ").Append(f.Kind == FeatureKind.Numeric ? "numeric" : "categorical")
                .Append(" | ").Append(f.Test).Append(" | ").Append(Number(f.Statistic)).Append(" | ").Append(Number(f.PValue))
                .Append(" | ").Append(Number(f.Psi)).Append(" | ").Append(Number(f.Wasserstein)).Append(" | ").Append(Number(f.WassersteinNorm))
                .Append(" | ").Append(f.Drifted ? "**yes**" : "no").Append(" |\n");
        }

        return s.ToString();
    }

    private static string Number(double? value) => value is { } v ? v.ToString("G4", CultureInfo.InvariantCulture) : "–";

    /// <summary>User text in a table cell: no pipes, no line breaks, no HTML.</summary>
    private static string Cell(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
