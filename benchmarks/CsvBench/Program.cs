using System.Diagnostics;
using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Data.Synthetic;

// Times CsvReader.Read against pandas.read_csv on the same files (best of 3 each):
// 1M rows x 20 numeric columns (the headline figure) and 1M rows of the mixed-type synthetic diabetes data.
// Usage: dotnet run --project benchmarks/CsvBench -c Release [-- <data folder>]
const int Rows = 1_000_000;
const int Columns = 20;
const int Runs = 3;

var dataDir = args.Length > 0 ? args[0] : Path.Combine(FindRepoRoot(), "benchmarks", "data");
Directory.CreateDirectory(dataDir);
var numeric = Path.Combine(dataDir, "numeric-1m-x20.csv");
if (!File.Exists(numeric))
{
    Console.WriteLine($"writing {numeric} ...");
    var rng = new Random(42);
    var columns = new Column[Columns];
    for (var c = 0; c < Columns; c++)
    {
        var values = new float[Rows];
        for (var r = 0; r < Rows; r++)
        {
            values[r] = (float)((rng.NextDouble() * 200) - 100);
        }

        columns[c] = new Float32Column($"x{c}", values);
    }

    CsvWriter.Write(new DataTable(columns), numeric);
}

var mixed = Path.Combine(dataDir, "diabetes-1m.csv");
if (!File.Exists(mixed))
{
    Console.WriteLine($"writing {mixed} ...");
    CsvWriter.Write(SyntheticData.Generate("diabetes", Rows, 42), mixed);
}

Console.WriteLine("| file | MB | rows x cols | Toolkit CsvReader (s) | pandas read_csv (s) | pandas / Toolkit |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var path in new[] { numeric, mixed })
{
    var megabytes = new FileInfo(path).Length / 1e6;
    var best = double.MaxValue;
    var shape = string.Empty;
    for (var run = 0; run < Runs; run++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var sw = Stopwatch.StartNew();
        var table = CsvReader.Read(path);
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
        shape = string.Create(CultureInfo.InvariantCulture, $"{table.RowCount:N0} x {table.ColumnCount}");
    }

    var pandas = RunPandas(path);
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {Path.GetFileName(path)} | {megabytes:F1} | {shape} | {best:F3} | {pandas:F3} | {pandas / best:F2}x |"));
}

static double? RunPandas(string path)
{
    const string Script =
        "import sys, time, pandas as pd\n" +
        "best = min((lambda t: (pd.read_csv(sys.argv[1]), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(3))\n" +
        "print(repr(best))\n";
    var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
    info.ArgumentList.Add("-c");
    info.ArgumentList.Add(Script);
    info.ArgumentList.Add(path);
    try
    {
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"pandas failed: {error.Result}");
            return null;
        }

        return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }
    catch (System.ComponentModel.Win32Exception e)
    {
        Console.Error.WriteLine($"cannot run /usr/bin/python3: {e.Message}");
        return null;
    }
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "benchmarks")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
