namespace Toolkit.Deployment;

/// <summary>Where a stage's service runs: a container on the local Docker daemon, or a background <c>mlops serve</c> process.</summary>
public enum DeploymentTarget
{
    Docker,
    Process,
}

/// <summary>The names of <see cref="DeploymentTarget"/> as the command line and the records spell them.</summary>
public static class DeploymentTargets
{
    public const string Docker = "docker";
    public const string Process = "process";

    public static string Name(DeploymentTarget target) => target == DeploymentTarget.Docker ? Docker : Process;

    public static DeploymentTarget Parse(string text) => text switch
    {
        Docker => DeploymentTarget.Docker,
        Process => DeploymentTarget.Process,
        _ => throw new ArgumentException($"unknown deployment target '{text}'; targets: {Docker}, {Process}", nameof(text)),
    };
}

/// <summary>What the smoke test found: the version's stored rows sent to the live service, answers compared.</summary>
public sealed record SmokeOutcome(bool Passed, int Rows, IReadOnlyList<string> Mismatches)
{
    /// <summary>One line saying what was found (for a failed deploy's message).</summary>
    public string? Summary { get; init; }
}

/// <summary>The load test's figures (bounded in time and count).</summary>
public sealed record LoadFigures
{
    public required long Requests { get; init; }

    public required long Errors { get; init; }

    public required double ErrorRate { get; init; }

    public required double Rps { get; init; }

    public required double P50Ms { get; init; }

    public required double P95Ms { get; init; }

    public required double P99Ms { get; init; }
}

/// <summary>One deployment as the project store records it.</summary>
public sealed record DeploymentRecord
{
    public long Id { get; init; }

    public required string Model { get; init; }

    public required int Version { get; init; }

    public required string Stage { get; init; }

    public required DeploymentTarget Target { get; init; }

    public required string Url { get; init; }

    public required int Port { get; init; }

    /// <summary>The image reference (docker), null for a process.</summary>
    public string? Image { get; init; }

    /// <summary>The image ID (<c>sha256:...</c>) the container runs.</summary>
    public string? ImageDigest { get; init; }

    public string? ContainerId { get; init; }

    public int? Pid { get; init; }

    /// <summary>When the process started (with the pid, tells a reused pid from ours).</summary>
    public DateTimeOffset? PidStartedAt { get; init; }

    /// <summary>The process's log file.</summary>
    public string? LogPath { get; init; }

    public required string Digest { get; init; }

    public required DateTimeOffset DeployedAt { get; init; }

    public required string DeployedBy { get; init; }

    public SmokeOutcome? Smoke { get; init; }

    public LoadFigures? Load { get; init; }

    /// <summary><c>active</c> (the stage's current deployment), <c>replaced</c> or <c>stopped</c>.</summary>
    public string Status { get; init; } = DeploymentStatus.Active;

    public DateTimeOffset? StoppedAt { get; init; }
}

/// <summary>The states of a deployment record.</summary>
public static class DeploymentStatus
{
    public const string Active = "active";
    public const string Replaced = "replaced";
    public const string Stopped = "stopped";
}

/// <summary>Why a deployment did not happen, as the command line reports it.</summary>
public enum DeploymentFailureKind
{
    /// <summary>Bad usage or input (no version holds the stage, a version that does not, the port taken): exit 2.</summary>
    BadInput,

    /// <summary>The service did not start, get ready or pass its smoke test: exit 1.</summary>
    Failed,

    /// <summary>The load test missed the policy's SLO: exit 3, like a gate.</summary>
    SloMissed,
}

/// <summary>A deployment that was refused or failed; what ran before still runs.</summary>
public sealed class DeploymentException : Exception
{
    public DeploymentException(string message, DeploymentFailureKind kind, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public DeploymentException()
    {
    }

    public DeploymentException(string message)
        : base(message)
    {
    }

    public DeploymentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DeploymentFailureKind Kind { get; } = DeploymentFailureKind.Failed;
}
