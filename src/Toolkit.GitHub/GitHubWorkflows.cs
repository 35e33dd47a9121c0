using Octokit;

namespace Toolkit.GitHub;

/// <summary>A <c>workflow_dispatch</c> to start: which workflow file, on which ref, with which inputs.</summary>
public sealed record WorkflowDispatchRequest
{
    /// <summary>The workflow's file name under .github/workflows (e.g. <c>retrain.yml</c>) or its id.</summary>
    public required string Workflow { get; init; }

    /// <summary>The branch or tag to run the workflow on.</summary>
    public required string Ref { get; init; }

    /// <summary>The workflow's <c>inputs</c> (GitHub takes at most 10, all as strings here).</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>
/// Starts workflows through the REST API (<c>POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches</c>),
/// as <c>mlops trigger retrain</c> does for retrain.yml. GitHub answers 204 without the run it starts, so nothing
/// comes back but success. Failures are <see cref="GitHubException"/>s whose message is one line without the token.
/// </summary>
public sealed class GitHubWorkflows
{
    public const int MaxInputs = 10;

    private readonly GitHubSettings _settings;
    private readonly IGitHubClient _client;

    public GitHubWorkflows(GitHubSettings settings, GitHubClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _client = GitHubConnection.Create(settings, options);
    }

    public async Task DispatchAsync(WorkflowDispatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Workflow) || string.IsNullOrWhiteSpace(request.Ref))
        {
            throw new GitHubSettingsException("a workflow dispatch needs the workflow file and a ref.");
        }

        if (request.Inputs.Count > MaxInputs)
        {
            throw new GitHubSettingsException($"GitHub takes at most {MaxInputs} workflow inputs; {request.Inputs.Count} given.");
        }

        var operation = new GitHubOperation($"start the workflow {request.Workflow}", "actions: write",
            $"workflow '{request.Workflow}' not found in {_settings.RequireRepository()} on '{request.Ref}' (404), or the token cannot see it; is the file on that ref and does it have 'on: workflow_dispatch'?");
        var dispatch = new CreateWorkflowDispatch(request.Ref)
        {
            Inputs = request.Inputs.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal),
        };
        await GitHubErrors.CallAsync(_settings, operation, async () =>
        {
            await _client.Actions.Workflows.CreateDispatch(_settings.Owner, _settings.Name, request.Workflow, dispatch).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
