using System.Net;

namespace Toolkit.GitHub;

/// <summary>
/// A GitHub call that failed, as one line that says what to do (a bad token, the permission a job lacks,
/// a repository or pull request that does not exist). Never carries the token, nor Octokit's exception
/// (whose request details a <c>--verbose</c> trace would print).
/// </summary>
public sealed class GitHubException : Exception
{
    public GitHubException(string message, HttpStatusCode? statusCode = null)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public GitHubException()
    {
    }

    public GitHubException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>GitHub's answer, when it answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>A 403: the token may not do this (a fork's read-only token, a job without the permission).</summary>
    public bool IsForbidden => StatusCode == HttpStatusCode.Forbidden;
}

/// <summary>What a call does, the permission it needs (as a workflow's <c>permissions:</c> names it) and what a 404 means.</summary>
internal sealed record GitHubOperation(string What, string Permission, string? NotFound = null);
