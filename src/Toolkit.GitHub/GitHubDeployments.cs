using System.Globalization;
using Octokit;

namespace Toolkit.GitHub;

/// <summary>What is deployed: a model version, to a stage (the GitHub environment), from a commit.</summary>
public sealed record DeploymentRequest
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public required string Digest { get; init; }

    /// <summary>dev, preprod or prod: the GitHub environment.</summary>
    public required string Stage { get; init; }

    /// <summary>The commit (null: the settings' SHA).</summary>
    public string? Sha { get; init; }

    /// <summary>What the deployment is, e.g. "rollback to v3"; by default "deploy MODEL vN".</summary>
    public string? Description { get; init; }
}

/// <summary>A deployment GitHub recorded.</summary>
public sealed record GitHubDeployment(long Id, string Environment, string Sha, string? Url);

/// <summary>A status GitHub recorded for a deployment.</summary>
public sealed record GitHubDeploymentStatus(long Id, long DeploymentId, string State, string? EnvironmentUrl);

/// <summary>The states a deployment goes through as the toolkit reports them.</summary>
public enum DeploymentProgress
{
    InProgress,
    Success,
    Failure,
}

/// <summary>
/// GitHub Deployments for stage deploys: one deployment per deploy (a rollback is a new deployment of the
/// earlier version), with statuses <c>in_progress</c> → <c>success</c> or <c>failure</c>, the service's URL as
/// <c>environment_url</c> and the run's page as <c>log_url</c>. Build it from
/// <see cref="GitHubSettings.FromEnvironment"/>; check <see cref="GitHubSettings.HasToken"/> first (without a
/// token there is nothing to record, and the constructor says so with a <see cref="GitHubSettingsException"/>).
/// Failures are <see cref="GitHubException"/>s whose message is one line without the token.
/// </summary>
public sealed class GitHubDeployments
{
    private static readonly GitHubOperation Create = new("create the deployment", "deployments: write");
    private static readonly GitHubOperation WriteStatus = new("set the deployment's status", "deployments: write");

    private readonly GitHubSettings _settings;
    private readonly IGitHubClient _client;

    public GitHubDeployments(GitHubSettings settings, GitHubClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _client = GitHubConnection.Create(settings, options);
    }

    public async Task<GitHubDeployment> CreateAsync(DeploymentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sha = request.Sha ?? _settings.Sha
            ?? throw new GitHubSettingsException("no commit to deploy: pass --sha, or run in Actions (GITHUB_SHA).");
        var version = request.Version.ToString(CultureInfo.InvariantCulture);
        var deployment = new NewDeployment(sha)
        {
            Environment = request.Stage,
            Description = request.Description ?? $"deploy {request.Model} v{version}",
            Task = "deploy",

            // The commit was gated already; a deployment must not wait for (or merge) anything else.
            AutoMerge = false,
            RequiredContexts = [],
            ProductionEnvironment = request.Stage == "prod",
            TransientEnvironment = false,
            // Octokit's payload is string to string: the version travels as "3".
            Payload = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["model"] = request.Model,
                ["version"] = version,
                ["digest"] = request.Digest,
            },
        };
        var created = await GitHubErrors.CallAsync(_settings, Create,
            () => _client.Repository.Deployment.Create(_settings.Owner, _settings.Name, deployment)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new GitHubDeployment(created.Id, created.Environment ?? request.Stage, created.Sha ?? sha, created.Url);
    }

    public async Task<GitHubDeploymentStatus> SetStatusAsync(
        long deploymentId, DeploymentProgress state, string? environmentUrl = null, string? description = null, CancellationToken cancellationToken = default)
    {
        var status = new NewDeploymentStatus(state switch
        {
            DeploymentProgress.InProgress => DeploymentState.InProgress,
            DeploymentProgress.Success => DeploymentState.Success,
            _ => DeploymentState.Failure,
        })
        {
            EnvironmentUrl = environmentUrl,
            LogUrl = _settings.RunUrl,
            Description = description is null ? null : description.Length <= 140 ? description : description[..139] + "…",

            // A newer successful deployment marks the earlier ones of the environment inactive.
            AutoInactive = state == DeploymentProgress.Success ? true : null,
        };
        var operation = WriteStatus with { NotFound = string.Create(CultureInfo.InvariantCulture, $"no deployment {deploymentId} in {_settings.RequireRepository()}.") };
        var created = await GitHubErrors.CallAsync(_settings, operation,
            () => _client.Repository.Deployment.Status.Create(_settings.Owner, _settings.Name, deploymentId, status)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new GitHubDeploymentStatus(created.Id, deploymentId, created.State.StringValue, created.EnvironmentUrl ?? environmentUrl);
    }

    /// <summary>The latest deployment of <paramref name="model"/> to <paramref name="stage"/>, to add a status to it from another step.</summary>
    public async Task<GitHubDeployment?> FindLatestAsync(string model, string stage, int version, CancellationToken cancellationToken = default)
    {
        var operation = new GitHubOperation("read the deployments", "deployments: read");
        var all = await GitHubErrors.CallAsync(_settings, operation,
            () => _client.Repository.Deployment.GetAll(_settings.Owner, _settings.Name, new ApiOptions { PageSize = 100, PageCount = 1 })).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var match = all
            .Where(d => d.Environment == stage && PayloadSays(d.Payload, "model", model) && PayloadSays(d.Payload, "version", version.ToString(CultureInfo.InvariantCulture)))
            .MaxBy(d => d.Id);
        return match is null ? null : new GitHubDeployment(match.Id, match.Environment, match.Sha, match.Url);
    }

    private static bool PayloadSays(IReadOnlyDictionary<string, string>? payload, string key, string value) =>
        payload is not null && payload.TryGetValue(key, out var v) && string.Equals(v?.ToString(), value, StringComparison.Ordinal);
}
