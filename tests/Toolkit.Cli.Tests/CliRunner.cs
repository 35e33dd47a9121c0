namespace Toolkit.Cli.Tests;

/// <summary>Runs <c>mlops</c> in-process with captured stdout and stderr.</summary>
internal static class CliRunner
{
    public static Task<CliResult> RunAsync(params string[] args) => RunInAsync(Environment.CurrentDirectory, args);

    /// <summary>Runs as if started in <paramref name="workingDirectory"/>, without changing the process's (tests run in parallel).</summary>
    public static async Task<CliResult> RunInAsync(string workingDirectory, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, workingDirectory);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error);
