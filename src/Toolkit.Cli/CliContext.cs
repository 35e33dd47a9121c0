namespace Toolkit.Cli;

/// <summary>
/// Where a command writes (stdout for results, stderr for progress and errors) and the folder it
/// works from (the process's working folder, unless told otherwise; the process's is never changed).
/// </summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, string? workingDirectory = null)
    {
        Output = output;
        Error = error;
        WorkingDirectory = Path.GetFullPath(workingDirectory ?? Environment.CurrentDirectory);
    }

    public string WorkingDirectory { get; }

    /// <summary>A path given on the command line, made absolute against <see cref="WorkingDirectory"/>.</summary>
    public string PathOf(string path) => Path.GetFullPath(path, WorkingDirectory);

    public TextWriter Output { get; }

    public TextWriter Error { get; }
}
