using System.Diagnostics;
using System.Text;

namespace Toolkit.Docker.Packaging;

/// <summary>Runs the tools image packaging needs (dotnet publish, git, make-base.sh) in the repository root.</summary>
internal static class ProcessRunner
{
    /// <summary>Runs <paramref name="file"/>; its output and errors go to <paramref name="log"/> line by line; returns the exit code and stdout.</summary>
    public static async Task<(int Code, string Output)> RunAsync(
        string workingDirectory, string file, IReadOnlyList<string> args, TextWriter log, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}.");
        var stdout = new StringBuilder();
        var sync = TextWriter.Synchronized(log);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stdout.AppendLine(e.Data);
                sync.WriteLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                sync.WriteLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.ToString());
    }

    /// <summary>One line of git output, or null when git is missing or says nothing.</summary>
    public static async Task<string?> GitAsync(string workingDirectory, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        try
        {
            var (code, stdout) = await RunAsync(workingDirectory, "git", args, TextWriter.Null, cancellationToken);
            return code == 0 && stdout.Trim().Length > 0 ? stdout.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
