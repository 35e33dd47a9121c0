using System.Globalization;
using Toolkit.Docker;
using Toolkit.Docker.Containers;

namespace Toolkit.Deployment.Targets;

/// <summary>
/// A stage's service as container <c>toolkit-INSTANCE</c> of the version's model-service image, its port 8080
/// published on 127.0.0.1 at the stage's port.
/// </summary>
internal sealed class DockerTarget(IDockerClient docker, ModelServiceImage images) : IServiceTarget
{
    public const string InstanceLabel = "toolkit.deployment";

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
}
