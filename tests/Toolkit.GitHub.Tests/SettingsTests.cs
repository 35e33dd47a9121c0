namespace Toolkit.GitHub.Tests;

public sealed class SettingsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "toolkit-tests", Guid.NewGuid().ToString("N"));

    public SettingsTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Event(string json)
    {
        var path = Path.Combine(_folder, "event.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static GitHubSettings From(Dictionary<string, string> env, GitHubOverrides? overrides = null) =>
        GitHubSettings.From(name => env.GetValueOrDefault(name), overrides);

    [Fact]
    public void From_PullRequestEvent_NumberHeadShaAndFork()
    {
        var path = Event("""{"pull_request":{"number":12,"head":{"sha":"feedface","repo":{"full_name":"someone/models"}},"base":{"repo":{"full_name":"acme/models"}}}}""");

        var settings = From(new() { ["GITHUB_EVENT_PATH"] = path, ["GITHUB_SHA"] = "mergecommit", ["GITHUB_REPOSITORY"] = "acme/models" });

        settings.PullRequest.Should().Be(12);
        settings.Sha.Should().Be("feedface", "a pull request's checks belong on its head, not on the merge commit");
        settings.FromFork.Should().BeTrue();
    }

    [Fact]
    public void From_PushEvent_NoPullRequestAndGitHubSha()
    {
        var path = Event("""{"ref":"refs/heads/main","after":"abc"}""");

        var settings = From(new() { ["GITHUB_EVENT_PATH"] = path, ["GITHUB_SHA"] = "abc123" });

        settings.PullRequest.Should().BeNull();
        settings.Sha.Should().Be("abc123");
        settings.FromFork.Should().BeFalse();
    }

    [Fact]
    public void From_Flags_WinOverTheEnvironment()
    {
        var settings = From(
            new() { ["GITHUB_TOKEN"] = "env-token", ["GITHUB_REPOSITORY"] = "acme/models", ["GITHUB_API_URL"] = "https://ghe.example/api/v3", ["GITHUB_RUN_ID"] = "5" },
            new GitHubOverrides { Repository = "other/repo", ApiUrl = "http://127.0.0.1:9/x", RunId = 8, PullRequest = 3 });

        settings.Repository.Should().Be("other/repo");
        settings.ApiUrl.Should().Be(new Uri("http://127.0.0.1:9/x"));
        settings.RunId.Should().Be(8);
        settings.PullRequest.Should().Be(3);
        settings.HasToken.Should().BeTrue();
    }

    [Fact]
    public void From_EnterpriseApiUrl_BaseAddressIsItExactly()
    {
        var settings = From(new() { ["GITHUB_API_URL"] = "https://ghe.example/api/v3" });

        GitHubConnection.BaseAddress(settings.ApiUrl).Should().Be(new Uri("https://ghe.example/api/v3/"));
        GitHubConnection.BaseAddress(new Uri("https://api.github.com")).Should().Be(new Uri("https://api.github.com/"));
    }

    [Fact]
    public void ToString_WithAToken_NeverShowsIt()
    {
        var settings = From(new() { ["GITHUB_TOKEN"] = "ghp_secretValue123", ["GITHUB_REPOSITORY"] = "acme/models" });

        settings.ToString().Should().NotContain("ghp_secretValue123").And.Contain("token set");
    }

    [Theory]
    [InlineData("GITHUB_REPOSITORY", "not-a-repo", "owner/name")]
    [InlineData("GITHUB_API_URL", "ftp://x", "GITHUB_API_URL")]
    [InlineData("GITHUB_RUN_ID", "abc", "GITHUB_RUN_ID")]
    public void From_BadValue_NamesTheVariable(string name, string value, string expected)
    {
        var act = () => From(new() { [name] = value });

        act.Should().Throw<GitHubSettingsException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void From_EventFileNotJson_NamesTheFile()
    {
        var path = Event("{ not json");

        var act = () => From(new() { ["GITHUB_EVENT_PATH"] = path });

        act.Should().Throw<GitHubSettingsException>().WithMessage($"*{path}*not JSON*");
    }

    [Fact]
    public void RunUrl_ServerRepositoryAndRun_IsTheRunsPage()
    {
        var settings = From(new() { ["GITHUB_SERVER_URL"] = "https://ghe.example", ["GITHUB_REPOSITORY"] = "acme/models", ["GITHUB_RUN_ID"] = "77" });

        settings.RunUrl.Should().Be("https://ghe.example/acme/models/actions/runs/77");
    }
}
