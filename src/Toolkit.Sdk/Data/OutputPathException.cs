namespace Toolkit.Ml.Data;

/// <summary>
/// An output the user named cannot be written (a missing or read-only folder, a pseudo file system). The
/// message names that output, not the hidden temp file the atomic write was using.
/// </summary>
public sealed class OutputPathException : IOException
{
    public OutputPathException(string output, string temp, Exception innerException)
        : base($"cannot write '{output}': {(innerException ?? throw new ArgumentNullException(nameof(innerException))).Message.Replace(temp, output, StringComparison.Ordinal)}", innerException)
    {
        Output = output;
    }

    public OutputPathException()
    {
    }

    public OutputPathException(string message)
        : base(message)
    {
    }

    public OutputPathException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string? Output { get; }
}
