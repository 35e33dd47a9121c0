namespace Toolkit.Cli;

/// <summary>Where a command writes: stdout for results (JSON, tables), stderr for progress and errors.</summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error)
    {
        Output = output;
        Error = error;
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }
}
