using System.Text.Json;

namespace Toolkit.GitHub.Tests;

/// <summary>
/// <c>mlops github ...</c> and <c>mlops model promote</c> as a workflow step runs them: the built mlops in its own
/// process, GitHub's variables in its environment, a hidden pull-request event, the fake GitHub behind GITHUB_API_URL.
/// Every test scans everything the command wrote (stdout, stderr, step summary, outputs) for the token.
/// </summary>
public sealed class CliGitHubTests : IClassFixture<ProjectWithRun>, IAsyncLifetime
{
    private const string HeadSha = "feedfacefeedfacefeedfacefeedfacefeedface";
    private readonly ProjectWithRun _project;
    private readonly List<string> _folders = [];
    private FakeGitHub _github = null!;
    private string _folder = "";

    public CliGitHubTests(ProjectWithRun project)
    {
        _project = project;
    }

    public async Task InitializeAsync()
    {
        _github = await FakeGitHub.StartAsync();
        _folder = _project.Copy();
        _folders.Add(_folder);
    }

    public async Task DisposeAsync()
    {
        await _github.DisposeAsync();
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string FileIn(string name) => Path.Combine(_folder, name);

    /// <summary>What a pull_request job of acme/models sees; <paramref name="headRepo"/> another repository makes it a fork's.</summary>
    private Dictionary<string, string> Actions(string headRepo = "acme/models", bool token = true)
    {
        File.WriteAllText(FileIn("event.json"), JsonSerializer.Serialize(new
        {
            action = "synchronize",
            number = 7,
            pull_request = new { number = 7, head = new { sha = HeadSha, repo = new { full_name = headRepo } }, @base = new { repo = new { full_name = "acme/models" } } },
        }).Replace("\"@base\"", "\"base\"", StringComparison.Ordinal));
        var env = new Dictionary<string, string>
        {
            ["GITHUB_ACTIONS"] = "true",
            ["CI"] = "true",
            ["GITHUB_REPOSITORY"] = "acme/models",
            ["GITHUB_API_URL"] = _github.ApiUrl.ToString(),
            ["GITHUB_SERVER_URL"] = "https://github.example",
            ["GITHUB_EVENT_PATH"] = FileIn("event.json"),
            ["GITHUB_SHA"] = "0000000000000000000000000000000000000000",
            ["GITHUB_RUN_ID"] = "99",
            ["GITHUB_STEP_SUMMARY"] = FileIn("summary.md"),
            ["GITHUB_OUTPUT"] = FileIn("output.txt"),
            ["GITHUB_ACTOR"] = "pusher",
        };
        if (token)
        {
            env["GITHUB_TOKEN"] = _github.Token;
        }

        return env;
    }

    private Task<MlopsResult> Mlops(Dictionary<string, string> env, params string[] args) => MlopsProcess.RunAsync(_folder, env, args);

    private void TokenIsNowhere(params MlopsResult[] results)
    {
        var written = string.Concat(results.Select(r => r.All))
            + (File.Exists(FileIn("summary.md")) ? File.ReadAllText(FileIn("summary.md")) : "")
            + (File.Exists(FileIn("output.txt")) ? File.ReadAllText(FileIn("output.txt")) : "")
            + string.Concat(Directory.EnumerateFiles(_folder, "*.md", SearchOption.AllDirectories).Select(File.ReadAllText))
            + string.Concat(_github.Requests.Select(r => r.Body));
        written.Should().NotBeEmpty();
        written.Should().NotContain(_github.Token);
    }

    [Fact]
    public async Task Report_PullRequestJob_CommentCheckRunAndStepSummary()
    {
        var env = Actions();
        _github.Enqueue(502); // one transient failure, retried (and shown with --verbose)

        var first = await Mlops(env, "github", "report", "--model", "housing", "--run", _project.RunId, "--json", "--verbose");
        var second = await Mlops(env, "github", "report", "--model", "housing", "--run", _project.RunId, "--json", "--verbose");

        first.ExitCode.Should().Be(0, first.Error);
        second.ExitCode.Should().Be(0, second.Error);
        first.Error.Should().Contain("retrying");
        using var json1 = JsonDocument.Parse(first.Output);
        using var json2 = JsonDocument.Parse(second.Output);
        json1.RootElement.GetProperty("comment").GetProperty("action").GetString().Should().Be("created");
        json2.RootElement.GetProperty("comment").GetProperty("action").GetString().Should().Be("updated");
        json2.RootElement.GetProperty("check_run").GetProperty("action").GetString().Should().Be("updated");
        json2.RootElement.GetProperty("sha").GetString().Should().Be(HeadSha);
        json2.RootElement.GetProperty("posted").GetBoolean().Should().BeTrue();
        var passed = json2.RootElement.GetProperty("passed").GetBoolean();

        var comment = _github.Comments.Should().ContainSingle().Subject["body"]!.GetValue<string>();
        comment.Should().StartWith("<!-- toolkit:report model=housing -->").And.Contain("```mermaid").And.Contain(_project.RunId);
        comment.Should().Contain("| rmse ↓ |").And.Contain("| mae ↓ |", "every metric the evaluation reported is shown, not only the gated ones");
        var edges = comment.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(" --> ", StringComparison.Ordinal)).Select(l => l.Split(" --> ")).ToList();
        edges.Should().NotBeEmpty();
        edges.Should().OnlyContain(e => !edges.Any(o => o[0] == e[1] && o[1] == e[0]), "the pipeline graph has no cycle");
        var run = _github.CheckRuns.Should().ContainSingle().Subject;
        run["name"]!.GetValue<string>().Should().Be("toolkit / housing");
        run["head_sha"]!.GetValue<string>().Should().Be(HeadSha);
        run["conclusion"]!.GetValue<string>().Should().Be(passed ? "success" : "failure");
        run["details_url"]!.GetValue<string>().Should().Be("https://github.example/acme/models/actions/runs/99");
        _github.Requests.Should().OnlyContain(r => r.Path.StartsWith("/api/v3/repos/acme/models/", StringComparison.Ordinal));

        var summary = File.ReadAllText(FileIn("summary.md"));
        summary.Should().Contain("housing: gates").And.Contain("```mermaid");
        File.ReadAllText(FileIn("output.txt")).Should().Contain("conclusion=").And.Contain("check_run_id=");
        TokenIsNowhere(first, second);
    }

    [Fact]
    public async Task Report_FailedThreshold_AnnotationOnItsModelYamlLine()
    {
        var result = await Mlops(Actions(), "github", "report", "--model", "strict", "--run", _project.RunId, "--json");

        result.ExitCode.Should().Be(0, result.Error);
        var line = Array.FindIndex(File.ReadAllLines(FileIn("models/strict/model.yaml")), l => l.Contains("r2 >= 0.999", StringComparison.Ordinal)) + 1;
        var run = _github.CheckRuns.Should().ContainSingle().Subject;
        run["conclusion"]!.GetValue<string>().Should().Be("failure");
        var annotation = run["output"]!["annotations"]!.AsArray().Should().ContainSingle(a => a!["title"]!.GetValue<string>().Contains("r2 >= 0.999")).Subject!;
        annotation["path"]!.GetValue<string>().Should().Be("models/strict/model.yaml");
        annotation["start_line"]!.GetValue<int>().Should().Be(line);
        TokenIsNowhere(result);
    }

    [Fact]
    public async Task Report_WithoutChecksWrite_CommitStatusAndOneWarning()
    {
        _github.ChecksAllowed = false;

        var result = await Mlops(Actions(), "github", "report", "--model", "strict", "--run", _project.RunId);

        result.ExitCode.Should().Be(0, result.Error);
        _github.Statuses.Should().ContainSingle().Which["state"]!.GetValue<string>().Should().Be("failure");
        result.Error.Split('\n').Where(l => l.StartsWith("::warning", StringComparison.Ordinal)).Should().ContainSingle().Which.Should().Contain("checks: write");
        TokenIsNowhere(result);
    }

    [Fact]
    public async Task Report_Fork_StepSummaryOnlyAndOneWarning()
    {
        var result = await Mlops(Actions(headRepo: "someone/models"), "github", "report", "--model", "housing", "--run", _project.RunId);

        result.ExitCode.Should().Be(0, result.Error);
        _github.Requests.Should().BeEmpty();
        File.ReadAllText(FileIn("summary.md")).Should().Contain("housing: gates");
        result.Error.Split('\n').Where(l => l.Contains("warning", StringComparison.Ordinal)).Should().ContainSingle().Which.Should().Contain("fork");
        TokenIsNowhere(result);
    }

    [Fact]
    public async Task Report_NoToken_WritesTheReportAndSaysWhatItWouldHavePosted()
    {
        var env = Actions(token: false);
        env.Remove("GITHUB_ACTIONS");
        env.Remove("GITHUB_STEP_SUMMARY");

        var result = await Mlops(env, "github", "report", "--model", "housing", "--run", _project.RunId, "--json");

        result.ExitCode.Should().Be(0, result.Error);
        _github.Requests.Should().BeEmpty();
        result.Error.Should().Contain("no GITHUB_TOKEN").And.Contain("acme/models#7").And.Contain("'toolkit / housing'").And.Contain(HeadSha);
        using var json = JsonDocument.Parse(result.Output);
        var file = json.RootElement.GetProperty("report_file").GetString()!;
        file.Should().Be(FileIn(Path.Combine("artifacts", "github", "housing.md")));
        File.ReadAllText(file).Should().StartWith("<!-- toolkit:report model=housing -->");
        json.RootElement.GetProperty("posted").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Report_BadToken_OneLineExitOneTokenNowhere()
    {
        var env = Actions();
        env["GITHUB_TOKEN"] = "ghp_notTheRightOne_5a5a5a5a5a";

        var result = await Mlops(env, "github", "report", "--model", "housing", "--run", _project.RunId, "--verbose");

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("mlops: error: GitHub refused the token (401 Bad credentials)");
        result.All.Should().NotContain("ghp_notTheRightOne_5a5a5a5a5a");
    }

    [Fact]
    public async Task Report_NotAPullRequest_OneLineExitOne()
    {
        var result = await Mlops(Actions(), "github", "report", "--model", "housing", "--run", _project.RunId, "--pr", "99");

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be("mlops: error: #99 is not a pull request of acme/models (give --pr the pull request's number).");
    }

    [Fact]
    public async Task Approvals_RunAndEnvironment_WhatGitHubRecorded()
    {
        _github.Approve(99, "alice", "preprod", "QA signed off");
        _github.Approve(99, "bob", "prod", null, state: "rejected");

        var result = await Mlops(Actions(), "github", "approvals", "--run-id", "99", "--environment", "preprod", "--json");

        result.ExitCode.Should().Be(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var approvals = json.RootElement.GetProperty("approvals");
        approvals.GetArrayLength().Should().Be(1);
        approvals[0].GetProperty("reviewer").GetString().Should().Be("alice");
        approvals[0].GetProperty("state").GetString().Should().Be("approved");
        approvals[0].GetProperty("comment").GetString().Should().Be("QA signed off");
        approvals[0].GetProperty("environments")[0].GetString().Should().Be("preprod");
        TokenIsNowhere(result);
    }

    [Fact]
    public async Task Approvals_FlagsInsteadOfTheEnvironment_SameAnswerTokenNowhere()
    {
        _github.Approve(5, "carol", "prod", "go");

        var result = await Mlops([], "github", "--token", _github.Token, "--repository", "acme/models", "--api-url", _github.ApiUrl.ToString(), "approvals", "--run-id", "5", "--verbose");

        result.ExitCode.Should().Be(0, result.Error);
        result.Output.Trim().Should().Be("carol approved prod: \"go\"");
        _github.Requests.Should().ContainSingle().Which.Path.Should().Be("/api/v3/repos/acme/models/actions/runs/5/approvals");
        result.All.Should().NotContain(_github.Token);
    }

    [Fact]
    public async Task Promote_InActionsWithTheEnvironmentsReview_RecordsTheReviewer()
    {
        await RegisterAndPromoteToDevAsync();
        _github.Approve(99, "alice", "preprod", "QA signed off");

        var promote = await Mlops(Actions(), "model", "promote", "housing", "--version", "1", "--to", "preprod", "--reason", "release 12");
        var history = await Mlops([], "model", "history", "housing", "--json");

        promote.ExitCode.Should().Be(0, promote.Error);
        using var json = JsonDocument.Parse(history.Output);
        var last = json.RootElement.EnumerateObject().First(p => p.Value.ValueKind == JsonValueKind.Array).Value.EnumerateArray().Last();
        last.GetProperty("stage").GetString().Should().Be("preprod");
        last.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()).Should().Equal("alice");
        last.GetProperty("actor").GetString().Should().Be("pusher");
        last.GetProperty("reason").GetString().Should().Contain("release 12").And.Contain("alice approved: \"QA signed off\"").And.Contain("https://github.example/acme/models/actions/runs/99");
        _github.Requests.Should().ContainSingle().Which.Path.Should().Be("/api/v3/repos/acme/models/actions/runs/99/approvals");
        TokenIsNowhere(promote);
    }

    [Fact]
    public async Task Promote_InActionsWithoutAReview_RefusedSayingTheEnvironmentNeedsReviewers()
    {
        await RegisterAndPromoteToDevAsync();
        _github.Approve(99, "alice", "prod", "not this stage");

        var promote = await Mlops(Actions(), "model", "promote", "housing", "--version", "1", "--to", "preprod", "--approved-by", "pusher");

        promote.ExitCode.Should().Be(2);
        promote.Error.Should().Contain("--approved-by pusher is ignored inside GitHub Actions");
        promote.Error.Should().Contain("mlops: error: promoting 'housing' to preprod needs an approved review of the 'preprod' environment")
            .And.Contain("needs required reviewers");
        var show = await Mlops([], "model", "show", "housing", "--json");
        show.Output.Should().NotContain("\"preprod\"");
        TokenIsNowhere(promote);
    }

    [Fact]
    public async Task Promote_OutsideActions_ApprovedByStillCounts()
    {
        await RegisterAndPromoteToDevAsync();

        var promote = await Mlops([], "model", "promote", "housing", "--version", "1", "--to", "preprod", "--approved-by", "alice");

        promote.ExitCode.Should().Be(0, promote.Error);
        _github.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Deployment_InProgressThenSuccess_OneDeploymentTwoStatuses()
    {
        await RegisterAndPromoteToDevAsync();

        var started = await Mlops(Actions(), "github", "deployment", "--model", "housing", "--stage", "dev", "--model-version", "1", "--state", "in_progress", "--json");
        var done = await Mlops(Actions(), "github", "deployment", "--model", "housing", "--stage", "dev", "--model-version", "1", "--state", "success", "--url", "http://127.0.0.1:8081", "--json");

        started.ExitCode.Should().Be(0, started.Error);
        done.ExitCode.Should().Be(0, done.Error);
        using var first = JsonDocument.Parse(started.Output);
        using var second = JsonDocument.Parse(done.Output);
        second.RootElement.GetProperty("deployment_id").GetInt64().Should().Be(first.RootElement.GetProperty("deployment_id").GetInt64());
        second.RootElement.GetProperty("environment_url").GetString().Should().Be("http://127.0.0.1:8081");
        var deployment = _github.Deployments.Should().ContainSingle().Subject;
        deployment["environment"]!.GetValue<string>().Should().Be("dev");
        deployment["ref"]!.GetValue<string>().Should().Be(HeadSha, "in a pull request job the commit is its head");
        deployment["payload"]!["digest"]!.GetValue<string>().Should().Be(first.RootElement.GetProperty("digest").GetString());
        _github.DeploymentStatuses.Select(s => s["state"]!.GetValue<string>()).Should().Equal("in_progress", "success");
        TokenIsNowhere(started, done);
    }

    private async Task RegisterAndPromoteToDevAsync()
    {
        var register = await Mlops([], "model", "register", "--model", "housing", "--run", _project.RunId, "--json");
        register.ExitCode.Should().Be(0, register.Error);
        var dev = await Mlops([], "model", "promote", "housing", "--version", "1", "--to", "dev");
        dev.ExitCode.Should().Be(0, dev.Error);
    }
}
