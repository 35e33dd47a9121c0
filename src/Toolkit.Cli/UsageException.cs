namespace Toolkit.Cli;

/// <summary>A user error the command detected itself (exit code 2), with a one-line message.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
