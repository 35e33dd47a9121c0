using System.Globalization;

namespace Toolkit.Docker;

/// <summary>
/// Where the Docker daemon listens and how to talk to it. The endpoint is checked when the options
/// are built, so a typo in DOCKER_HOST fails at once with a clear message instead of on first use.
/// </summary>
public sealed record DockerClientOptions
{
    /// <summary>The default Linux socket of dockerd.</summary>
    public const string DefaultSocketPath = "/var/run/docker.sock";

    /// <summary>
    /// The newest Engine API version this client speaks: the one Docker.DotNet 4.3.3's models are generated for
    /// (Docker 29.4). The daemon's version caps it (Debian 12's Docker 20.10: 1.41); what we send and read is the
    /// same from 1.41 on.
    /// </summary>
    public const string MaxApiVersion = "1.54";

    private readonly Uri _endpoint = new("unix://" + DefaultSocketPath);

    /// <summary><c>unix:///path/to/socket</c>, <c>tcp://host:port</c> or <c>http://host:port</c> (no TLS).</summary>
    public Uri Endpoint
    {
        get => _endpoint;
        init => _endpoint = Validate(value);
    }

    /// <summary>Time allowed for a short request (inspect, create, remove); streams (build, wait, logs) have none.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times an idempotent request is retried after a transient failure.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The first wait between retries (doubling each time).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Options from <c>DOCKER_HOST</c> when set, else the default socket.</summary>
    public static DockerClientOptions FromEnvironment()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return string.IsNullOrWhiteSpace(host) ? new DockerClientOptions() : new DockerClientOptions { Endpoint = Parse(host) };
    }

    /// <summary>Parses a DOCKER_HOST-style address; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static Uri Parse(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (!Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"DOCKER_HOST '{address}' is not an address; use unix:///var/run/docker.sock or tcp://127.0.0.1:2375.", nameof(address));
        }

        return Validate(uri);
    }

    /// <summary>Creates a client with one shared connection (Docker.DotNet underneath); dispose it when done.</summary>
    public IDockerClient CreateClient() => new DockerClient(this);

    /// <summary>The endpoint as shown in messages.</summary>
    public string Describe() => Endpoint.Scheme == "unix" ? "unix://" + Endpoint.AbsolutePath : Endpoint.ToString();

    internal static bool IsUnix(Uri endpoint) => endpoint.Scheme == "unix";

    private static Uri Validate(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        switch (uri.Scheme)
        {
            case "unix":
                if (string.IsNullOrEmpty(uri.AbsolutePath) || uri.AbsolutePath == "/")
                {
                    throw new ArgumentException($"Docker endpoint '{uri}' names no socket; use unix:///var/run/docker.sock.", nameof(uri));
                }

                return uri;
            case "tcp" or "http":
                if (uri.IsDefaultPort || uri.Port <= 0)
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"Docker endpoint '{uri}' needs a port, e.g. tcp://127.0.0.1:2375."), nameof(uri));
                }

                return uri;
            default:
                throw new ArgumentException(
                    $"Docker endpoint scheme '{uri.Scheme}' is not supported (only unix:// and tcp:// without TLS); got '{uri}'.", nameof(uri));
        }
    }
}
