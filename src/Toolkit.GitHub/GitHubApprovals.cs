using Octokit;

namespace Toolkit.GitHub;

/// <summary>One review GitHub recorded for a run's deployment to an environment: who, what they decided, what they wrote.</summary>
public sealed record EnvironmentReview
{
    public required string Reviewer { get; init; }

    /// <summary>approved or rejected.</summary>
    public required string State { get; init; }

    public string? Comment { get; init; }

    public required IReadOnlyList<string> Environments { get; init; }

    public bool Approved => State == "approved";
}

/// <summary>The environment reviews of a workflow run (<c>GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals</c>).</summary>
public sealed class GitHubApprovals
{
    private static readonly GitHubOperation ReadApprovals = new("read the run's environment approvals", "actions: read");

    private readonly GitHubSettings _settings;
    private readonly IGitHubClient _client;

    public GitHubApprovals(GitHubSettings settings, GitHubClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _client = GitHubConnection.Create(settings, options);
    }

    /// <summary>Every review of run <paramref name="runId"/>, or only those for <paramref name="environment"/>, oldest first.</summary>
    public async Task<IReadOnlyList<EnvironmentReview>> ListAsync(long runId, string? environment = null, CancellationToken cancellationToken = default)
    {
        var operation = ReadApprovals with { NotFound = $"no workflow run {runId} in {_settings.RequireRepository()} (or the repository is not found)." };
        var history = await GitHubErrors.CallAsync(_settings, operation,
            () => _client.Actions.Workflows.Runs.GetReviewHistory(_settings.Owner, _settings.Name, runId)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return [.. history
            .Select(h => new EnvironmentReview
            {
                Reviewer = h.User?.Login ?? "unknown",
                State = h.State.StringValue,
                Comment = string.IsNullOrWhiteSpace(h.Comment) ? null : h.Comment.Trim(),
                Environments = [.. (h.Environments ?? []).Select(e => e.Name)],
            })
            .Where(r => environment is null || r.Environments.Contains(environment, StringComparer.OrdinalIgnoreCase))];
    }
}
