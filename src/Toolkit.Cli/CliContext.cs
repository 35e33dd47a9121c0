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

    /// <summary>A file the command reads, named by <paramref name="option"/>: absolute, and refused (exit 2) when empty or a directory.</summary>
    public string InputFile(string? path, string option)
    {
        var full = Given(path, option);
        return Directory.Exists(full) ? throw new UsageException($"{option} '{path}' is a directory; give a file") : full;
    }

    /// <summary>A file the command writes: as <see cref="InputFile"/>, checked before any work so nothing is done for an output that cannot be written.</summary>
    public string OutputFile(string? path, string option)
    {
        var full = Given(path, option);
        return Directory.Exists(full) || path!.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar)
            ? throw new UsageException($"{option} '{path}' is a directory; give the file to write")
            : full;
    }

    private string Given(string? path, string option) =>
        string.IsNullOrWhiteSpace(path) ? throw new UsageException($"{option} needs a path, not an empty string") : PathOf(path);

    public TextWriter Output { get; }

    public TextWriter Error { get; }
}
