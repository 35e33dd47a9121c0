using System.Net;

namespace Toolkit.GitHub.Tests;

/// <summary>The sequences that need state (a report edited on the next push, reviews, deployment statuses), on the local fake.</summary>
public sealed class StatefulGitHubTests : IAsyncLifetime
{
    private FakeGitHub _github = null!;

    public async Task InitializeAsync() => _github = await FakeGitHub.StartAsync();

    public async Task DisposeAsync() => await _github.DisposeAsync();

    private GitHubSettings Settings(int? pr = 7, string? token = null, string? repository = null) =>
        TestData.Settings(_github.ApiUrl, token ?? _github.Token, repository ?? _github.Repository, pr);

    private Task<ReportOutcome> PublishAsync(PullRequestReport report, GitHubSettings? settings = null)
    {
        settings ??= Settings();
        return new PullRequestReporter(GitHubConnection.Create(settings, TestData.NoWait([])), settings).PublishAsync(report);
    }

    [Fact]
    public async Task Publish_SecondPush_EditsTheOneCommentAndCheckRun()
    {
        var first = await PublishAsync(TestData.Report(aucPasses: false));
        var second = await PublishAsync(TestData.Report(aucPasses: true));

        first.CommentAction.Should().Be("created");
        second.CommentAction.Should().Be("updated");
        second.CommentId.Should().Be(first.CommentId);
        _github.Comments.Should().ContainSingle().Which["body"]!.GetValue<string>().Should()
            .StartWith(PullRequestReport.MarkerFor("diabetes")).And.Contain("gates passed");
        second.CheckRunAction.Should().Be("updated");
        _github.CheckRuns.Should().ContainSingle().Which["conclusion"]!.GetValue<string>().Should().Be("success");
        _github.CheckRuns[0]["external_id"]!.GetValue<string>().Should().Be("toolkit:diabetes");
    }

    [Fact]
    public async Task Publish_TwoModels_OneCommentEach()
    {
        await PublishAsync(TestData.Report(model: "diabetes"));
        await PublishAsync(TestData.Report(model: "housing"));
        await PublishAsync(TestData.Report(model: "diabetes", auc: 0.9));

        _github.Comments.Should().HaveCount(2);
        _github.CheckRuns.Select(r => r["name"]!.GetValue<string>()).Should().BeEquivalentTo("toolkit / diabetes", "toolkit / housing");
    }

    [Fact]
    public async Task Publish_FailedThreshold_AnnotatesItsPolicyLine()
    {
        await PublishAsync(TestData.Report(aucPasses: false));

        var lines = TestData.PolicyText.Split('\n');
        var aucLine = Array.FindIndex(lines, l => l.Contains("auc >= 0.80", StringComparison.Ordinal)) + 1;
        var regressionLine = Array.FindIndex(lines, l => l.Contains("max_drop", StringComparison.Ordinal)) + 1;
        var run = _github.CheckRuns.Should().ContainSingle().Subject;
        run["conclusion"]!.GetValue<string>().Should().Be("failure");
        run["head_sha"]!.GetValue<string>().Should().Be(TestData.Sha);
        var annotations = run["output"]!["annotations"]!.AsArray();
        annotations.Select(a => (a!["path"]!.GetValue<string>(), a["start_line"]!.GetValue<int>(), a["annotation_level"]!.GetValue<string>()))
            .Should().Equal(("models/diabetes/model.yaml", aucLine, "failure"), ("models/diabetes/model.yaml", regressionLine, "failure"));
        annotations[0]!["message"]!.GetValue<string>().Should().Contain("0.7100").And.Contain("auc >= 0.8");
        run["output"]!["summary"]!.GetValue<string>().Should().Contain("```mermaid");
    }

    [Fact]
    public async Task Publish_TokenWithoutChecksWrite_FallsBackToACommitStatus()
    {
        _github.ChecksAllowed = false;

        var outcome = await PublishAsync(TestData.Report(aucPasses: false));

        outcome.StatusState.Should().Be("failure");
        outcome.Warnings.Should().ContainSingle().Which.Should().Contain("checks: write");
        var status = _github.Statuses.Should().ContainSingle().Subject;
        status["context"]!.GetValue<string>().Should().Be("toolkit / diabetes");
        status["state"]!.GetValue<string>().Should().Be("failure");
        status["sha"]!.GetValue<string>().Should().Be(TestData.Sha);
        status["description"]!.GetValue<string>().Length.Should().BeLessThanOrEqualTo(140);
    }

    [Fact]
    public async Task Publish_ApiUrlWithAPath_EveryRequestGoesUnderItExactly()
    {
        await PublishAsync(TestData.Report());

        // GHES-style URL: requests go under /api/v3 once; Octokit's own fix-up would not be applied on top.
        _github.Requests.Should().NotBeEmpty();
        _github.Requests.Should().OnlyContain(r => r.Path.StartsWith("/api/v3/repos/acme/models/", StringComparison.Ordinal));
        _github.Requests.Should().Contain(r => r.Path.Contains("check_name=toolkit%20%2F%20diabetes", StringComparison.Ordinal));
        _github.Requests.Should().OnlyContain(r => r.Accept != null && r.Accept.Contains("application/vnd.github+json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_ApiUrlWithoutTrailingSlash_KeepsItsLastSegment()
    {
        var settings = TestData.Settings(new Uri(_github.ApiUrl.ToString().TrimEnd('/')), _github.Token);

        await PublishAsync(TestData.Report(), settings);

        _github.Requests.Should().OnlyContain(r => r.Path.StartsWith("/api/v3/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_BadToken_OneLineNamingTheToken()
    {
        var act = () => PublishAsync(TestData.Report(), Settings(token: "ghp_wrongToken_abcdef123456"));

        var error = (await act.Should().ThrowAsync<GitHubException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        error.Message.Should().Contain("401").And.Contain("GITHUB_TOKEN").And.NotContain("ghp_wrongToken_abcdef123456").And.NotContain("\n");
    }

    [Fact]
    public async Task Publish_NotAPullRequest_SaysSo()
    {
        var act = () => PublishAsync(TestData.Report(), Settings(pr: 99));

        (await act.Should().ThrowAsync<GitHubException>()).Which.Message.Should().Be("#99 is not a pull request of acme/models (give --pr the pull request's number).");
    }

    [Fact]
    public async Task Publish_UnknownRepository_SaysSo()
    {
        var act = () => PublishAsync(TestData.Report(), Settings(repository: "acme/nope"));

        (await act.Should().ThrowAsync<GitHubException>()).Which.Message.Should().StartWith("repository 'acme/nope' not found");
    }

    [Fact]
    public async Task Publish_ForbiddenComment_NamesThePermission()
    {
        _github.Enqueue(200, "[]"); // the pull request's files: it is one
        _github.Enqueue(200, "[]"); // its comments
        _github.Enqueue(403, """{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}""", ("X-Accepted-GitHub-Permissions", "pull_requests=write; issues=write"));

        var act = () => PublishAsync(TestData.Report());

        (await act.Should().ThrowAsync<GitHubException>()).Which.Message.Should()
            .Contain("403").And.Contain("'pull-requests: write'").And.Contain("pull_requests=write");
    }

    [Fact]
    public async Task Approvals_OfAnEnvironment_OnlyItsReviews()
    {
        _github.Approve(99, "alice", "preprod", "QA signed off");
        _github.Approve(99, "bob", "prod", null, state: "rejected");
        var approvals = new GitHubApprovals(Settings(), TestData.NoWait([]));

        var preprod = await approvals.ListAsync(99, "preprod");
        var all = await approvals.ListAsync(99);

        preprod.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Reviewer = "alice", State = "approved", Comment = "QA signed off", Approved = true });
        all.Select(r => (r.Reviewer, r.Approved)).Should().Equal(("alice", true), ("bob", false));
        (await approvals.ListAsync(100, "preprod")).Should().BeEmpty();
    }

    [Fact]
    public async Task Deployments_InProgressThenSuccess_StatusesOnOneDeployment()
    {
        var deployments = new GitHubDeployments(Settings(), TestData.NoWait([]));

        var created = await deployments.CreateAsync(new DeploymentRequest { Model = "diabetes", Version = 3, Digest = "sha256:abc", Stage = "prod" });
        await deployments.SetStatusAsync(created.Id, DeploymentProgress.InProgress);
        var found = await deployments.FindLatestAsync("diabetes", "prod", 3);
        await deployments.SetStatusAsync(found!.Id, DeploymentProgress.Success, "http://127.0.0.1:8083");

        found.Id.Should().Be(created.Id);
        var deployment = _github.Deployments.Should().ContainSingle().Subject;
        deployment["environment"]!.GetValue<string>().Should().Be("prod");
        deployment["ref"]!.GetValue<string>().Should().Be(TestData.Sha);
        deployment["production_environment"]!.GetValue<bool>().Should().BeTrue();
        deployment["payload"]!["model"]!.GetValue<string>().Should().Be("diabetes");
        deployment["payload"]!["version"]!.GetValue<string>().Should().Be("3");
        deployment["payload"]!["digest"]!.GetValue<string>().Should().Be("sha256:abc");
        _github.DeploymentStatuses.Select(s => s["state"]!.GetValue<string>()).Should().Equal("in_progress", "success");
        _github.DeploymentStatuses[1]["environment_url"]!.GetValue<string>().Should().Be("http://127.0.0.1:8083");
        _github.DeploymentStatuses[1]["log_url"]!.GetValue<string>().Should().Be("https://github.example/acme/models/actions/runs/99");
    }

    [Fact]
    public async Task Deployments_Rollback_IsANewDeploymentOfTheEarlierVersion()
    {
        var deployments = new GitHubDeployments(Settings(), TestData.NoWait([]));

        var v3 = await deployments.CreateAsync(new DeploymentRequest { Model = "diabetes", Version = 3, Digest = "sha256:three", Stage = "prod" });
        var back = await deployments.CreateAsync(new DeploymentRequest { Model = "diabetes", Version = 2, Digest = "sha256:two", Stage = "prod", Description = "rollback to v2" });

        back.Id.Should().NotBe(v3.Id);
        (await deployments.FindLatestAsync("diabetes", "prod", 2))!.Id.Should().Be(back.Id);
        _github.Deployments[1]["description"]!.GetValue<string>().Should().Be("rollback to v2");
    }

    [Fact]
    public async Task DeployNotifier_SuccessfulDeploy_OneDeploymentInProgressThenSuccessWithTheServiceUrl()
    {
        var warnings = new List<string>();
        var notifier = new Toolkit.Cli.Commands.GitHubDeploymentNotifier(new GitHubDeployments(Settings(), TestData.NoWait([])), m => { warnings.Add(m); return Task.CompletedTask; });
        var notice = new Toolkit.Deployment.DeploymentNotice { Model = "diabetes", Version = 4, Stage = "preprod", Target = Toolkit.Deployment.DeploymentTarget.Process, Digest = "sha256:four" };

        await notifier.StartedAsync(notice);
        await notifier.SucceededAsync(notice with { Url = "http://127.0.0.1:8082" });

        warnings.Should().BeEmpty();
        var deployment = _github.Deployments.Should().ContainSingle().Subject;
        deployment["environment"]!.GetValue<string>().Should().Be("preprod");
        deployment["payload"]!["version"]!.GetValue<string>().Should().Be("4");
        deployment["payload"]!["digest"]!.GetValue<string>().Should().Be("sha256:four");
        _github.DeploymentStatuses.Select(s => s["state"]!.GetValue<string>()).Should().Equal("in_progress", "success");
        _github.DeploymentStatuses[1]["environment_url"]!.GetValue<string>().Should().Be("http://127.0.0.1:8082");
    }

    [Fact]
    public async Task DeployNotifier_FailedDeploy_FailureStatusWithTheReason_AndGitHubErrorsOnlyWarn()
    {
        var warnings = new List<string>();
        var notifier = new Toolkit.Cli.Commands.GitHubDeploymentNotifier(new GitHubDeployments(Settings(), TestData.NoWait([])), m => { warnings.Add(m); return Task.CompletedTask; });
        var notice = new Toolkit.Deployment.DeploymentNotice { Model = "diabetes", Version = 5, Stage = "prod", Target = Toolkit.Deployment.DeploymentTarget.Docker, Digest = "sha256:five" };

        await notifier.StartedAsync(notice);
        await notifier.FailedAsync(notice with { Reason = "p99 40 ms above the SLO's 25 ms" });

        _github.DeploymentStatuses.Select(s => s["state"]!.GetValue<string>()).Should().Equal("in_progress", "failure");
        _github.DeploymentStatuses[1]["description"]!.GetValue<string>().Should().Contain("p99 40 ms");

        var denied = new Toolkit.Cli.Commands.GitHubDeploymentNotifier(new GitHubDeployments(Settings(token: "bad-token"), TestData.NoWait([])), m => { warnings.Add(m); return Task.CompletedTask; });
        await denied.StartedAsync(notice);
        await denied.SucceededAsync(notice);
        warnings.Should().ContainSingle().Which.Should().Contain("not recorded").And.NotContain("bad-token");
    }
}
