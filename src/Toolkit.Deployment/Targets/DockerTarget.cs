using System.Globalization;
using Toolkit.Docker;
using Toolkit.Docker.Containers;

namespace Toolkit.Deployment.Targets;

/// <summary>
/// A stage's service as container <c>toolkit-INSTANCE</c> of the version's model-service image, its port 8080
/// published on 127.0.0.1 at the stage's port.
/// </summary>
internal sealed class DockerTarget(IDockerClient docker, ModelServiceImage images, string? logsRoot = null) : IServiceTarget
{
    public const string InstanceLabel = "toolkit.deployment";

    /// <summary>Where the container writes its prediction log: the host's <c>&lt;deployments&gt;/NAME-STAGE/</c>, mounted.</summary>
    public const string LogFolder = "/var/log/toolkit";

    public DeploymentTarget Kind => DeploymentTarget.Docker;

    public static string ContainerName(string instance) => "toolkit-" + instance;

    public async Task<RunningService> StartAsync(ServiceSpec spec, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ModelImage image;
        if (spec.Image is { } given)
        {
            image = new ModelImage(given, (await docker.Images.InspectAsync(given, cancellationToken)).Id, Built: false);
        }
        else
        {
            var file = spec.ModelFile ?? throw new InvalidOperationException("a docker deployment needs the version's model file to build its image");
            image = await images.EnsureAsync(spec, file, progress, cancellationToken);
        }

        var name = ContainerName(spec.Instance);
        var log = PredictionLog(spec);

        // A container of that name is a leftover (a deploy killed half-way); the stage's record says what runs.
        await docker.Containers.RemoveAsync(name, force: true, cancellationToken);
        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"starting container {name} ({image.Reference}) on 127.0.0.1:{spec.Port}"));
        var id = await docker.Containers.CreateAsync(
            new ContainerCreateRequest
            {
                Image = image.Reference,
                Name = name,
                Labels = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [InstanceLabel] = spec.Instance,
                    ["toolkit.model"] = spec.Model,
                    ["toolkit.version"] = spec.Version.ToString(CultureInfo.InvariantCulture),
                    ["toolkit.stage"] = spec.Stage,
                },
                Ports = [new PublishedPort(int.Parse(ModelServiceImage.ContainerPort, CultureInfo.InvariantCulture), "127.0.0.1", spec.Port)],
                Binds = log is null ? [] : [new BindMount(log.Folder, LogFolder, ReadOnly: false)],
                Command = log?.Arguments ?? [],
                User = log?.User,
            },
            cancellationToken);
        try
        {
            await docker.Containers.StartAsync(id, cancellationToken);
        }
        catch
        {
            await docker.Containers.RemoveAsync(id, force: true, CancellationToken.None);
            throw;
        }

        return new RunningService
        {
            Target = DeploymentTarget.Docker,
            Instance = spec.Instance,
            Port = spec.Port,
            Image = image.Reference,
            ImageDigest = image.Id,
            ImageBuilt = image.Built,
            ContainerId = id,
        };
    }

    public Task StopAsync(RunningService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        return docker.Containers.RemoveAsync(service.ContainerId ?? ContainerName(service.Instance), force: true, cancellationToken);
    }

    public async Task<bool> IsRunningAsync(RunningService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var containers = await docker.Containers.ListAsync($"{InstanceLabel}={service.Instance}", cancellationToken);
        return containers.Any(c => c.State == "running" && (service.ContainerId is null || c.Id == service.ContainerId));
    }

    public async Task<string?> TailAsync(RunningService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.ContainerId is not { } id)
        {
            return null;
        }

        try
        {
            var logs = await docker.Containers.GetLogsAsync(id, cancellationToken);
            var lines = (logs.StandardOutput + logs.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return string.Join(" | ", lines.TakeLast(5));
        }
        catch (DockerApiException)
        {
            return null;
        }
    }

    /// <summary>
    /// The stage's prediction log on the host, as the process target keeps it (<c>&lt;deployments&gt;/NAME-STAGE/predictions.jsonl</c>,
    /// candidate and final alike), so <c>mlops monitor --log</c> reads a container's traffic too. The container runs as
    /// the deploying user (on Linux), so the log is the user's file and no folder has to be opened to others.
    /// </summary>
    private LogMount? PredictionLog(ServiceSpec spec)
    {
        if (logsRoot is null || spec.PredictionLogSampleRate is not > 0)
        {
            return null;
        }

        var folder = Path.GetFullPath(Path.Combine(logsRoot, $"{spec.Model}-{spec.Stage}"));
        Directory.CreateDirectory(folder);
        string[] arguments =
        [
            "--log", $"{LogFolder}/{ProcessTarget.PredictionLogFileName}",
            "--log-sample", spec.PredictionLogSampleRate.Value.ToString("R", CultureInfo.InvariantCulture),
        ];
        return new LogMount(folder, arguments, HostUser.Current());
    }

    private sealed record LogMount(string Folder, IReadOnlyList<string> Arguments, string? User);
}
