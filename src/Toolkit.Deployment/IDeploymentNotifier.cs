namespace Toolkit.Deployment;

/// <summary>A deployment as told to the outside (e.g. a GitHub deployment and its statuses).</summary>
public sealed record DeploymentNotice
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public required string Stage { get; init; }

    public required DeploymentTarget Target { get; init; }

    /// <summary>The version's model file digest (sha256:…).</summary>
    public string? Digest { get; init; }

    /// <summary>The service's address; known once it answers.</summary>
    public string? Url { get; init; }

    /// <summary>Why it failed (for <see cref="IDeploymentNotifier.FailedAsync"/>).</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// Hears about each deployment: started, succeeded, failed. The deploy calls it at those three points;
/// the default hears nothing. A notifier's failure is its own: it must not fail the deployment.
/// </summary>
public interface IDeploymentNotifier
{
    Task StartedAsync(DeploymentNotice notice, CancellationToken cancellationToken = default);

    Task SucceededAsync(DeploymentNotice notice, CancellationToken cancellationToken = default);

    Task FailedAsync(DeploymentNotice notice, CancellationToken cancellationToken = default);
}

/// <summary>Tells no one.</summary>
public sealed class NoDeploymentNotifier : IDeploymentNotifier
{
    public static NoDeploymentNotifier Instance { get; } = new();

    public Task StartedAsync(DeploymentNotice notice, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task SucceededAsync(DeploymentNotice notice, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task FailedAsync(DeploymentNotice notice, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
