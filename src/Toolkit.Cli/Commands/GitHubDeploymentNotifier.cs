using System.Globalization;
using Toolkit.Deployment;
using Toolkit.GitHub;

namespace Toolkit.Cli.Commands;

/// <summary>
/// Inside a GitHub Actions job with a token, every stage deploy is a GitHub Deployment of the commit
/// (environment = stage, payload: model, version, digest) with statuses in_progress, then success with the
/// service's URL or failure with the reason. A GitHub error is a warning: the deployment itself decides.
/// </summary>
internal sealed class GitHubDeploymentNotifier(GitHubDeployments deployments, Func<string, Task> warn) : IDeploymentNotifier
{
    private long? _deployment;

    /// <summary>The notifier for this process: GitHub's inside Actions with a token and a commit, else none.</summary>
    public static IDeploymentNotifier ForEnvironment(CliContext context)
    {
        GitHubSettings settings;
        try
        {
            settings = GitHubSettings.FromEnvironment();
        }
        catch (GitHubSettingsException)
        {
            return NoDeploymentNotifier.Instance;
        }

        return settings is { InActions: true, HasToken: true, Repository: not null, Sha: not null }
            ? new GitHubDeploymentNotifier(new GitHubDeployments(settings), m => GitHubAccess.WarnAsync(context, settings, m))
            : NoDeploymentNotifier.Instance;
    }

    public async Task StartedAsync(DeploymentNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        await GuardAsync(async () =>
        {
            var created = await deployments.CreateAsync(
                new DeploymentRequest { Model = notice.Model, Version = notice.Version, Digest = notice.Digest ?? "", Stage = notice.Stage },
                cancellationToken);
            _deployment = created.Id;
            await deployments.SetStatusAsync(created.Id, DeploymentProgress.InProgress, null,
                string.Create(CultureInfo.InvariantCulture, $"deploying {notice.Model} v{notice.Version} ({DeploymentTargets.Name(notice.Target)})"), cancellationToken);
        });
    }

    public Task SucceededAsync(DeploymentNotice notice, CancellationToken cancellationToken = default) =>
        FinishAsync(DeploymentProgress.Success, notice?.Url, "smoke rows and load test passed", cancellationToken);

    public Task FailedAsync(DeploymentNotice notice, CancellationToken cancellationToken = default) =>
        FinishAsync(DeploymentProgress.Failure, null, notice?.Reason, cancellationToken);

    private Task FinishAsync(DeploymentProgress state, string? url, string? description, CancellationToken cancellationToken) =>
        _deployment is not { } id
            ? Task.CompletedTask
            : GuardAsync(() => deployments.SetStatusAsync(id, state, url, description, cancellationToken));

    private async Task GuardAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (GitHubException ex)
        {
            await warn($"the GitHub deployment was not recorded: {ex.Message}");
        }
    }
}
