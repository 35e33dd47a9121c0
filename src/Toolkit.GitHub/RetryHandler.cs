using System.Globalization;

namespace Toolkit.GitHub;

/// <summary>How GitHub calls are retried; tests replace <see cref="Delay"/> to record the waits instead of waiting.</summary>
public sealed record GitHubRetryOptions
{
    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first backoff after a 5xx or a connection failure; it doubles each attempt.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A rate limit that resets later than this is reported instead of waited for.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(2);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Func<TimeSpan, CancellationToken, Task>? Delay { get; init; }
}

/// <summary>
/// Retries what GitHub says to retry: 5xx answers and connection failures with exponential backoff, rate
/// limits (429, or 403 with <c>x-ratelimit-remaining: 0</c>) until <c>x-ratelimit-reset</c>, and secondary
/// limits after <c>Retry-After</c> (a minute when GitHub gives no time, as its docs ask). Logs never show headers.
/// </summary>
internal sealed class RetryHandler : DelegatingHandler
{
    private readonly GitHubRetryOptions _options;
    private readonly Action<string>? _log;

    public RetryHandler(GitHubRetryOptions options, Action<string>? log)
    {
        _options = options;
        _log = log;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (attempt < _options.MaxAttempts)
            {
                var wait = Backoff(attempt);
                Log(request, $"failed ({ex.HttpRequestError})", wait, attempt);
                await WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var delay = await RetryDelayAsync(response, attempt, cancellationToken).ConfigureAwait(false);
            if (delay is not { } wait2 || attempt >= _options.MaxAttempts || wait2 > _options.MaxDelay)
            {
                return response;
            }

            Log(request, string.Create(CultureInfo.InvariantCulture, $"answered {(int)response.StatusCode}"), wait2, attempt);
            response.Dispose();
            await WaitAsync(wait2, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long to wait before retrying <paramref name="response"/>; null when it is not to be retried.</summary>
    internal async Task<TimeSpan?> RetryDelayAsync(HttpResponseMessage response, int attempt, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfter(response);
        if (status is 500 or 502 or 503 or 504)
        {
            return retryAfter ?? Backoff(attempt);
        }

        if (status is not (403 or 429))
        {
            return null;
        }

        if (retryAfter is { } after)
        {
            return after;
        }

        if (Header(response, "x-ratelimit-remaining") == "0"
            && long.TryParse(Header(response, "x-ratelimit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var reset))
        {
            var until = DateTimeOffset.FromUnixTimeSeconds(reset) - _options.Time.GetUtcNow();

            // A second of slack: the reset is rounded down to whole seconds.
            return until < TimeSpan.Zero ? TimeSpan.FromSeconds(1) : until + TimeSpan.FromSeconds(1);
        }

        if (status == 429)
        {
            return TimeSpan.FromMinutes(1);
        }

        // A 403 is a secondary limit only when GitHub says so; otherwise it is a missing permission.
        if (response.Content is { } content)
        {
            await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            var body = await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (body.Contains("secondary rate limit", StringComparison.OrdinalIgnoreCase))
            {
                return TimeSpan.FromMinutes(1);
            }
        }

        return null;
    }

    private TimeSpan Backoff(int attempt) => _options.BaseDelay * Math.Pow(2, attempt - 1);

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } after)
        {
            return null;
        }

        var wait = after.Delta ?? (after.Date is { } date ? date - _options.Time.GetUtcNow() : null);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken) =>
        _options.Delay is { } delay ? delay(wait, cancellationToken) : Task.Delay(wait, _options.Time, cancellationToken);

    private void Log(HttpRequestMessage request, string what, TimeSpan wait, int attempt) =>
        _log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"github: {request.Method} {request.RequestUri?.AbsolutePath} {what}; retrying in {wait.TotalSeconds:0.#}s (attempt {attempt + 1} of {_options.MaxAttempts})"));
}

/// <summary>
/// The headers GitHub documents for its REST API: <c>Accept: application/vnd.github+json</c> (with plain JSON as a
/// second choice, which strict servers such as Prism need), the API version the toolkit is written against,
/// and <c>Content-Type: application/json</c> on the JSON bodies Octokit labels as form data.
/// </summary>
internal sealed class ApiHeadersHandler : DelegatingHandler
{
    public const string ApiVersion = "2022-11-28";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Accept.Clear();
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.github+json, application/json");
        request.Headers.Remove("X-GitHub-Api-Version");
        request.Headers.TryAddWithoutValidation("X-GitHub-Api-Version", ApiVersion);
        if (request.Content?.Headers.ContentType is { MediaType: "application/x-www-form-urlencoded" } type)
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = type.CharSet ?? "utf-8" };
        }

        return base.SendAsync(request, cancellationToken);
    }
}
