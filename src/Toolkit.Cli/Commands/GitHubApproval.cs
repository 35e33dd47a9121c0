using System.CommandLine;
using System.Globalization;
using Toolkit.GitHub;
using Toolkit.Registry;
using Toolkit.Registry.Promotion;

namespace Toolkit.Cli.Commands;

/// <summary>
/// The approval <c>mlops model promote</c> records inside GitHub Actions (<c>GITHUB_ACTIONS=true</c>) for a stage
/// past dev: the approved reviews of the job's environment (named after the stage) for the current run, from
/// <c>GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals</c>. Whoever pushed, or <c>--approved-by</c>, is not a review.
/// </summary>
internal static class GitHubApproval
{
    public static bool Applies(string stage) =>
        stage != Stages.Dev && string.Equals(Environment.GetEnvironmentVariable("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);

    public static async Task<AuditInfo> AuditAsync(CliContext context, ParseResult parse, string model, string stage, AuditInfo given, CancellationToken ct)
    {
        var github = GitHubAccess.Settings(new GitHubOverrides());
        if (given.Approvals.Count > 0)
        {
            await GitHubAccess.WarnAsync(context, github,
                $"--approved-by {string.Join(", ", given.Approvals)} is ignored inside GitHub Actions: the {stage} approval is the review GitHub recorded for the '{stage}' environment");
        }

        var runId = github.RunId ?? throw new UsageException("inside GitHub Actions, promoting past dev reads the run's environment review, but GITHUB_RUN_ID is not set.");
        if (!github.HasToken)
        {
            throw new UsageException($"inside GitHub Actions, promoting to {stage} reads the '{stage}' environment's review from GitHub: pass GITHUB_TOKEN to the step (env: GITHUB_TOKEN: ${{{{ github.token }}}}, permissions: actions: read).");
        }

        var reviews = await GitHubAccess.TranslateAsync(() => new GitHubApprovals(github, GitHubAccess.Options(context, parse)).ListAsync(runId, stage, ct));
        var approved = reviews.Where(r => r.Approved).ToList();
        if (approved.Count == 0)
        {
            var rejected = reviews.FirstOrDefault(r => !r.Approved);
            throw new PromotionRefusedException(
                PromotionRefusalReason.MissingApproval,
                string.Create(CultureInfo.InvariantCulture,
                    $"promoting '{model}' to {stage} needs an approved review of the '{stage}' environment, and GitHub recorded none for run {runId}{(rejected is null ? "" : $" ({rejected.Reviewer} rejected it)")}: the '{stage}' environment needs required reviewers (Settings → Environments → {stage} → Required reviewers) and the job 'environment: {stage}'"));
        }

        // The audit log keeps who reviewed, what they wrote, and where (the run's page).
        var review = string.Join("; ", approved.Select(r => r.Comment is null ? $"{r.Reviewer} approved" : $"{r.Reviewer} approved: \"{r.Comment}\""));
        var reason = string.Join(" · ", new[] { given.Reason, $"GitHub review: {review}", github.RunUrl }.Where(p => !string.IsNullOrWhiteSpace(p)));
        return given with { Reason = reason, Approvals = [.. approved.Select(r => r.Reviewer)] };
    }
}
