using System.Globalization;
using Octokit;

namespace Toolkit.GitHub;

/// <summary>The one table that turns GitHub's answers into one-line <see cref="GitHubException"/>s.</summary>
internal static class GitHubErrors
{
    /// <summary>Runs <paramref name="call"/>, translating every failure; the token never reaches a message.</summary>
    public static async Task<T> CallAsync<T>(GitHubSettings settings, GitHubOperation operation, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            throw Translate(settings, operation, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new GitHubException(Redact($"cannot reach GitHub at {settings.ApiUrl} to {operation.What}: {ex.Message}", settings.Token));
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new GitHubException($"GitHub at {settings.ApiUrl} did not answer in time to {operation.What}.");
        }
    }

    public static GitHubException Translate(GitHubSettings settings, GitHubOperation operation, ApiException ex)
    {
        var repository = settings.Repository ?? "the repository";
        var said = string.IsNullOrWhiteSpace(ex.ApiError?.Message) ? "" : $" ({ex.ApiError.Message.Trim().TrimEnd('.')})";
        var message = ex switch
        {
            AuthorizationException =>
                $"GitHub refused the token (401 Bad credentials) to {operation.What}: GITHUB_TOKEN is wrong, expired or revoked.",
            SecondaryRateLimitExceededException =>
                $"GitHub's secondary rate limit stopped the toolkit when it tried to {operation.What}, and waiting did not get past it; try again in a few minutes.",
            RateLimitExceededException limit =>
                string.Create(CultureInfo.InvariantCulture, $"GitHub's rate limit ({limit.Limit} requests an hour) is used up, so the toolkit cannot {operation.What}; it resets at {limit.Reset.UtcDateTime:HH:mm:ss}Z."),
            ForbiddenException =>
                $"GitHub refused to {operation.What} (403{said}): the token lacks the '{operation.Permission}' permission; give the job 'permissions: {operation.Permission}'{Accepted(ex)}.",
            NotFoundException =>
                operation.NotFound ?? $"repository '{repository}' not found, or the token cannot see it (404 to {operation.What}).",
            ApiValidationException =>
                $"GitHub rejected the request to {operation.What} (422{said}{Errors(ex)}).",
            _ => string.Create(CultureInfo.InvariantCulture, $"GitHub answered {(int)ex.StatusCode} to {operation.What}{said}."),
        };
        return new GitHubException(Redact(message.ReplaceLineEndings(" "), settings.Token), ex.StatusCode);
    }

    /// <summary><paramref name="text"/> with every occurrence of the token replaced by <c>***</c>.</summary>
    public static string Redact(string text, string? token) =>
        string.IsNullOrEmpty(token) ? text : text.Replace(token, "***", StringComparison.Ordinal);

    // Fine-grained tokens and GitHub Apps: GitHub names what it wanted.
    private static string Accepted(ApiException ex) =>
        ex.HttpResponse?.Headers is { } headers
        && headers.FirstOrDefault(h => string.Equals(h.Key, "X-Accepted-GitHub-Permissions", StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } wanted
            ? $" (GitHub asks for {wanted})"
            : "";

    private static string Errors(ApiException ex) =>
        ex.ApiError?.Errors is { Count: > 0 } errors
            ? ": " + string.Join("; ", errors.Select(e => e.Message ?? $"{e.Field} {e.Code}"))
            : "";
}
