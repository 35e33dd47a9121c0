using Toolkit.Docker.Containers;
using Toolkit.Docker.Http;
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
    private readonly DockerConnection _connection;

    public DockerClient(DockerClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connection = new DockerConnection(options);
        System = new SystemOperations(_connection);
        Images = new ImageOperations(_connection);
        Containers = new ContainerOperations(_connection);
    }

    public ISystemOperations System { get; }

    public IImageOperations Images { get; }

    public IContainerOperations Containers { get; }

    public void Dispose() => _connection.Dispose();
}

internal sealed class SystemOperations(DockerConnection connection) : ISystemOperations
{
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        var answer = await connection.GetStringUnversionedAsync("_ping", cancellationToken);
        if (!string.Equals(answer.Trim(), "OK", StringComparison.Ordinal))
        {
            throw new DockerApiException($"Docker at {connection.Endpoint} answered the ping with '{answer}'.");
        }
    }

    public async Task<DockerVersion> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        using var doc = await connection.GetJsonUnversionedAsync("version", cancellationToken);
        var r = doc.RootElement;
        return new DockerVersion(
            r.Str("Version"), r.Str("ApiVersion"), r.Str("MinAPIVersion"), r.Str("Os"), r.Str("Arch"), r.Str("KernelVersion"));
    }

    public Task<string> GetApiVersionAsync(CancellationToken cancellationToken = default) => connection.GetApiVersionAsync(cancellationToken);
}
