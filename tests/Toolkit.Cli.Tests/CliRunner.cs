namespace Toolkit.Cli.Tests;

/// <summary>Runs <c>mlops</c> in-process with captured stdout and stderr.</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error);
