using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Toolkit.Monitoring.Drift;
using Toolkit.Monitoring.Profiles;

namespace Toolkit.Monitoring.Reports;

/// <summary>
/// The drift report as one self-contained HTML file: the verdict on top, a bar chart of every feature's PSI
/// against its threshold, then per feature its reference and current histograms overlaid and its scores as
/// bars. Charts are inline SVG; nothing is loaded from anywhere (the Content-Security-Policy forbids it),
/// and every name and label is HTML-escaped (column names and categories are user data).
/// </summary>
internal static class DriftHtmlReport
{
    private const string Policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
    private const string ReferenceColor = "#4c78a8";
    private const string CurrentColor = "#f58518";

    public static string Render(DriftReport report, string title, DriftThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        thresholds ??= new DriftThresholds();
        var h = HtmlEncoder.Default;
        var s = new StringBuilder(16 * 1024);
        s.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        s.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(Policy).Append("\">\n");
        s.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        s.Append("<title>").Append(h.Encode(title)).Append("</title>\n");
        s.Append("""
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
            .verdict{padding:1rem;border-radius:.4rem;font-size:1.3rem}
            .drift{background:#fde2e1;border:1px solid #e45756}.ok{background:#e3f4e1;border:1px solid #54a24b}
            table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
            td:first-child,th:first-child{text-align:left}.yes{color:#b00;font-weight:bold}
            section.feature{border-top:1px solid #ddd;margin-top:1.5rem;padding-top:.5rem}
            svg text{font-size:11px;fill:#333}.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem}
            </style>

            """);
        s.Append("</head>\n<body>\n");
        s.Append("<h1>").Append(h.Encode(title)).Append("</h1>\n");
        s.Append("<p id=\"verdict\" class=\"verdict ").Append(report.DatasetDrift ? "drift" : "ok").Append("\">")
            .Append(h.Encode(Verdict(report))).Append("</p>\n");
        s.Append("<p class=\"meta\">reference ").Append(report.ReferenceRows.ToString("N0", CultureInfo.InvariantCulture))
            .Append(" rows · current ").Append(report.CurrentRows.ToString("N0", CultureInfo.InvariantCulture))
            .Append(" rows · trigger <code id=\"trigger\">").Append(h.Encode(report.Trigger)).Append("</code></p>\n");
        s.Append("<p class=\"legend\"><span style=\"background:").Append(ReferenceColor).Append("\"></span>reference")
            .Append("<span style=\"background:").Append(CurrentColor).Append("\"></span>current</p>\n");

        s.Append("<h2>PSI by feature</h2>\n");
        ScoreBars(s, h, "psi-summary", [.. report.Features.Select(f => (f.Name, f.Psi ?? 0, f.Drifted))], thresholds.Psi, "PSI");

        s.Append("<table id=\"features\"><thead><tr><th>feature</th><th>type</th><th>test</th><th>statistic</th><th>p-value</th><th>PSI</th><th>Wasserstein</th><th>W / std</th><th>drifted</th></tr></thead><tbody>\n");
        foreach (var f in report.Features.Concat(report.PredictionDrift is { } p ? [p] : []))
        {
            s.Append("<tr><td>").Append(h.Encode(f.Name)).Append("</td><td>").Append(Kind(f.Kind)).Append("</td><td>").Append(h.Encode(f.Test))
                .Append("</td><td>").Append(Number(f.Statistic)).Append("</td><td>").Append(Number(f.PValue))
                .Append("</td><td>").Append(Number(f.Psi)).Append("</td><td>").Append(Number(f.Wasserstein))
                .Append("</td><td>").Append(Number(f.WassersteinNorm)).Append("</td><td")
                .Append(f.Drifted ? " class=\"yes\">yes" : ">no").Append("</td></tr>\n");
        }

        s.Append("</tbody></table>\n");
        var index = 0;
        foreach (var f in report.Features.Concat(report.PredictionDrift is { } p ? [p] : []))
        {
            index++;
            s.Append("<section class=\"feature\" data-drifted=\"").Append(f.Drifted ? "true" : "false").Append("\">\n<h3>")
                .Append(h.Encode(f.Name)).Append(f.Drifted ? " · drifted" : string.Empty).Append("</h3>\n");
            if (f.Histogram is { } histogram)
            {
                Histogram(s, h, $"hist-{index}", histogram);
            }

            var scores = new List<(string, double, bool)>();
            if (f.Psi is { } psi)
            {
                scores.Add(("PSI / threshold", psi / thresholds.Psi, psi > thresholds.Psi));
            }

            if (f.WassersteinNorm is { } wn)
            {
                scores.Add(("W/std / threshold", wn / thresholds.WassersteinNorm, wn > thresholds.WassersteinNorm));
            }

            if (f.PValue is { } pv)
            {
                var limit = f.Kind == FeatureKind.Categorical ? thresholds.ChiSquarePValue : thresholds.KsPValue;
                scores.Add(("-log10 p / -log10 limit", -Math.Log10(Math.Max(pv, 1e-300)) / -Math.Log10(limit), pv < limit));
            }

            ScoreBars(s, h, $"scores-{index}", scores, 1.0, "score relative to its threshold (1 = threshold)");
            s.Append("</section>\n");
        }

        s.Append("</body>\n</html>\n");
        return s.ToString();
    }

    /// <summary>The verdict line (also the Markdown report's).</summary>
    public static string Verdict(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var drifted = report.Features.Count(f => f.Drifted);
        var share = (report.DriftedShare * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
        var names = drifted == 0 ? string.Empty : ": " + string.Join(", ", report.DriftedFeatures);
        var prediction = report.PredictionDrift is { } p ? (p.Drifted ? "; predictions drifted" : "; predictions stable") : string.Empty;
        return (report.DatasetDrift ? "Dataset drift" : "No dataset drift")
            + string.Create(CultureInfo.InvariantCulture, $" — {drifted} of {report.Features.Count} features drifted ({share}){names}{prediction}");
    }

    private static string Kind(FeatureKind kind) => kind == FeatureKind.Numeric ? "numeric" : "categorical";

    private static string Number(double? value) => value is { } v ? v.ToString("G4", CultureInfo.InvariantCulture) : "–";

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static void Histogram(StringBuilder s, HtmlEncoder h, string id, FeatureHistogram histogram)
    {
        const double width = 640, height = 220, left = 40, bottom = 60, top = 10;
        var bins = histogram.Labels.Count;
        var max = Math.Max(histogram.Reference.DefaultIfEmpty(0).Max(), histogram.Current.DefaultIfEmpty(0).Max());
        max = max <= 0 ? 1 : max;
        var slot = (width - left - 10) / Math.Max(bins, 1);
        var plot = height - bottom - top;
        s.Append("<svg id=\"").Append(id).Append("\" class=\"chart histogram\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
            .Append(F(width)).Append("\" height=\"").Append(F(height)).Append("\" viewBox=\"0 0 ").Append(F(width)).Append(' ').Append(F(height)).Append("\">\n");
        s.Append("<title>reference and current shares per bin</title>\n");
        s.Append("<line x1=\"").Append(F(left)).Append("\" y1=\"").Append(F(top + plot)).Append("\" x2=\"").Append(F(width - 10))
            .Append("\" y2=\"").Append(F(top + plot)).Append("\" stroke=\"#888\"/>\n");
        s.Append("<text x=\"2\" y=\"").Append(F(top + 10)).Append("\">").Append(max.ToString("P0", CultureInfo.InvariantCulture)).Append("</text>\n");
        for (var i = 0; i < bins; i++)
        {
            var x = left + (i * slot);
            Bar(s, x + (slot * 0.1), slot * 0.8, histogram.Reference[i] / max * plot, top + plot, ReferenceColor, 0.6);
            Bar(s, x + (slot * 0.25), slot * 0.5, histogram.Current[i] / max * plot, top + plot, CurrentColor, 0.75);
            s.Append("<text transform=\"translate(").Append(F(x + (slot / 2))).Append(',').Append(F(top + plot + 12))
                .Append(") rotate(30)\">").Append(h.Encode(Shorten(histogram.Labels[i]))).Append("</text>\n");
        }

        s.Append("</svg>\n");
    }

    private static void ScoreBars(StringBuilder s, HtmlEncoder h, string id, IReadOnlyList<(string Name, double Value, bool Over)> bars, double threshold, string caption)
    {
        const double width = 640, labelWidth = 170, rowHeight = 20, valueWidth = 400;
        var height = (bars.Count * rowHeight) + 30;
        var max = Math.Max(threshold * 1.5, bars.Select(b => double.IsFinite(b.Value) ? b.Value : 0).DefaultIfEmpty(0).Max());
        s.Append("<svg id=\"").Append(id).Append("\" class=\"chart scores\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
            .Append(F(width)).Append("\" height=\"").Append(F(height)).Append("\" viewBox=\"0 0 ").Append(F(width)).Append(' ').Append(F(height)).Append("\">\n");
        s.Append("<title>").Append(h.Encode(caption)).Append("</title>\n");
        for (var i = 0; i < bars.Count; i++)
        {
            var (name, value, over) = bars[i];
            var y = 5 + (i * rowHeight);
            var length = double.IsFinite(value) ? Math.Max(0, value) / max * valueWidth : valueWidth;
            s.Append("<text x=\"0\" y=\"").Append(F(y + 13)).Append("\">").Append(h.Encode(Shorten(name))).Append("</text>\n");
            s.Append("<rect x=\"").Append(F(labelWidth)).Append("\" y=\"").Append(F(y)).Append("\" width=\"").Append(F(length))
                .Append("\" height=\"").Append(F(rowHeight - 5)).Append("\" fill=\"").Append(over ? "#e45756" : "#54a24b").Append("\"/>\n");
            s.Append("<text x=\"").Append(F(labelWidth + length + 4)).Append("\" y=\"").Append(F(y + 13)).Append("\">")
                .Append(value.ToString("G3", CultureInfo.InvariantCulture)).Append("</text>\n");
        }

        var tx = labelWidth + (threshold / max * valueWidth);
        s.Append("<line x1=\"").Append(F(tx)).Append("\" y1=\"0\" x2=\"").Append(F(tx)).Append("\" y2=\"").Append(F(height - 20))
            .Append("\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n");
        s.Append("<text x=\"").Append(F(labelWidth)).Append("\" y=\"").Append(F(height - 5)).Append("\">").Append(h.Encode(caption))
            .Append(" · dashed: threshold</text>\n</svg>\n");
    }

    private static void Bar(StringBuilder s, double x, double width, double height, double baseline, string color, double opacity) =>
        s.Append("<rect x=\"").Append(F(x)).Append("\" y=\"").Append(F(baseline - height)).Append("\" width=\"").Append(F(width))
            .Append("\" height=\"").Append(F(height)).Append("\" fill=\"").Append(color).Append("\" fill-opacity=\"")
            .Append(opacity.ToString("0.##", CultureInfo.InvariantCulture)).Append("\"/>\n");

    private static string Shorten(string text) => text.Length <= 28 ? text : text[..27] + "…";
}
