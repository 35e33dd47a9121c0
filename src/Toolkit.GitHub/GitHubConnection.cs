using Octokit;
using Octokit.Internal;

namespace Toolkit.GitHub;

/// <summary>How the toolkit's GitHub client is built: retries, a log for <c>--verbose</c>, and (for tests) the transport.</summary>
public sealed record GitHubClientOptions
{
    public GitHubRetryOptions Retry { get; init; } = new();

    /// <summary>Receives one line per retry (never a header, never the token).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The transport under the retries; a new <see cref="SocketsHttpHandler"/> when null.</summary>
    public Func<HttpMessageHandler>? Transport { get; init; }
}

/// <summary>Builds Octokit's client for <see cref="GitHubSettings"/>.</summary>
internal static class GitHubConnection
{
    public static IGitHubClient Create(GitHubSettings settings, GitHubClientOptions? options = null)
    {
        options ??= new GitHubClientOptions();
        var token = settings.Token
            ?? throw new GitHubSettingsException("no GitHub token: set GITHUB_TOKEN or pass --token.");
        var http = new HttpClientAdapter(() => new ApiHeadersHandler
        {
            InnerHandler = new RetryHandler(options.Retry, options.Log)
            {
                InnerHandler = options.Transport?.Invoke() ?? new SocketsHttpHandler(),
            },
        });

        // The base address goes to Connection itself: GitHubClient(..., Uri) would append /api/v3 to any host
        // but github.com, and GITHUB_API_URL already is the API's root (GHES sets it to https://host/api/v3).
        var connection = new Connection(
            new ProductHeaderValue("toolkit-mlops", typeof(GitHubConnection).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"),
            BaseAddress(settings.ApiUrl),
            new InMemoryCredentialStore(new Credentials(token)),
            http,
            new SimpleJsonSerializer());
        return new GitHubClient(connection);
    }

    /// <summary>The URL as given, with the trailing slash relative paths resolve against (else the last segment would be replaced).</summary>
    internal static Uri BaseAddress(Uri apiUrl) =>
        apiUrl.AbsolutePath.EndsWith('/') ? apiUrl : new Uri(apiUrl.GetLeftPart(UriPartial.Path) + "/" + apiUrl.Query);
}
