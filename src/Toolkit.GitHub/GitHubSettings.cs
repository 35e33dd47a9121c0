using System.Globalization;
using System.Text.Json;

namespace Toolkit.GitHub;

/// <summary>A GitHub setting that is missing or malformed (an event file, a repository name); the message names it.</summary>
public sealed class GitHubSettingsException : Exception
{
    public GitHubSettingsException(string message)
        : base(message)
    {
    }

    public GitHubSettingsException()
    {
    }

    public GitHubSettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>What a flag may set instead of the Actions environment (null: take the environment's).</summary>
public sealed record GitHubOverrides
{
    public string? Token { get; init; }

    public string? Repository { get; init; }

    public string? ApiUrl { get; init; }

    public string? ServerUrl { get; init; }

    public string? EventPath { get; init; }

    public string? Sha { get; init; }

    public long? RunId { get; init; }

    public int? PullRequest { get; init; }

    public string? StepSummary { get; init; }

    public string? Output { get; init; }
}

/// <summary>
/// Where and as whom the toolkit talks to GitHub, read once from the Actions environment
/// (<c>GITHUB_TOKEN</c>, <c>GITHUB_REPOSITORY</c>, <c>GITHUB_API_URL</c>, <c>GITHUB_EVENT_PATH</c>, ...)
/// with flags winning. <see cref="ApiUrl"/> is used exactly as given. <see cref="ToString"/> never shows the token.
/// </summary>
public sealed class GitHubSettings
{
    public const string DefaultApiUrl = "https://api.github.com";
    public const string DefaultServerUrl = "https://github.com";

    private GitHubSettings(string? token)
    {
        Token = token;
    }

    /// <summary>The token; null on a developer machine without one (then nothing is posted).</summary>
    internal string? Token { get; }

    public bool HasToken => Token is not null;

    /// <summary><c>owner/name</c>, or null when unknown.</summary>
    public string? Repository { get; private init; }

    public Uri ApiUrl { get; private init; } = new(DefaultApiUrl);

    public Uri ServerUrl { get; private init; } = new(DefaultServerUrl);

    /// <summary>True inside a GitHub Actions job (<c>GITHUB_ACTIONS=true</c>).</summary>
    public bool InActions { get; private init; }

    /// <summary>The pull request: from the flag, else from the event.</summary>
    public int? PullRequest { get; private init; }

    /// <summary>The commit to report on: the flag, else the pull request's head, else <c>GITHUB_SHA</c>.</summary>
    public string? Sha { get; private init; }

    public long? RunId { get; private init; }

    /// <summary>Which attempt of the run this is (<c>GITHUB_RUN_ATTEMPT</c>), for links.</summary>
    public int? RunAttempt { get; private init; }

    /// <summary>True when the event's pull request comes from a fork (its token is read-only).</summary>
    public bool FromFork { get; private init; }

    public string? StepSummaryPath { get; private init; }

    public string? OutputPath { get; private init; }

    public string Owner => Split().Owner;

    public string Name => Split().Name;

    /// <summary>The run's page (<c>{server}/{owner}/{repo}/actions/runs/{id}</c>), when the run is known.</summary>
    public string? RunUrl => Repository is null || RunId is null
        ? null
        : string.Create(CultureInfo.InvariantCulture, $"{ServerUrl.ToString().TrimEnd('/')}/{Repository}/actions/runs/{RunId}");

    public static GitHubSettings FromEnvironment(GitHubOverrides? overrides = null) =>
        From(Environment.GetEnvironmentVariable, overrides);

    /// <summary>Reads the settings from <paramref name="environment"/> (a variable name to its value), flags first.</summary>
    public static GitHubSettings From(Func<string, string?> environment, GitHubOverrides? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        overrides ??= new GitHubOverrides();
        string? Env(string name) => environment(name) is { Length: > 0 } v ? v.Trim() : null;

        var repository = overrides.Repository ?? Env("GITHUB_REPOSITORY");
        if (repository is not null && !IsRepository(repository))
        {
            throw new GitHubSettingsException($"'{repository}' is not a repository; write owner/name (GITHUB_REPOSITORY or --repository).");
        }

        var eventPath = overrides.EventPath ?? Env("GITHUB_EVENT_PATH");
        var pullEvent = eventPath is null ? null : PullRequestEvent.Read(eventPath);
        var runId = overrides.RunId ?? Long(Env("GITHUB_RUN_ID"), "GITHUB_RUN_ID");
        return new GitHubSettings(overrides.Token ?? Env("GITHUB_TOKEN"))
        {
            Repository = repository,
            ApiUrl = Url(overrides.ApiUrl ?? Env("GITHUB_API_URL") ?? DefaultApiUrl, "GITHUB_API_URL"),
            ServerUrl = Url(overrides.ServerUrl ?? Env("GITHUB_SERVER_URL") ?? DefaultServerUrl, "GITHUB_SERVER_URL"),
            InActions = string.Equals(Env("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase),
            PullRequest = overrides.PullRequest ?? pullEvent?.Number,
            Sha = overrides.Sha ?? pullEvent?.HeadSha ?? Env("GITHUB_SHA"),
            RunId = runId,
            RunAttempt = (int?)Long(Env("GITHUB_RUN_ATTEMPT"), "GITHUB_RUN_ATTEMPT"),
            FromFork = pullEvent?.FromFork ?? false,
            StepSummaryPath = overrides.StepSummary ?? Env("GITHUB_STEP_SUMMARY"),
            OutputPath = overrides.Output ?? Env("GITHUB_OUTPUT"),
        };
    }

    /// <summary>The repository, or a clear error saying how to give it.</summary>
    public string RequireRepository() =>
        Repository ?? throw new GitHubSettingsException("no repository: set GITHUB_REPOSITORY or pass --repository owner/name.");

    /// <summary>Everything but the token (which shows only whether it is set).</summary>
    public override string ToString() =>
        $"GitHub {{ api {ApiUrl}, repository {Repository ?? "-"}, pull request {PullRequest?.ToString(CultureInfo.InvariantCulture) ?? "-"}, sha {Sha ?? "-"}, run {RunId?.ToString(CultureInfo.InvariantCulture) ?? "-"}, token {(HasToken ? "set" : "none")} }}";

    private (string Owner, string Name) Split()
    {
        var repository = RequireRepository();
        var slash = repository.IndexOf('/', StringComparison.Ordinal);
        return (repository[..slash], repository[(slash + 1)..]);
    }

    private static bool IsRepository(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && parts.All(p => p.Length > 0 && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));
    }

    private static Uri Url(string text, string name) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new GitHubSettingsException($"{name} '{text}' is not an http(s) URL.");

    private static long? Long(string? text, string name) =>
        text is null ? null
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw new GitHubSettingsException($"{name} '{text}' is not a number.");

    /// <summary>What the toolkit needs from a <c>pull_request</c> (or <c>pull_request_target</c>) event payload.</summary>
    private sealed record PullRequestEvent(int Number, string? HeadSha, bool FromFork)
    {
        public static PullRequestEvent? Read(string path)
        {
            if (!File.Exists(path))
            {
                throw new GitHubSettingsException($"the event file '{path}' (GITHUB_EVENT_PATH) does not exist.");
            }

            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                if (document.RootElement.ValueKind != JsonValueKind.Object
                    || !document.RootElement.TryGetProperty("pull_request", out var pr)
                    || pr.ValueKind != JsonValueKind.Object)
                {
                    return null; // a push or a dispatch: no pull request
                }

                var number = pr.TryGetProperty("number", out var n) && n.TryGetInt32(out var value)
                    ? value
                    : throw new GitHubSettingsException($"'{path}': pull_request.number is missing or not a number.");
                string? Text(JsonElement e, params string[] names)
                {
                    foreach (var name in names)
                    {
                        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out e))
                        {
                            return null;
                        }
                    }

                    return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                }

                var head = Text(pr, "head", "repo", "full_name");
                var baseRepo = Text(pr, "base", "repo", "full_name");
                var fork = head is not null && baseRepo is not null && !string.Equals(head, baseRepo, StringComparison.OrdinalIgnoreCase);
                return new PullRequestEvent(number, Text(pr, "head", "sha"), fork);
            }
            catch (JsonException ex)
            {
                throw new GitHubSettingsException($"the event file '{path}' is not JSON: {ex.Message}", ex);
            }
        }
    }
}
