using Toolkit.Docker.Containers;
using Toolkit.Docker.Engine;
using Toolkit.Docker.Images;

namespace Toolkit.Docker;

/// <summary>A client of the Docker Engine API: one connection shared by the operation groups.</summary>
public interface IDockerClient : IDisposable
{
    ISystemOperations System { get; }

    IImageOperations Images { get; }

    IContainerOperations Containers { get; }
}

/// <summary>Daemon-wide calls.</summary>
public interface ISystemOperations
{
    /// <summary>Checks the daemon answers; throws <see cref="DockerNotReachableException"/> when it does not.</summary>
    Task PingAsync(CancellationToken cancellationToken = default);

    Task<DockerVersion> GetVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>The API version requests use: the lower of this client's and the daemon's.</summary>
    Task<string> GetApiVersionAsync(CancellationToken cancellationToken = default);
}

/// <summary>What <c>GET /version</c> says about the daemon.</summary>
public sealed record DockerVersion(string Version, string ApiVersion, string MinApiVersion, string Os, string Arch, string KernelVersion);

internal sealed class DockerClient : IDockerClient
{
    private readonly DockerEngine _engine;

    public DockerClient(DockerClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _engine = new DockerEngine(options);
        System = new SystemOperations(_engine);
        Images = new ImageOperations(_engine);
        Containers = new ContainerOperations(_engine);
    }

    public ISystemOperations System { get; }

    public IImageOperations Images { get; }

    public IContainerOperations Containers { get; }

    public void Dispose() => _engine.Dispose();
}

internal sealed class SystemOperations(DockerEngine engine) : ISystemOperations
{
    public Task PingAsync(CancellationToken cancellationToken = default) =>
        engine.CallUnversionedAsync(
            async (client, ct) =>
            {
                await client.System.PingAsync(ct);
                return true;
            },
            cancellationToken);

    public async Task<DockerVersion> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var r = await engine.CallUnversionedAsync((client, ct) => client.System.GetVersionAsync(ct), cancellationToken);
        return new DockerVersion(r.Version, r.APIVersion, r.MinAPIVersion ?? string.Empty, r.Os, r.Arch, r.KernelVersion ?? string.Empty);
    }

    public Task<string> GetApiVersionAsync(CancellationToken cancellationToken = default) => engine.GetApiVersionAsync(cancellationToken);
}
