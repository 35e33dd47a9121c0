namespace Toolkit.Docker.Images;

/// <summary>An image build from a folder (the context) and a Dockerfile in it.</summary>
public sealed record ImageBuildRequest
{
    public required string ContextDirectory { get; init; }

    /// <summary>The Dockerfile, relative to the context (forward slashes).</summary>
    public string Dockerfile { get; init; } = "Dockerfile";

    /// <summary>Names to give the image, e.g. <c>toolkit/components:abc123</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Ignore the layer cache.</summary>
    public bool NoCache { get; init; }
}

/// <summary>One line of build output: the text, the Dockerfile step it belongs to, and whether that step came from the cache.</summary>
public sealed record BuildProgress(string Message, string? Step, bool CacheHit);

/// <summary>The image a build produced and how much of it came from the cache.</summary>
public sealed record ImageBuildResult(string ImageId, IReadOnlyList<string> Tags, int Steps, int CachedSteps);

/// <summary>What the daemon knows about a local image.</summary>
public sealed record ImageInspection(
    string Id,
    IReadOnlyList<string> RepoTags,
    IReadOnlyList<string> RepoDigests,
    long Size,
    DateTime? Created,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>Credentials for a registry; sent base64url-encoded in <c>X-Registry-Auth</c>.</summary>
public sealed record RegistryCredentials(string Username, string Password, string ServerAddress);

/// <summary>One line of pull or push progress; <c>Progress</c> is <c>current/total</c> bytes when the daemon counts them.</summary>
public sealed record TransferProgress(string Status, string? Id, string? Progress);

/// <summary>A local image as listed by <c>GET /images/json</c>.</summary>
public sealed record ImageSummary(string Id, IReadOnlyList<string> RepoTags, long Size, IReadOnlyDictionary<string, string> Labels);
