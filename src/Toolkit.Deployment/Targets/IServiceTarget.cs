namespace Toolkit.Deployment.Targets;

/// <summary>One service to start: a registered version on a port, under an instance name (<c>NAME-STAGE</c>, or a candidate's).</summary>
internal sealed record ServiceSpec
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public required string Stage { get; init; }

    public required string Digest { get; init; }

    public required int Port { get; init; }

    /// <summary><c>NAME-STAGE</c> for the stage's service, <c>NAME-STAGE-candidate</c> while a new version is checked.</summary>
    public required string Instance { get; init; }

    /// <summary>The version's source commit (an image label).</summary>
    public string? GitCommit { get; init; }

    /// <summary>When the version was registered (the image's creation time, so rebuilds are identical).</summary>
    public DateTimeOffset? RegisteredAt { get; init; }

    /// <summary>The version's model file, downloaded and digest-checked (what a docker image is built with).</summary>
    public string? ModelFile { get; init; }

    /// <summary>An image already built for this version (bringing an old deployment back); null: build or reuse by content.</summary>
    public string? Image { get; init; }

    /// <summary>Share of live rows the service logs for monitoring (model.yaml serving.prediction_log.sample_rate); null: the target's default.</summary>
    public double? PredictionLogSampleRate { get; init; }
}

/// <summary>A started service: where it answers and what to stop.</summary>
internal sealed record RunningService
{
    public required DeploymentTarget Target { get; init; }

    public required string Instance { get; init; }

    public required int Port { get; init; }

    public Uri Url => new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));

    public string? Image { get; init; }

    public string? ImageDigest { get; init; }

    public bool ImageBuilt { get; init; }

    public string? ContainerId { get; init; }

    public int? Pid { get; init; }

    public DateTimeOffset? PidStartedAt { get; init; }

    public string? LogPath { get; init; }
}

/// <summary>Starts, checks and stops services of one kind (containers or processes).</summary>
internal interface IServiceTarget
{
    DeploymentTarget Kind { get; }

    /// <summary>Starts the service (it is not ready yet); a start that fails leaves nothing behind.</summary>
    Task<RunningService> StartAsync(ServiceSpec spec, IProgress<string>? progress, CancellationToken cancellationToken);

    /// <summary>Stops and removes it; one that is already gone is not an error.</summary>
    Task StopAsync(RunningService service, CancellationToken cancellationToken);

    Task<bool> IsRunningAsync(RunningService service, CancellationToken cancellationToken);

    /// <summary>The last lines it wrote (for an error message), or null.</summary>
    Task<string?> TailAsync(RunningService service, CancellationToken cancellationToken);
}
