using System.Collections.Concurrent;

namespace Toolkit.Registry.Mlflow;

/// <summary>
/// Pipeline runs as MLflow runs in the toolkit experiment: their parameters, metrics and tags (within
/// MLflow's limits), and the lineage run a registered version points at.
/// </summary>
internal sealed class MlflowRunTracking
{
    private readonly IMlflowClient _client;
    private readonly TimeProvider _time;

    // Pipeline run id -> MLflow run id, for runs this instance tracked, so a registration from the
    // same pipeline run links to that run instead of creating a lineage run.
    private readonly ConcurrentDictionary<string, string> _trackedRuns = new(StringComparer.Ordinal);

    internal MlflowRunTracking(IMlflowClient client, TimeProvider time)
    {
        _client = client;
        _time = time;
    }

    private MlflowClientOptions Options => _client.Options;

    /// <summary>Toolkit run status → MLflow RunStatus.</summary>
    internal static string MapRunStatus(string status) => status.ToLowerInvariant() switch
    {
        "running" or "pending" => "RUNNING",
        "succeeded" or "success" or "finished" or "completed" => "FINISHED",
        "cancelled" or "canceled" or "killed" => "KILLED",
        _ => "FAILED",
    };

    internal async Task<string> TrackAsync(TrackedRun run, CancellationToken cancellationToken)
    {
        if (!_trackedRuns.TryGetValue(run.RunId, out var mlflowRunId))
        {
            var experimentId = await _client.Experiments.GetOrCreateAsync(Options.ExperimentName, cancellationToken);
            var created = await _client.Runs.CreateAsync(
                new NewRun
                {
                    ExperimentId = experimentId,
                    RunName = run.RunId,
                    StartTime = run.StartedAt.ToUnixTimeMilliseconds(),
                    Tags = [new("mlflow.runName", run.RunId), new(MlflowRegistry.PipelineTag, run.Pipeline), new(MlflowRegistry.RunIdTag, run.RunId)],
                },
                cancellationToken);
            mlflowRunId = created.Info.RunId;
            _trackedRuns[run.RunId] = mlflowRunId;
        }

        var at = (run.FinishedAt ?? _time.GetUtcNow()).ToUnixTimeMilliseconds();
        await _client.Runs.LogBatchAsync(
            mlflowRunId,
            new RunBatch
            {
                Params = Params(run.Parameters),

                // JSON has no NaN/Infinity; a metric that is not a number is left out rather than faked.
                Metrics = Metrics(run.Metrics, at),
                Tags = [.. run.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new MlflowTag(t.Key, MlflowRegistry.Cap(t.Value, MlflowRegistry.MaxRunTagValue)))],
            },
            cancellationToken);

        var status = MapRunStatus(run.Status);
        if (status != "RUNNING")
        {
            await _client.Runs.UpdateAsync(mlflowRunId, status, at, cancellationToken);
        }

        return mlflowRunId;
    }

    /// <summary>The MLflow run a new version links to: the tracked pipeline run, else a lineage run recorded now.</summary>
    internal async Task<string?> LineageRunAsync(VerifiedRegistration registration, CancellationToken cancellationToken)
    {
        if (registration.RunId is not null && _trackedRuns.TryGetValue(registration.RunId, out var tracked))
        {
            return tracked;
        }

        // No tracked run: record one so the version has lineage in MLflow's UI.
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var experimentId = await _client.Experiments.GetOrCreateAsync(Options.ExperimentName, cancellationToken);
        var runName = registration.RunId ?? $"register-{registration.Model}";
        var tags = new List<MlflowTag> { new("mlflow.runName", runName), new("toolkit.lineage", "register") };
        if (registration.Pipeline is not null)
        {
            tags.Add(new(MlflowRegistry.PipelineTag, MlflowRegistry.Cap(registration.Pipeline, MlflowRegistry.MaxRunTagValue)));
        }

        if (registration.RunId is not null)
        {
            tags.Add(new(MlflowRegistry.RunIdTag, MlflowRegistry.Cap(registration.RunId, MlflowRegistry.MaxRunTagValue)));
        }

        var run = await _client.Runs.CreateAsync(new NewRun { ExperimentId = experimentId, RunName = runName, StartTime = now, Tags = tags }, cancellationToken);
        await _client.Runs.LogBatchAsync(
            run.Info.RunId,
            new RunBatch { Params = Params(registration.Parameters), Metrics = Metrics(registration.Metrics, now) },
            cancellationToken);
        await _client.Runs.UpdateAsync(run.Info.RunId, "FINISHED", now, cancellationToken);
        return run.Info.RunId;
    }

    private static List<MlflowParam> Params(IReadOnlyDictionary<string, string> parameters) =>
        [.. parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new MlflowParam(p.Key, MlflowRegistry.Cap(p.Value, MlflowRegistry.MaxParamValue)))];

    private static List<MlflowMetric> Metrics(IReadOnlyDictionary<string, double> metrics, long at) =>
        [.. metrics.Where(m => double.IsFinite(m.Value)).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new MlflowMetric(m.Key, m.Value, at, 0))];
}
