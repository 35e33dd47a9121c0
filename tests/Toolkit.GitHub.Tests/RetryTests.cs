using System.Globalization;
using System.Net;

namespace Toolkit.GitHub.Tests;

/// <summary>Retries with backoff on 5xx and rate limits, against the fake answering each case once.</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private FakeGitHub _github = null!;

    public async Task InitializeAsync() => _github = await FakeGitHub.StartAsync();

    public async Task DisposeAsync() => await _github.DisposeAsync();

    private async Task<(IReadOnlyList<EnvironmentReview> Reviews, List<TimeSpan> Waits, List<string> Log)> ApprovalsAsync()
    {
        var waits = new List<TimeSpan>();
        var log = new List<string>();
        var settings = TestData.Settings(_github.ApiUrl, _github.Token);
        var reviews = await new GitHubApprovals(settings, TestData.NoWait(waits, log: log)).ListAsync(99);
        return (reviews, waits, log);
    }

    [Fact]
    public async Task Send_ServerErrors_RetriedWithDoublingBackoff()
    {
        _github.Approve(99, "alice", "preprod", null);
        _github.Enqueue(502);
        _github.Enqueue(503);

        var (reviews, waits, log) = await ApprovalsAsync();

        reviews.Should().ContainSingle();
        waits.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        log.Should().HaveCount(2).And.OnlyContain(l => l.Contains("/actions/runs/99/approvals", StringComparison.Ordinal) && !l.Contains(_github.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_TooManyRequestsWithRetryAfter_WaitsThatLong()
    {
        _github.Enqueue(429, """{"message":"slow down"}""", ("Retry-After", "7"));

        var (_, waits, _) = await ApprovalsAsync();

        waits.Should().Equal(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Send_PrimaryRateLimit_WaitsUntilTheReset()
    {
        var reset = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeSeconds();
        _github.Enqueue(403, """{"message":"API rate limit exceeded for installation ID 1."}""",
            ("x-ratelimit-remaining", "0"), ("x-ratelimit-limit", "5000"), ("x-ratelimit-reset", reset.ToString(CultureInfo.InvariantCulture)));

        var (_, waits, _) = await ApprovalsAsync();

        waits.Should().ContainSingle().Which.Should().BeCloseTo(TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Send_SecondaryRateLimitWithoutRetryAfter_WaitsAMinute()
    {
        _github.Enqueue(403, """{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}""");

        var (_, waits, _) = await ApprovalsAsync();

        waits.Should().Equal(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Send_SecondaryRateLimitWithRetryAfter_WaitsThatLong()
    {
        _github.Enqueue(403, """{"message":"You have exceeded a secondary rate limit."}""", ("Retry-After", "12"));

        var (_, waits, _) = await ApprovalsAsync();

        waits.Should().Equal(TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task Send_RateLimitResettingTooLate_ReportedNotWaited()
    {
        var reset = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        _github.Enqueue(403, """{"message":"API rate limit exceeded for installation ID 1."}""",
            ("x-ratelimit-remaining", "0"), ("x-ratelimit-limit", "5000"), ("x-ratelimit-reset", reset.ToString(CultureInfo.InvariantCulture)));

        var act = ApprovalsAsync;

        var error = (await act.Should().ThrowAsync<GitHubException>()).Which;
        error.Message.Should().Contain("rate limit").And.Contain("resets at");
    }

    [Fact]
    public async Task Send_MissingPermission_NotRetried()
    {
        _github.Enqueue(403, """{"message":"Resource not accessible by integration"}""");

        var act = ApprovalsAsync;

        var error = (await act.Should().ThrowAsync<GitHubException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.Message.Should().Contain("'actions: read'");
        _github.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Send_ServerErrorEveryTime_GivesUpAfterTheLastAttempt()
    {
        for (var i = 0; i < 5; i++)
        {
            _github.Enqueue(500);
        }

        var act = ApprovalsAsync;

        (await act.Should().ThrowAsync<GitHubException>()).Which.Message.Should().Contain("500");
        _github.Requests.Should().HaveCount(5);
    }
}
