using System.CommandLine;
using Toolkit.GitHub;

namespace Toolkit.Cli.Commands;

/// <summary>
/// The GitHub settings every <c>mlops github</c> command (and the promotion inside Actions) shares: the
/// Actions environment, with flags winning; failures become the CLI's one-line errors without Octokit's
/// exception (so <c>--verbose</c> has nothing of the request to print).
/// </summary>
internal static class GitHubAccess
{
    public static readonly Option<string?> Token = new("--token") { Description = "The token (default: GITHUB_TOKEN). Never printed.", Recursive = true };

    public static readonly Option<string?> Repository = new("--repository") { Description = "owner/name (default: GITHUB_REPOSITORY).", Recursive = true };

    public static readonly Option<string?> ApiUrl = new("--api-url") { Description = "The REST API's root, used exactly as given (default: GITHUB_API_URL, else https://api.github.com).", Recursive = true };

    public static GitHubOverrides Overrides(ParseResult parse) => new()
    {
        Token = parse.GetValue(Token),
        Repository = parse.GetValue(Repository),
        ApiUrl = parse.GetValue(ApiUrl),
    };

    public static GitHubSettings Settings(GitHubOverrides overrides) => Translate(() => GitHubSettings.FromEnvironment(overrides));

    /// <summary>Client options whose retry log goes to stderr with <c>--verbose</c>.</summary>
    public static GitHubClientOptions Options(CliContext context, ParseResult parse) => new()
    {
        Log = parse.GetValue(CliApp.VerboseOption) ? line => context.Error.WriteLine(line) : null,
    };

    /// <summary>A warning: a workflow command inside Actions (shown on the run's page), else a stderr line.</summary>
    public static Task WarnAsync(CliContext context, GitHubSettings settings, string message) =>
        context.Error.WriteLineAsync(settings.InActions ? $"::warning title=mlops::{message}" : $"mlops: warning: {message}");

    public static T Translate<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (GitHubSettingsException ex)
        {
            throw new UsageException(ex.Message);
        }
        catch (GitHubException ex)
        {
            throw new CommandFailedException(ex.Message);
        }
    }

    public static async Task<T> TranslateAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (GitHubSettingsException ex)
        {
            throw new UsageException(ex.Message);
        }
        catch (GitHubException ex)
        {
            throw new CommandFailedException(ex.Message);
        }
    }
}
