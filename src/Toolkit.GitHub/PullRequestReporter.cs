using System.Net;
using Octokit;

namespace Toolkit.GitHub;

/// <summary>What posting a report did: the comment and check run (or status) it created or updated, and where it wrote.</summary>
public sealed record ReportOutcome
{
    public required string Model { get; init; }

    public required string Conclusion { get; init; }

    public int? PullRequest { get; init; }

    public string? Sha { get; init; }

    /// <summary>created, updated, or null when no comment was posted.</summary>
    public string? CommentAction { get; init; }

    public long? CommentId { get; init; }

    public string? CommentUrl { get; init; }

    /// <summary>created, updated, or null when no check run was posted.</summary>
    public string? CheckRunAction { get; init; }

    public long? CheckRunId { get; init; }

    public string? CheckRunUrl { get; init; }

    /// <summary>The commit status posted instead of a check run (a token without <c>checks: write</c>).</summary>
    public string? StatusState { get; init; }

    public bool StepSummary { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Posts a <see cref="PullRequestReport"/>: one sticky comment per model (found again by its hidden
/// marker and edited, never duplicated), a check run found again by its external id, or a commit status
/// where the token may not write checks.
/// </summary>
internal sealed class PullRequestReporter
{
    private static readonly GitHubOperation ReadPull = new("read the pull request", "pull-requests: read");
    private static readonly GitHubOperation ReadRepository = new("read the repository", "contents: read");
    private static readonly GitHubOperation ListComments = new("read the pull request's comments", "pull-requests: read");
    private static readonly GitHubOperation CreateComment = new("comment on the pull request", "pull-requests: write");
    private static readonly GitHubOperation EditComment = new("edit the report comment", "pull-requests: write");
    private static readonly GitHubOperation ListChecks = new("read the commit's check runs", "checks: read");
    private static readonly GitHubOperation WriteCheck = new("write the check run", "checks: write");
    private static readonly GitHubOperation WriteStatus = new("set the commit status", "statuses: write");

    private readonly IGitHubClient _client;
    private readonly GitHubSettings _settings;

    public PullRequestReporter(IGitHubClient client, GitHubSettings settings)
    {
        _client = client;
        _settings = settings;
    }

    public async Task<ReportOutcome> PublishAsync(PullRequestReport report, CancellationToken cancellationToken = default)
    {
        var sha = _settings.Sha ?? throw new GitHubSettingsException("no commit to report on: pass --sha, or run in Actions (GITHUB_SHA, or the pull request event's head).");
        var outcome = new ReportOutcome { Model = report.Model, Conclusion = report.Conclusion, PullRequest = _settings.PullRequest, Sha = sha };
        if (_settings.PullRequest is { } number)
        {
            await RequirePullRequestAsync(number).ConfigureAwait(false);
            outcome = await CommentAsync(report, number, outcome).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return await CheckAsync(report, sha, outcome).ConfigureAwait(false);
    }

    /// <summary>Fails with "not a pull request" or "repository not found", whichever is true.</summary>
    private async Task RequirePullRequestAsync(int number)
    {
        try
        {
            // One file of the pull request: 404 unless the number is a pull request. (The pull request itself is a
            // larger answer, and the example in GitHub's own description breaks its schema.)
            await _client.PullRequest.Files(_settings.Owner, _settings.Name, number, new ApiOptions { PageSize = 1, PageCount = 1, StartPage = 1 }).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            await GitHubErrors.CallAsync(_settings, ReadRepository, () => _client.Repository.Get(_settings.Owner, _settings.Name)).ConfigureAwait(false);
            throw new GitHubException($"#{number} is not a pull request of {_settings.Repository} (give --pr the pull request's number).", HttpStatusCode.NotFound);
        }
        catch (ApiException ex)
        {
            throw GitHubErrors.Translate(_settings, ReadPull, ex);
        }
    }

    private async Task<ReportOutcome> CommentAsync(PullRequestReport report, int number, ReportOutcome outcome)
    {
        var body = report.ToComment();
        var comments = await AllCommentsAsync(number).ConfigureAwait(false);

        // The oldest comment with the marker is the report; a second one (two jobs racing) is left alone.
        var existing = comments.Where(c => c.Body?.StartsWith(report.Marker, StringComparison.Ordinal) == true).MinBy(c => c.Id);
        if (existing is not null)
        {
            var updated = existing.Body == body
                ? existing
                : await GitHubErrors.CallAsync(_settings, EditComment,
                    () => _client.Issue.Comment.Update(_settings.Owner, _settings.Name, existing.Id, body)).ConfigureAwait(false);
            return outcome with { CommentAction = "updated", CommentId = updated.Id, CommentUrl = updated.HtmlUrl };
        }

        var created = await GitHubErrors.CallAsync(_settings, CreateComment,
            () => _client.Issue.Comment.Create(_settings.Owner, _settings.Name, number, body)).ConfigureAwait(false);
        return outcome with { CommentAction = "created", CommentId = created.Id, CommentUrl = created.HtmlUrl };
    }

    /// <summary>
    /// Every comment, a page of 100 at a time, asking for each page by number rather than following <c>Link</c>
    /// headers (which a proxy or a test server may point elsewhere); a short page is the last.
    /// </summary>
    private async Task<List<IssueComment>> AllCommentsAsync(int number)
    {
        const int PageSize = 100;
        var all = new List<IssueComment>();
        for (var page = 1; ; page++)
        {
            var options = new ApiOptions { PageSize = PageSize, PageCount = 1, StartPage = page };
            var batch = await GitHubErrors.CallAsync(_settings, ListComments,
                () => _client.Issue.Comment.GetAllForIssue(_settings.Owner, _settings.Name, number, options)).ConfigureAwait(false);
            all.AddRange(batch);
            if (batch.Count < PageSize || page >= 50)
            {
                return all;
            }
        }
    }

    private async Task<ReportOutcome> CheckAsync(PullRequestReport report, string sha, ReportOutcome outcome)
    {
        var externalId = "toolkit:" + report.Model;
        try
        {
            var found = await GitHubErrors.CallAsync(_settings, ListChecks,
                () => _client.Check.Run.GetAllForReference(_settings.Owner, _settings.Name, sha, new CheckRunRequest { CheckName = report.CheckName }, new ApiOptions { PageSize = 100, PageCount = 1 })).ConfigureAwait(false);
            var existing = found.CheckRuns.Where(r => r.ExternalId == externalId && r.Name == report.CheckName).MinBy(r => r.Id);
            var output = Output(report);
            var conclusion = new StringEnum<CheckConclusion>(report.Conclusion switch
            {
                "failure" => CheckConclusion.Failure,
                "neutral" => CheckConclusion.Neutral,
                _ => CheckConclusion.Success,
            });
            CheckRun run;
            string action;
            if (existing is not null)
            {
                run = await GitHubErrors.CallAsync(_settings, WriteCheck, () => _client.Check.Run.Update(_settings.Owner, _settings.Name, existing.Id, new CheckRunUpdate
                {
                    ExternalId = externalId,
                    Status = CheckStatus.Completed,
                    Conclusion = conclusion,
                    CompletedAt = DateTimeOffset.UtcNow,
                    DetailsUrl = report.RunUrl,
                    Output = output,
                })).ConfigureAwait(false);
                action = "updated";
            }
            else
            {
                run = await GitHubErrors.CallAsync(_settings, WriteCheck, () => _client.Check.Run.Create(_settings.Owner, _settings.Name, new NewCheckRun(report.CheckName, sha)
                {
                    ExternalId = externalId,
                    Status = CheckStatus.Completed,
                    Conclusion = conclusion,
                    CompletedAt = DateTimeOffset.UtcNow,
                    DetailsUrl = report.RunUrl,
                    Output = output,
                })).ConfigureAwait(false);
                action = "created";
            }

            return outcome with { CheckRunAction = action, CheckRunId = run.Id, CheckRunUrl = run.HtmlUrl };
        }
        catch (GitHubException ex) when (ex.IsForbidden)
        {
            // A token without checks: write (GITHUB_TOKEN of a workflow that did not ask for it) can still set a status.
            var state = report.Conclusion == "failure" ? CommitState.Failure : CommitState.Success;
            await GitHubErrors.CallAsync(_settings, WriteStatus, () => _client.Repository.Status.Create(_settings.Owner, _settings.Name, sha, new NewCommitStatus
            {
                State = state,
                Context = report.CheckName,
                Description = Truncate(report.Title, 140),
                TargetUrl = report.RunUrl,
            })).ConfigureAwait(false);
            return outcome with
            {
                StatusState = state == CommitState.Failure ? "failure" : "success",
                Warnings = [.. outcome.Warnings, $"the token may not write check runs (checks: write), so '{report.CheckName}' is a commit status instead"],
            };
        }
    }

    private static NewCheckRunOutput Output(PullRequestReport report)
    {
        var annotations = report.Annotations()
            .Take(50) // GitHub takes at most 50 annotations per request
            .Select(a => new NewCheckRunAnnotation(a.Path, a.Line, a.Line, CheckAnnotationLevel.Failure, a.Message) { Title = a.Title })
            .ToList();
        return new NewCheckRunOutput(report.Title, Truncate(report.ToMarkdown(), 65535))
        {
            Annotations = annotations.Count == 0 ? null : annotations,
        };
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
