using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Toolkit.Monitoring.Drift;
using Toolkit.Monitoring.Reports;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops drift</c>: compares a current data file with a reference file, feature by feature.</summary>
internal static class DriftCommand
{
    public static Command Create(CliContext context)
    {
        var reference = new Option<string>("--reference") { Description = "The reference data (CSV), e.g. the training data.", Required = true };
        var current = new Option<string>("--current") { Description = "The current data (CSV) with the reference's columns.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: dataset_drift, drifted_share, features, prediction_drift, trigger." };
        var html = new Option<string?>("--html") { Description = "Also write a self-contained HTML report to this file." };
        var markdown = new Option<string?>("--markdown") { Description = "Also write a Markdown report (for a job summary) to this file." };
        var columns = new Option<string[]>("--columns") { Description = "Compare only these columns (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
        var label = new Option<string?>("--label") { Description = "The label column: left out of the comparison (it may be absent from the current file)." };
        var prediction = new Option<string?>("--prediction") { Description = "A column of model scores in both files: compared as prediction drift." };

        var command = new Command("drift", "Compares current data with reference data (KS, Wasserstein, PSI, chi-square); exit 3 when the data set drifted.")
        {
            reference, current, json, html, markdown, columns, label, prediction,
        };
        command.SetAction(async (parse, ct) =>
        {
            var referencePath = context.PathOf(parse.GetValue(reference)!);
            var currentPath = context.PathOf(parse.GetValue(current)!);
            var selected = CommandLineValues.ParseList(parse.GetValue(columns));
            var options = new DriftOptions
            {
                Columns = selected.Count == 0 ? null : selected,
                Exclude = parse.GetValue(label) is { } l ? [l] : [],
                PredictionColumn = parse.GetValue(prediction),
            };

            var watch = Stopwatch.StartNew();
            var referenceTable = DriftCsv.ReadReference(referencePath, ct);
            context.Error.WriteLine(Line($"read {referenceTable.RowCount:N0} rows x {referenceTable.ColumnCount} columns of {referencePath} in {CommandLineValues.Seconds(watch.Elapsed)}"));
            CheckColumns(referenceTable, options, referencePath);
            watch.Restart();
            var currentTable = DriftCsv.ReadCurrent(currentPath, referenceTable, options, ct);
            context.Error.WriteLine(Line($"read {currentTable.RowCount:N0} rows x {currentTable.ColumnCount} columns of {currentPath} in {CommandLineValues.Seconds(watch.Elapsed)}"));
            if (currentTable.RowCount == 0)
            {
                throw new UsageException($"{currentPath}: the current data has no rows.");
            }

            watch.Restart();
            var report = DriftDetector.Compare(referenceTable, currentTable, options, progress: null, ct);
            context.Error.WriteLine(Line($"compared {report.Features.Count} features in {CommandLineValues.Seconds(watch.Elapsed)}"));

            var title = $"Drift: {Path.GetFileName(currentPath)} against {Path.GetFileName(referencePath)}";
            if (parse.GetValue(html) is { } htmlPath)
            {
                await WriteAtomicAsync(context.PathOf(htmlPath), DriftHtmlReport.Render(report, title, options.Thresholds), ct);
            }

            if (parse.GetValue(markdown) is { } markdownPath)
            {
                await WriteAtomicAsync(context.PathOf(markdownPath), DriftMarkdownReport.Render(report, title), ct);
            }

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, report, ct);
            }
            else
            {
                await PrintAsync(context.Output, report, ct);
            }

            if (report.Trigger != DriftReport.TriggerNone)
            {
                throw new CommandFailedException($"drift: {DriftHtmlReport.Verdict(report)}", ExitCodes.GateFailed);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Options naming columns the reference lacks are usage errors (exit 2), named.</summary>
    private static void CheckColumns(Toolkit.Ml.Data.DataTable reference, DriftOptions options, string path)
    {
        foreach (var name in (options.Columns ?? []).Concat(options.Exclude).Concat(options.PredictionColumn is { } p ? [p] : []))
        {
            if (!reference.Contains(name))
            {
                throw new UsageException($"{path}: the reference has no column '{name}'; columns are: {Toolkit.Ml.Data.ColumnNames.List(reference.Columns.Select(c => c.Name))}.");
            }
        }
    }

    private static async Task PrintAsync(TextWriter output, DriftReport report, CancellationToken ct)
    {
        await output.WriteLineAsync(DriftHtmlReport.Verdict(report).AsMemory(), ct);
        foreach (var f in report.Features.Concat(report.PredictionDrift is { } p ? [p] : []))
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"  {f.Name,-24} {f.Test,-11} stat {Number(f.Statistic),-10} p {Number(f.PValue),-10} psi {Number(f.Psi),-10} w/std {Number(f.WassersteinNorm),-10} {(f.Drifted ? "DRIFTED" : "ok")}");
            await output.WriteLineAsync(line.AsMemory(), ct);
        }
    }

    private static string Number(double? v) => v is { } x ? x.ToString("G4", CultureInfo.InvariantCulture) : "-";

    private static async Task WriteAtomicAsync(string path, string text, CancellationToken ct)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, ct);
        File.Move(temp, path, overwrite: true);
    }
}
