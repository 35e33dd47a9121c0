namespace Toolkit.Cli;

/// <summary>
/// The work ran and did not succeed (a failed pipeline run, a failed gate): what the command printed
/// stays on stdout, and this one line goes to stderr with the exit code it carries.
/// </summary>
internal sealed class CommandFailedException : Exception
{
    public CommandFailedException(string message, int exitCode = ExitCodes.Failure)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CommandFailedException()
    {
    }

    public CommandFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = ExitCodes.Failure;
}
