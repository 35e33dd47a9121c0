using System.Net;
using System.Text;

namespace Toolkit.GitHub.Tests;

/// <summary>
/// Every request the toolkit makes, checked by Prism against GitHub's own OpenAPI description: a request that
/// does not match is refused (422) and logged, and each test asserts the log holds no such violation.
/// </summary>
public sealed class PrismContractTests : IClassFixture<PrismServer>, IClassFixture<ProjectWithRun>
{
    private const string Token = "ghp_prismContractToken_9f8e7d6c5b4a";
    private readonly PrismServer _prism;
    private readonly ProjectWithRun _project;

    public PrismContractTests(PrismServer prism, ProjectWithRun project)
    {
        _prism = prism;
        _project = project;
    }

    [Fact]
    public async Task MlopsGitHubReport_PullRequestJob_EveryRequestMatchesAndEverythingProduced()
    {
        var folder = _project.Copy();
        try
        {
            var from = _prism.Log.Count;
            File.WriteAllText(Path.Combine(folder, "event.json"), """{"pull_request":{"number":7,"head":{"sha":"feedface","repo":{"full_name":"acme/models"}},"base":{"repo":{"full_name":"acme/models"}}}}""");
            var env = new Dictionary<string, string>
            {
                ["GITHUB_ACTIONS"] = "true",
                ["GITHUB_TOKEN"] = Token,
                ["GITHUB_REPOSITORY"] = "acme/models",
                ["GITHUB_API_URL"] = _prism.ApiUrl.ToString().TrimEnd('/'),
                ["GITHUB_EVENT_PATH"] = Path.Combine(folder, "event.json"),
                ["GITHUB_SHA"] = "0000000000000000000000000000000000000000",
                ["GITHUB_RUN_ID"] = "99",
                ["GITHUB_STEP_SUMMARY"] = Path.Combine(folder, "summary.md"),
            };

            var result = await MlopsProcess.RunAsync(folder, env, "github", "report", "--model", "housing", "--run", _project.RunId, "--json", "--verbose");

            result.ExitCode.Should().Be(0, result.Error);
            result.All.Should().NotContain(Token);
            using var json = System.Text.Json.JsonDocument.Parse(result.Output);
            json.RootElement.GetProperty("comment").GetProperty("action").GetString().Should().Be("created");
            json.RootElement.GetProperty("check_run").GetProperty("action").GetString().Should().Be("created");
            File.ReadAllText(Path.Combine(folder, "summary.md")).Should().Contain("housing: gates");
            var received = await ReceivedAsync(from, 5);
            received.Should().Equal(
                "get /repos/acme/models/pulls/7/files",
                "get /repos/acme/models/issues/7/comments",
                "post /repos/acme/models/issues/7/comments",
                "get /repos/acme/models/commits/feedface/check-runs",
                "post /repos/acme/models/check-runs");
            _prism.RequestViolations(from).Should().BeEmpty();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Prism_RequestAgainstTheDescription_IsRefusedAndLogged()
    {
        // The check itself must be able to fail: a check run with a status GitHub does not know.
        var from = _prism.Log.Count;
        using var http = new HttpClient();
        using var content = new StringContent("""{"name":"x","head_sha":"abc","status":"weird"}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(_prism.ApiUrl, "repos/acme/models/check-runs"), content);

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await WaitForViolationsAsync(from)).Should().NotBeEmpty();
    }

    [Fact]
    public async Task Publish_NewReport_EveryRequestMatchesGitHubsDescription()
    {
        var from = _prism.Log.Count;
        var settings = TestData.Settings(_prism.ApiUrl, Token);
        var client = GitHubConnection.Create(settings, TestData.NoWait([]));

        var outcome = await new PullRequestReporter(client, settings).PublishAsync(TestData.Report(aucPasses: false));

        // Prism's examples hold no comment with our marker and no check run with our external id: both are created.
        outcome.CommentAction.Should().Be("created");
        outcome.CheckRunAction.Should().Be("created");
        var received = await ReceivedAsync(from, 5);
        received.Should().Equal(
            "get /repos/acme/models/pulls/7/files",
            "get /repos/acme/models/issues/7/comments",
            "post /repos/acme/models/issues/7/comments",
            $"get /repos/acme/models/commits/{TestData.Sha}/check-runs",
            "post /repos/acme/models/check-runs");
        _prism.RequestViolations(from).Should().BeEmpty();
    }

    [Fact]
    public async Task Publish_ExistingCommentAndCheckRun_EditsAndEveryRequestMatches()
    {
        // Prism keeps no state, so its example answers are edited on the way back to hold our marker and external id.
        var from = _prism.Log.Count;
        var settings = TestData.Settings(_prism.ApiUrl, Token);
        var report = TestData.Report();
        var marker = System.Text.Json.JsonSerializer.Serialize(report.Marker)[1..^1];
        var client = GitHubConnection.Create(settings, TestData.NoWait([], () => new RewritingHandler(new Dictionary<string, (string, string)>
        {
            ["/comments"] = ("\"body\":\"Me too\"", $"\"body\":\"{marker}\\nold report\""),
            ["/check-runs"] = ("\"name\":\"mighty_readme\"", "\"name\":\"toolkit / diabetes\""),
        })));

        var outcome = await new PullRequestReporter(client, settings).PublishAsync(report);

        outcome.CommentAction.Should().Be("updated");
        outcome.CheckRunAction.Should().Be("created", "Prism's check run has an empty external id, so it is not ours");
        var received = await ReceivedAsync(from, 5);
        received.Should().Contain("patch /repos/acme/models/issues/comments/1");
        received.Should().NotContain("post /repos/acme/models/issues/7/comments");
        _prism.RequestViolations(from).Should().BeEmpty();
    }

    [Fact]
    public async Task Publish_CheckRunWithOurExternalId_UpdatesItAndTheRequestMatches()
    {
        var from = _prism.Log.Count;
        var settings = TestData.Settings(_prism.ApiUrl, Token, pr: null);
        var client = GitHubConnection.Create(settings, TestData.NoWait([], () => new RewritingHandler(new Dictionary<string, (string, string)>
        {
            ["/check-runs"] = ("\"name\":\"mighty_readme\"", "\"name\":\"toolkit / diabetes\",\"external_id\":\"toolkit:diabetes\""),
        })));

        var outcome = await new PullRequestReporter(client, settings).PublishAsync(TestData.Report(aucPasses: false));

        outcome.CheckRunAction.Should().Be("updated");
        var received = await ReceivedAsync(from, 2);
        received.Should().Contain("patch /repos/acme/models/check-runs/4");
        _prism.RequestViolations(from).Should().BeEmpty();
    }

    [Fact]
    public async Task Publish_TokenWithoutChecksWrite_CommitStatusRequestMatches()
    {
        var from = _prism.Log.Count;
        var settings = TestData.Settings(_prism.ApiUrl, Token, pr: null);
        var client = GitHubConnection.Create(settings, TestData.NoWait([], () => new ForbidCheckRunsHandler()));

        var outcome = await new PullRequestReporter(client, settings).PublishAsync(TestData.Report(aucPasses: false));

        outcome.StatusState.Should().Be("failure");
        outcome.CheckRunAction.Should().BeNull();
        outcome.Warnings.Should().ContainSingle().Which.Should().Contain("checks: write");
        var received = await ReceivedAsync(from, 2);
        received.Should().Contain($"post /repos/acme/models/statuses/{TestData.Sha}");
        _prism.RequestViolations(from).Should().BeEmpty();
    }

    [Fact]
    public async Task Approvals_RunReviews_RequestMatchesAndReviewsRead()
    {
        var from = _prism.Log.Count;
        var settings = TestData.Settings(_prism.ApiUrl, Token);

        var reviews = await new GitHubApprovals(settings, TestData.NoWait([])).ListAsync(99);

        // GitHub's documented example: octocat approved the 'staging' environment with "Ship it!".
        reviews.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Reviewer = "octocat", State = "approved", Comment = "Ship it!", Environments = new[] { "staging" } });
        (await ReceivedAsync(from, 1)).Should().Equal("get /repos/acme/models/actions/runs/99/approvals");
        _prism.RequestViolations(from).Should().BeEmpty();
    }

    [Fact]
    public async Task Deployments_CreateThenStatuses_EveryRequestMatches()
    {
        var from = _prism.Log.Count;
        var settings = TestData.Settings(_prism.ApiUrl, Token);
        var deployments = new GitHubDeployments(settings, TestData.NoWait([]));

        var deployment = await deployments.CreateAsync(new DeploymentRequest { Model = "diabetes", Version = 3, Digest = "sha256:abc", Stage = "preprod" });
        await deployments.SetStatusAsync(deployment.Id, DeploymentProgress.InProgress);
        await deployments.SetStatusAsync(deployment.Id, DeploymentProgress.Success, "http://127.0.0.1:8082");
        await deployments.SetStatusAsync(deployment.Id, DeploymentProgress.Failure, "http://127.0.0.1:8082", "smoke test failed");
        var latest = await deployments.FindLatestAsync("diabetes", "preprod", 3);

        deployment.Id.Should().BePositive();
        latest.Should().BeNull("Prism's example deployment is not of this model");
        var received = await ReceivedAsync(from, 5);
        received.Should().Equal(
            "post /repos/acme/models/deployments",
            $"post /repos/acme/models/deployments/{deployment.Id}/statuses",
            $"post /repos/acme/models/deployments/{deployment.Id}/statuses",
            $"post /repos/acme/models/deployments/{deployment.Id}/statuses",
            "get /repos/acme/models/deployments");
        _prism.RequestViolations(from).Should().BeEmpty();
    }

    [Fact]
    public async Task Workflows_Dispatch_PostsTheDispatchGitHubsDescriptionAccepts()
    {
        var from = _prism.Log.Count;
        var settings = TestData.Settings(_prism.ApiUrl, Token);
        var workflows = new GitHubWorkflows(settings, TestData.NoWait([]));

        await workflows.DispatchAsync(new WorkflowDispatchRequest
        {
            Workflow = "retrain.yml",
            Ref = "main",
            Inputs = new Dictionary<string, string> { ["model"] = "diabetes", ["reason"] = "drift: glucose, bmi" },
        });

        (await ReceivedAsync(from, 1)).Should().Equal("post /repos/acme/models/actions/workflows/retrain.yml/dispatches");
        _prism.RequestViolations(from).Should().BeEmpty();
    }

    [Fact]
    public async Task MlopsTriggerRetrain_InsideGitHub_DispatchesRetrainYmlWithModelAndReason()
    {
        var folder = _project.Copy();
        try
        {
            var from = _prism.Log.Count;
            var env = new Dictionary<string, string>
            {
                ["GITHUB_ACTIONS"] = "true",
                ["GITHUB_TOKEN"] = Token,
                ["GITHUB_REPOSITORY"] = "acme/models",
                ["GITHUB_API_URL"] = _prism.ApiUrl.ToString().TrimEnd('/'),
            };

            var result = await MlopsProcess.RunAsync(folder, env, "trigger", "retrain", "housing", "--reason", "drift: sqft", "--ref", "main", "--json", "--verbose");

            result.ExitCode.Should().Be(0, result.Error);
            result.All.Should().NotContain(Token);
            using var json = System.Text.Json.JsonDocument.Parse(result.Output);
            json.RootElement.GetProperty("mode").GetString().Should().Be("github");
            json.RootElement.GetProperty("workflow").GetString().Should().Be("retrain.yml");
            (await ReceivedAsync(from, 1)).Should().Equal("post /repos/acme/models/actions/workflows/retrain.yml/dispatches");
            _prism.RequestViolations(from).Should().BeEmpty();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Workflows_DispatchWithoutRef_IsRefusedBeforeAnyRequest()
    {
        var from = _prism.Log.Count;
        var workflows = new GitHubWorkflows(TestData.Settings(_prism.ApiUrl, Token), TestData.NoWait([]));

        var act = () => workflows.DispatchAsync(new WorkflowDispatchRequest { Workflow = "retrain.yml", Ref = " " });

        await act.Should().ThrowAsync<GitHubSettingsException>().WithMessage("*ref*");
        _prism.Received(from).Should().BeEmpty();
    }

    /// <summary>Prism's log is read as it is written: wait until the requests made show up in it.</summary>
    private async Task<IReadOnlyList<string>> ReceivedAsync(int from, int count)
    {
        for (var i = 0; i < 100 && _prism.Received(from).Count < count; i++)
        {
            await Task.Delay(50);
        }

        return _prism.Received(from);
    }

    private async Task<IReadOnlyList<string>> WaitForViolationsAsync(int from)
    {
        for (var i = 0; i < 100 && _prism.RequestViolations(from).Count == 0; i++)
        {
            await Task.Delay(50);
        }

        return _prism.RequestViolations(from);
    }

    /// <summary>Edits Prism's example answers (whose paths end with a key) so they look like GitHub after an earlier report.</summary>
    private sealed class RewritingHandler(Dictionary<string, (string From, string To)> edits) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Get && edits.FirstOrDefault(e => path.EndsWith(e.Key, StringComparison.Ordinal)) is { Key: not null } edit)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                body.Should().Contain(edit.Value.From, "the edit must hit Prism's example");
                response.Content = new StringContent(body.Replace(edit.Value.From, edit.Value.To, StringComparison.Ordinal), Encoding.UTF8, "application/json");
            }

            return response;
        }
    }

    /// <summary>GitHub's answer to a token without checks: write, so the status fallback goes to Prism.</summary>
    private sealed class ForbidCheckRunsHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/check-runs", StringComparison.Ordinal)
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.Forbidden)
                {
                    RequestMessage = request,
                    Content = new StringContent("""{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/checks/runs#create-a-check-run"}""", Encoding.UTF8, "application/json"),
                })
                : base.SendAsync(request, cancellationToken);
    }
}
