using System.Diagnostics;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Project;

namespace Toolkit.Cli.Commands;

/// <summary>The project a command works in: its settings (toolkit.yaml) and, on demand, its store.</summary>
internal static class ProjectContext
{
    /// <summary>
    /// The settings of the project the command works in. Steps get its root explicitly, so relative
    /// paths in pipelines (a policy file, a CSV, a script) mean the same from any folder of the project.
    /// </summary>
    public static ProjectSettings Settings(CliContext context) => ProjectSettings.Discover(context.WorkingDirectory);

    public static async Task<Workspace> OpenWorkspaceAsync(ProjectSettings settings, CancellationToken cancellationToken)
    {
        var workspace = await Workspace.OpenAsync(settings.Store, cancellationToken: cancellationToken);

        // Runs whose process died (kill -9, power loss) are shown as failed rather than running forever.
        await workspace.Metadata.MarkAbandonedRunsAsync(cancellationToken: cancellationToken);
        return workspace;
    }

    /// <summary>The commit and branch of the working folder, when it is a git checkout (CI variables win).</summary>
    public static (string? Commit, string? Branch) Git(string root)
    {
        var commit = Environment.GetEnvironmentVariable("GITHUB_SHA") ?? RunGit(root, "rev-parse HEAD");
        var branch = Environment.GetEnvironmentVariable("GITHUB_HEAD_REF") is { Length: > 0 } head
            ? head
            : Environment.GetEnvironmentVariable("GITHUB_REF_NAME") ?? RunGit(root, "rev-parse --abbrev-ref HEAD");
        return (commit, branch);
    }

    private static string? RunGit(string root, string arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed
        }
    }
}
