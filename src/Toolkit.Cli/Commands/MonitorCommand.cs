using System.CommandLine;
using System.Globalization;
using System.Text;
using Toolkit.Gates;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Models;
using Toolkit.Models;
using Toolkit.Monitoring.Drift;
using Toolkit.Monitoring.Live;
using Toolkit.Monitoring.Profiles;
using Toolkit.Monitoring.Reports;
using Toolkit.Registry;

namespace Toolkit.Cli.Commands;

/// <summary>
/// <c>mlops monitor NAME --stage prod (--data CSV | --log JSONL)</c>: the stage's live rows against the reference
/// profile stored with its version; exit 3 when drift or a degradation triggers a retrain (docs/monitoring.md).
/// </summary>
internal static class MonitorCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The registered model." };
        var stage = new Option<string>("--stage") { Description = "The stage whose version and profile are compared.", DefaultValueFactory = _ => Stages.Prod };
        var data = new Option<string?>("--data") { Description = "Live rows as CSV (every input of the model; other columns are ignored)." };
        var log = new Option<string?>("--log") { Description = "The model server's prediction log (JSONL); its rotated files NAME.N.jsonl are read too." };
        var labels = new Option<string?>("--labels") { Description = "Labels of the live rows (CSV with the label column): joined by request_id when both have one, else by row order." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (dataset_drift, drifted_share, features, prediction_drift, performance, trigger)." };
        var html = new Option<string?>("--html") { Description = "Also write the self-contained HTML report to this file." };
        var markdown = new Option<string?>("--markdown") { Description = "Also write the report as Markdown (for a job summary) to this file." };
        var command = new Command("monitor", "Compares a stage's live data with its version's reference profile (drift, prediction drift; with labels, the primary metric). Exit 3 when a trigger fires.")
        {
            name, stage, data, log, labels, json, html, markdown,
        };
        command.SetAction(async (parse, ct) =>
        {
            var model = parse.GetValue(name)!;
            var stageName = parse.GetValue(stage)!;
            if (!Stages.Ordered.Contains(stageName))
            {
                throw new UsageException($"unknown stage '{stageName}'; stages: {string.Join(", ", Stages.Ordered)}");
            }

            var dataPath = parse.GetValue(data);
            var logPath = parse.GetValue(log);
            if ((dataPath is null) == (logPath is null))
            {
                throw new UsageException("give either --data (a CSV of live rows) or --log (a prediction log), not both or neither.");
            }

            var settings = ProjectContext.Settings(context);
            var policy = ModelPolicy.Load(RegistryAccess.PolicyPath(settings, model));
            await using var registry = await RegistryAccess.OpenAsync(settings, ct);
            var version = await TriggerCommand.StageVersionAsync(registry, model, stageName, ct);
            var profileJson = await registry.GetProfileAsync(model, version.Version, ct) ?? throw NoProfile(version);
            var profile = ProfileJson.Deserialize(profileJson, $"the reference profile of '{model}' v{version.Version}");
            var trained = await LoadVersionAsync(settings, registry, version, ct);
            var rows = logPath is not null
                ? PredictionLog.Read(context.PathOf(logPath), trained.Signature, ct)
                : LiveData.ReadCsv(context.PathOf(dataPath!), trained, ct);
            var monitoring = policy.Monitoring;
            var thresholds = new DriftThresholds
            {
                KsPValue = monitoring.KsPValue,
                KsMaxRows = monitoring.SmallSampleRows,
                WassersteinNorm = monitoring.WassersteinNorm,
                Psi = monitoring.Psi,
                DatasetShare = monitoring.DatasetShare,
            };
            var report = MonitorService.Run(new MonitorRequest
            {
                ModelName = model,
                Version = version.Version,
                Stage = stageName,
                Model = trained,
                Profile = profile,
                Rows = rows,
                Thresholds = thresholds,
                PrimaryMetric = policy.PrimaryMetric,
                MaxDrop = monitoring.MaxDrop,
                RegisteredMetrics = version.Metrics,
                LabelsPath = parse.GetValue(labels) is { } l ? context.PathOf(l) : null,
            }, progress: null, ct);

            var title = string.Create(CultureInfo.InvariantCulture, $"Monitor: {model} v{version.Version} in {stageName}, {report.Rows} live rows");
            if (parse.GetValue(html) is { } htmlPath)
            {
                await WriteAtomicAsync(context.PathOf(htmlPath), DriftHtmlReport.Render(report.Drift, title + " (reference: " + report.ProfileSource + ") — trigger: " + report.Reason, thresholds), ct);
            }

            if (parse.GetValue(markdown) is { } markdownPath)
            {
                await WriteAtomicAsync(context.PathOf(markdownPath), Markdown(report, title), ct);
            }

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, report, ct);
            }
            else
            {
                await PrintAsync(context.Output, report, ct);
            }

            if (report.Fired)
            {
                await context.Error.WriteLineAsync($"mlops: monitor: trigger {report.Reason}");
                return ExitCodes.GateFailed;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Why a version cannot be monitored, and how to get one that can (a profile is stored only at registration).</summary>
    private static UsageException NoProfile(ModelVersion version) => new(version.RunId is null
        ? $"{version.Model} v{version.Version} has no reference profile: it was registered from a file without --data, so there are no rows to compare live data with. "
          + $"Register the model with labelled held-out rows ('mlops model register --model {version.Model} --file MODEL --data held-out.csv'; the same file again keeps this version, so a new file, or a run with --run), promote that version and monitor it."
        : $"{version.Model} v{version.Version} has no reference profile: it was registered from run {version.RunId} before profiles were stored, or the run had no training rows. "
          + $"Register a new run ('mlops model register --model {version.Model} --run RUN'), promote that version and monitor it.");

    /// <summary>The version's model file, checked against the registry's digest (a changed file is refused wherever it is loaded).</summary>
    private static async Task<IScoringModel> LoadVersionAsync(Toolkit.Pipelines.Project.ProjectSettings settings, IModelRegistry registry, ModelVersion version, CancellationToken ct)
    {
        var folder = Path.Combine(settings.Store, "monitoring");
        Directory.CreateDirectory(folder);
        var local = Path.Combine(folder, ModelFileNames.Of(version));
        await registry.DownloadModelAsync(version.Model, version.Version, local, ct);
        var loaded = ModelLoader.Load(local);
        return loaded.Digest == version.Digest
            ? loaded
            : throw new UsageException($"{version.Model} v{version.Version}: the downloaded file's digest {loaded.Digest} is not the registry's {version.Digest}; refusing it");
    }

    private static string Markdown(MonitorReport report, string title)
    {
        var md = new StringBuilder(DriftMarkdownReport.Render(report.Drift, title));
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"**Trigger: {report.Trigger}** ({report.Reason})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Reference profile: {report.ProfileSource}.");
        if (report.Performance is { } p)
        {
            md.AppendLine();
            md.AppendLine("| metric | live | registered | worse by | max drop | rows | joined by |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {p.Metric} | {MetricCatalog.Format(p.Value)} | {MetricCatalog.Format(p.Registered)} | {MetricCatalog.Format(p.Drop)} | {MetricCatalog.Format(p.MaxDrop)} | {p.Rows} | {p.JoinedBy} |");
        }

        return md.ToString();
    }

    private static async Task PrintAsync(TextWriter output, MonitorReport report, CancellationToken ct)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{report.Model} v{report.Version} in {report.Stage}: {report.Rows} live rows against its profile of {report.ProfileSource}, trigger {report.Reason}"));
        foreach (var f in report.Features.Concat(report.PredictionDrift is { } p ? [p] : []))
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {f.Name,-24} {f.Test,-11} stat {Number(f.Statistic),-10} p {Number(f.PValue),-10} psi {Number(f.Psi),-10} w/std {Number(f.WassersteinNorm),-10} {(f.Drifted ? "DRIFTED" : "ok")}"));
        }

        if (report.Performance is { } perf)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {perf.Metric} on {perf.Rows} labelled rows: {MetricCatalog.Format(perf.Value)} (registered {MetricCatalog.Format(perf.Registered)}, max drop {MetricCatalog.Format(perf.MaxDrop)}){(perf.Degraded ? " DEGRADED" : "")}"));
        }
    }

    private static string Number(double? v) => v is { } x ? x.ToString("G4", CultureInfo.InvariantCulture) : "-";

    private static async Task WriteAtomicAsync(string path, string text, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, ct);
        File.Move(temp, path, overwrite: true);
    }
}
