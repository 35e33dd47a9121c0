namespace Toolkit.Docker.Containers;

/// <summary>A host path mounted into a container.</summary>
public sealed record BindMount(string HostPath, string ContainerPath, bool ReadOnly)
{
    /// <summary>The <c>HostConfig.Binds</c> form: <c>host:container[:ro]</c>.</summary>
    public override string ToString() => $"{HostPath}:{ContainerPath}{(ReadOnly ? ":ro" : ":rw")}";
}

/// <summary>A container to create: image, command, environment, mounts and limits.</summary>
public sealed record ContainerCreateRequest
{
    public required string Image { get; init; }

    /// <summary>Optional name; the daemon makes one up when null.</summary>
    public string? Name { get; init; }

    /// <summary>Replaces the image's entry point when set.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? WorkingDirectory { get; init; }

    /// <summary><c>uid:gid</c> (or a user name) to run as.</summary>
    public string? User { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<BindMount> Binds { get; init; } = [];

    /// <summary><c>none</c> for no network, <c>bridge</c> (the daemon's default) otherwise.</summary>
    public string? NetworkMode { get; init; }

    /// <summary>CPU limit in units of 1e-9 CPUs (1.5 CPUs = 1_500_000_000).</summary>
    public long? NanoCpus { get; init; }

    /// <summary>Memory limit in bytes.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Container TCP ports published on a host address and port (<c>-p 127.0.0.1:8081:8080</c>).</summary>
    public IReadOnlyList<PublishedPort> Ports { get; init; } = [];
}

/// <summary>A container's TCP port reachable at <c>HostIp:HostPort</c>.</summary>
public sealed record PublishedPort(int ContainerPort, string HostIp, int HostPort);

/// <summary>A container as listed by <c>GET /containers/json</c>.</summary>
public sealed record ContainerSummary(string Id, IReadOnlyList<string> Names, string Image, string State, IReadOnlyDictionary<string, string> Labels);

/// <summary>The output of a container, split into its two streams.</summary>
public sealed record ContainerLogs(string StandardOutput, string StandardError);
