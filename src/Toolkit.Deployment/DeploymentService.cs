using System.Globalization;
using Toolkit.Deployment.Checks;
using Toolkit.Deployment.Records;
using Toolkit.Deployment.Targets;
using Toolkit.Gates;
using Toolkit.Ml.Models;
using Toolkit.Models;
using Toolkit.Registry;

namespace Toolkit.Deployment;

/// <summary>A deploy to do: the stage, and optionally the version that must hold it.</summary>
internal sealed record DeployRequest
{
    public required string Model { get; init; }

    public required string Stage { get; init; }

    /// <summary>Must be the version holding <see cref="Stage"/>; null: that version.</summary>
    public int? Version { get; init; }

    public required DeploymentTarget Target { get; init; }

    /// <summary>model.yaml <c>serving:</c> (ports, SLO, load test).</summary>
    public required ServingPolicy Serving { get; init; }

    public required string Actor { get; init; }
}

/// <summary>A deployment as listed: its record and whether its process or container still runs.</summary>
internal sealed record DeploymentState(DeploymentRecord Record, bool Running);

/// <summary>
/// Deploys the version holding a stage as a running service, checked before it counts: the new service starts beside
/// the old one (on a free port when the stage has a running deployment), must get ready, answer the version's smoke
/// rows exactly and meet the SLO under load; only then the old one is stopped and the new version takes the stage's
/// port (ready and smoke-tested again; if it fails there, the old one is started again). A failed candidate is removed.
/// Every deployment is recorded in the store and is an audit event in the registry.
/// </summary>
internal sealed class DeploymentService(
    IModelRegistry registry,
    DeploymentStore store,
    Func<DeploymentTarget, IServiceTarget> targets,
    IServiceChecks checks,
    IDeploymentNotifier notifier,
    string deploymentsRoot,
    TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>How long a started service may take to answer <c>/v2/health/ready</c>.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a deploy waits for another deploy or stop of the same stage (an image build, a load test).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(15);

    public async Task<DeploymentRecord> DeployAsync(DeployRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ModelNames.IsValid(request.Model))
        {
            throw new DeploymentException($"'{request.Model}' is not a model name (lowercase letters, digits and dashes)", DeploymentFailureKind.BadInput);
        }

        if (!Stages.Ordered.Contains(request.Stage))
        {
            throw new DeploymentException($"unknown stage '{request.Stage}'; stages: {string.Join(", ", Stages.Ordered)}", DeploymentFailureKind.BadInput);
        }

        // The version is read under the stage's lock: a deploy that waited deploys what holds the stage now.
        var stageInstance = $"{request.Model}-{request.Stage}";
        using var stageLock = await StageLock.AcquireAsync(Path.Combine(deploymentsRoot, stageInstance), $"{request.Model} {request.Stage}", LockTimeout, progress, cancellationToken);
        var version = await ResolveAsync(request, cancellationToken);
        var port = request.Serving.PortOf(request.Stage);
        var old = await store.ActiveAsync(request.Model, request.Stage, cancellationToken);
        if (old is not null && !await IsRunningAsync(old, cancellationToken))
        {
            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"the last deployment of {request.Model} v{old.Version} to {request.Stage} no longer runs"));
            await targets(old.Target).StopAsync(ServiceOf(old), CancellationToken.None);
            await store.MarkStoppedAsync(old.Id, cancellationToken);
            old = null;
        }

        if (old is null && await FreePorts.IsTakenAsync(port, cancellationToken))
        {
            throw new DeploymentException(
                string.Create(CultureInfo.InvariantCulture, $"port {port} of {request.Stage} is taken by something that is not a deployment of {request.Model}; stop it, or set serving.ports.{request.Stage} in models/{request.Model}/model.yaml"),
                DeploymentFailureKind.BadInput);
        }

        var notice = new DeploymentNotice { Model = request.Model, Version = version.Version, Stage = request.Stage, Target = request.Target, Digest = version.Digest };
        await NotifyAsync(n => n.StartedAsync(notice, cancellationToken));
        var target = targets(request.Target);
        var spec = new ServiceSpec
        {
            Model = request.Model,
            Version = version.Version,
            Stage = request.Stage,
            Digest = version.Digest,
            GitCommit = version.GitCommit,
            RegisteredAt = version.CreatedAt,
            Instance = old is null ? stageInstance : stageInstance + "-candidate",
            Port = old is null ? port : FreePorts.Next(),
            PredictionLogSampleRate = request.Serving.PredictionLog.SampleRate,
        };
        try
        {
            if (request.Target == DeploymentTarget.Docker)
            {
                spec = spec with { ModelFile = await DownloadAsync(version, stageInstance, cancellationToken) };
            }

            var (service, smoke, load) = await StartCheckedAsync(target, spec, request.Serving, progress, cancellationToken);
            if (old is not null)
            {
                service = await SwapAsync(target, service, old, spec with { Instance = stageInstance, Port = port, Image = service.Image }, progress, cancellationToken);
            }

            var record = await store.RecordAsync(
                new DeploymentRecord
                {
                    Model = request.Model,
                    Version = version.Version,
                    Stage = request.Stage,
                    Target = request.Target,
                    Url = service.Url.ToString().TrimEnd('/'),
                    Port = port,
                    Image = service.Image,
                    ImageDigest = service.ImageDigest,
                    ContainerId = service.ContainerId,
                    Pid = service.Pid,
                    PidStartedAt = service.PidStartedAt,
                    LogPath = service.LogPath,
                    Digest = version.Digest,
                    DeployedAt = _time.GetUtcNow(),
                    DeployedBy = request.Actor,
                    Smoke = smoke,
                    Load = load,
                },
                CancellationToken.None);
            await registry.AppendDeploymentEventAsync(
                request.Model,
                version.Version,
                request.Stage,
                AuditAction.Deploy,
                new AuditInfo(request.Actor, $"{DeploymentTargets.Name(request.Target)} at {record.Url}{(record.Image is { } image ? " (" + image + ")" : "")}"),
                CancellationToken.None);
            await NotifyAsync(n => n.SucceededAsync(notice with { Url = record.Url }, CancellationToken.None));
            return record;
        }
        catch (Exception ex)
        {
            await NotifyAsync(n => n.FailedAsync(notice with { Reason = ex.Message }, CancellationToken.None));
            throw;
        }
    }

    /// <summary>Stops the stage's deployment, records it stopped and appends the undeploy event; null when none is recorded.</summary>
    public async Task<DeploymentRecord?> StopAsync(string model, string stage, string actor, CancellationToken cancellationToken)
    {
        if (!ModelNames.IsValid(model))
        {
            throw new DeploymentException($"'{model}' is not a model name (lowercase letters, digits and dashes)", DeploymentFailureKind.BadInput);
        }

        using var stageLock = await StageLock.AcquireAsync(Path.Combine(deploymentsRoot, $"{model}-{stage}"), $"{model} {stage}", LockTimeout, null, cancellationToken);
        var active = await store.ActiveAsync(model, stage, cancellationToken);
        if (active is null)
        {
            return null;
        }

        await targets(active.Target).StopAsync(ServiceOf(active), cancellationToken);
        await store.MarkStoppedAsync(active.Id, CancellationToken.None);
        await registry.AppendDeploymentEventAsync(model, active.Version, stage, AuditAction.Undeploy, new AuditInfo(actor, null), CancellationToken.None);
        return active with { Status = DeploymentStatus.Stopped };
    }

    /// <summary>Every stage's recorded deployment, each with whether it still runs.</summary>
    public async Task<IReadOnlyList<DeploymentState>> ListAsync(CancellationToken cancellationToken)
    {
        var states = new List<DeploymentState>();
        foreach (var record in await store.ActiveAsync(cancellationToken))
        {
            states.Add(new DeploymentState(record, await IsRunningAsync(record, cancellationToken)));
        }

        return states;
    }

    internal static RunningService ServiceOf(DeploymentRecord record) => new()
    {
        Target = record.Target,
        Instance = $"{record.Model}-{record.Stage}",
        Port = record.Port,
        Image = record.Image,
        ImageDigest = record.ImageDigest,
        ContainerId = record.ContainerId,
        Pid = record.Pid,
        PidStartedAt = record.PidStartedAt,
        LogPath = record.LogPath,
    };

    private async Task<bool> IsRunningAsync(DeploymentRecord record, CancellationToken cancellationToken)
    {
        try
        {
            return await targets(record.Target).IsRunningAsync(ServiceOf(record), cancellationToken);
        }
        catch (Toolkit.Docker.DockerNotReachableException)
        {
            return false;
        }
    }

    private async Task<ModelVersion> ResolveAsync(DeployRequest request, CancellationToken cancellationToken)
    {
        if (await registry.GetModelAsync(request.Model, cancellationToken) is null)
        {
            throw new DeploymentException($"no model '{request.Model}' is registered in the {registry.Backend} registry; see 'mlops model list'", DeploymentFailureKind.BadInput);
        }

        var holder = await registry.GetByAliasAsync(request.Model, request.Stage, cancellationToken)
            ?? throw new DeploymentException(
                $"no version of '{request.Model}' holds {request.Stage}: there is nothing to deploy; promote one first (mlops model promote {request.Model} --version N --to {request.Stage})",
                DeploymentFailureKind.BadInput);
        if (request.Version is { } wanted && wanted != holder.Version)
        {
            throw new DeploymentException(
                string.Create(CultureInfo.InvariantCulture, $"{request.Model} v{wanted} does not hold {request.Stage} (v{holder.Version} does); promote v{wanted} to {request.Stage} first, or deploy without --model-version"),
                DeploymentFailureKind.BadInput);
        }

        return holder;
    }

    /// <summary>The version's model file under the stage's folder, its digest checked against the registry's record.</summary>
    private async Task<string> DownloadAsync(ModelVersion version, string instance, CancellationToken cancellationToken)
    {
        var path = Path.Combine(deploymentsRoot, instance, ModelFileNames.Of(version));
        await registry.DownloadModelAsync(version.Model, version.Version, path, cancellationToken);
        string? digest;
        try
        {
            digest = ModelLoader.Load(path).Digest;
        }
        catch (ModelFileException ex)
        {
            throw new DeploymentException($"{version.Model} v{version.Version}: {ex.Message}; refusing to deploy it", DeploymentFailureKind.BadInput, ex);
        }

        return digest == version.Digest
            ? path
            : throw new DeploymentException(
                $"{version.Model} v{version.Version}: the downloaded file's digest {digest} is not the registry's {version.Digest}; refusing to deploy it",
                DeploymentFailureKind.BadInput);
    }

    /// <summary>Starts the service and runs every check; on any failure the service is removed before the error goes up.</summary>
    private async Task<(RunningService Service, SmokeOutcome? Smoke, LoadFigures Load)> StartCheckedAsync(
        IServiceTarget target, ServiceSpec spec, ServingPolicy serving, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var service = await target.StartAsync(spec, progress, cancellationToken);
        try
        {
            await WaitReadyAsync(target, service, progress, cancellationToken);
            var smoke = await SmokeAsync(service, spec, progress, cancellationToken);
            progress?.Report(string.Create(
                CultureInfo.InvariantCulture,
                $"load test: {serving.LoadTest.DurationSeconds:0.#} s, {serving.LoadTest.Concurrency} connections, {serving.LoadTest.Rows} row(s) per request ..."));
            var load = await checks.LoadAsync(service.Url, serving.LoadTest, spec.Model, spec.Version, progress, cancellationToken);
            progress?.Report(string.Create(
                CultureInfo.InvariantCulture,
                $"load test: {load.Rps:0} requests/s, p50 {load.P50Ms:0.###} ms, p95 {load.P95Ms:0.###} ms, p99 {load.P99Ms:0.###} ms, {load.Errors} errors of {load.Requests}"));
            var misses = SloCheck.Misses(serving.Slo, load);
            if (misses.Count > 0)
            {
                throw new DeploymentException(
                    string.Create(CultureInfo.InvariantCulture, $"{spec.Model} v{spec.Version} missed the SLO of models/{spec.Model}/model.yaml (serving.slo): {string.Join("; ", misses)}; the new service was removed"),
                    DeploymentFailureKind.SloMissed);
            }

            return (service, smoke, load);
        }
        catch
        {
            progress?.Report($"removing {spec.Instance}");
            await target.StopAsync(service, CancellationToken.None);
            throw;
        }
    }

    private async Task<SmokeOutcome?> SmokeAsync(RunningService service, ServiceSpec spec, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var smoke = await checks.SmokeAsync(service.Url, spec.Model, spec.Version, cancellationToken);
        if (smoke is null)
        {
            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"smoke test: {spec.Model} v{spec.Version} has no stored smoke rows; skipped"));
            return null;
        }

        if (!smoke.Passed)
        {
            throw new DeploymentException(
                string.Create(CultureInfo.InvariantCulture, $"{spec.Model} v{spec.Version} at {service.Url}: {smoke.Summary ?? "smoke test failed: " + string.Join("; ", smoke.Mismatches.Take(3))}"),
                DeploymentFailureKind.Failed);
        }

        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"smoke test: {smoke.Rows} rows answered as registered"));
        return smoke;
    }

    /// <summary>
    /// The checked candidate gives way to the final service on the stage's port: candidate stopped, old stopped, final
    /// started, ready and smoke-tested. When the final service fails, it is removed and the old deployment started again.
    /// </summary>
    private async Task<RunningService> SwapAsync(
        IServiceTarget target, RunningService candidate, DeploymentRecord old, ServiceSpec final, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        await target.StopAsync(candidate, CancellationToken.None);
        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"stopping {old.Model} v{old.Version} in {old.Stage}"));
        var oldTarget = targets(old.Target);
        await oldTarget.StopAsync(ServiceOf(old), CancellationToken.None);
        RunningService? service = null;
        try
        {
            service = await target.StartAsync(final, progress, cancellationToken);
            await WaitReadyAsync(target, service, progress, cancellationToken);
            await SmokeAsync(service, final, progress, cancellationToken);
            return service;
        }
        catch (Exception ex)
        {
            if (service is not null)
            {
                await target.StopAsync(service, CancellationToken.None);
            }

            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"bringing {old.Model} v{old.Version} back to {old.Stage}"));
            var restored = await oldTarget.StartAsync(
                new ServiceSpec
                {
                    Model = old.Model,
                    Version = old.Version,
                    Stage = old.Stage,
                    Digest = old.Digest,
                    Instance = final.Instance,
                    Port = old.Port,
                    Image = old.Image,
                },
                progress,
                CancellationToken.None);
            await WaitReadyAsync(oldTarget, restored, progress, CancellationToken.None);
            await store.UpdateRunningAsync(old.Id, restored.Pid, restored.PidStartedAt, restored.ContainerId, CancellationToken.None);
            throw new DeploymentException(
                string.Create(CultureInfo.InvariantCulture, $"{final.Model} v{final.Version} passed its checks but failed on the stage's port ({ex.Message}); v{old.Version} serves {old.Stage} again"),
                ex is DeploymentException d ? d.Kind : DeploymentFailureKind.Failed,
                ex);
        }
    }

    private async Task WaitReadyAsync(IServiceTarget target, RunningService service, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var ready = new Uri(service.Url, "v2/health/ready");
        progress?.Report($"waiting for {ready} ...");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var answer = await http.GetAsync(ready, cancellationToken);
                if (answer.IsSuccessStatusCode)
                {
                    progress?.Report(string.Create(CultureInfo.InvariantCulture, $"ready after {clock.Elapsed.TotalSeconds:0.0} s"));
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The request timed out; try again.
            }

            if (!await target.IsRunningAsync(service, cancellationToken))
            {
                var tail = await target.TailAsync(service, CancellationToken.None);
                throw new DeploymentException(
                    $"{service.Instance} stopped before it was ready{(tail is { Length: > 0 } ? ": " + tail : "")}", DeploymentFailureKind.Failed);
            }

            if (clock.Elapsed > ReadyTimeout)
            {
                var tail = await target.TailAsync(service, CancellationToken.None);
                throw new DeploymentException(
                    string.Create(CultureInfo.InvariantCulture, $"{service.Instance} was not ready after {ReadyTimeout.TotalSeconds:0} s{(tail is { Length: > 0 } ? ": " + tail : "")}"),
                    DeploymentFailureKind.Failed);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    /// <summary>A notifier that fails does not fail the deployment.</summary>
    private async Task NotifyAsync(Func<IDeploymentNotifier, Task> call)
    {
        try
        {
            await call(notifier);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException or TaskCanceledException)
        {
            // A notice lost is reported by the notifier itself; the service is what counts here.
        }
    }
}
