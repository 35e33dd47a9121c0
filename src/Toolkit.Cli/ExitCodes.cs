namespace Toolkit.Cli;

/// <summary>The process exit codes of <c>mlops</c>: a public interface that scripts and CI rely on.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command failed (an error in the work itself, an I/O failure, cancellation).</summary>
    public const int Failure = 1;

    /// <summary>Bad usage or bad input: unknown options, invalid parameters, malformed data files.</summary>
    public const int BadInput = 2;

    /// <summary>A quality gate failed (the work ran; its result did not meet the policy).</summary>
    public const int GateFailed = 3;
}
