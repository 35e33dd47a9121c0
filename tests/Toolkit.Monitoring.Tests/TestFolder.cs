using System.Globalization;
using System.Text;
using Toolkit.Cli;

namespace Toolkit.Monitoring.Tests;

/// <summary>A temporary folder deleted with everything in it when disposed.</summary>
internal sealed class TestFolder : IDisposable
{
    public TestFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "toolkit-monitoring-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a CSV of numeric columns, values in shortest round-trip form.</summary>
    public string WriteCsv(string name, IReadOnlyList<string> columns, IReadOnlyList<double[]> values)
    {
        var s = new StringBuilder();
        s.AppendJoin(',', columns).Append('\n');
        for (var r = 0; r < values[0].Length; r++)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                if (c > 0)
                {
                    s.Append(',');
                }

                s.Append(values[c][r].ToString("R", CultureInfo.InvariantCulture));
            }

            s.Append('\n');
        }

        var path = File(name);
        System.IO.File.WriteAllText(path, s.ToString());
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>Runs <c>mlops</c> in-process with captured stdout and stderr.</summary>
internal static class Mlops
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, workingDirectory);
        return (code, output.ToString(), error.ToString());
    }
}
