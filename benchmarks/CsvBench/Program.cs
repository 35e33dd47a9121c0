using System.Diagnostics;
using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;

// Times CsvReader.Read against pandas.read_csv on the same 1M x 20 numeric file (best of 3 each).
const int Rows = 1_000_000;
const int Columns = 20;
const int Runs = 3;

var root = FindRepoRoot();
var path = args.Length > 0 ? args[0] : Path.Combine(root, "benchmarks", "data", "numeric-1m-x20.csv");
if (!File.Exists(path))
{
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    Console.WriteLine($"writing {path} ...");
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

    CsvWriter.Write(new DataTable(columns), path);
}

var megabytes = new FileInfo(path).Length / 1e6;
var best = double.MaxValue;
DataTable? table = null;
for (var run = 0; run < Runs; run++)
{
    table = null;
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var sw = Stopwatch.StartNew();
    table = CsvReader.Read(path);
    best = Math.Min(best, sw.Elapsed.TotalSeconds);
}

if (table!.RowCount != Rows || table.ColumnCount != Columns)
{
    throw new InvalidOperationException($"read {table.RowCount} x {table.ColumnCount}");
}

var pandas = RunPandas(path);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"file: {path} ({megabytes:F1} MB, {Rows:N0} rows x {Columns} numeric columns)"));
Console.WriteLine("| reader | best of 3 (s) | MB/s |");
Console.WriteLine("|---|---:|---:|");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Toolkit CsvReader.Read | {best:F3} | {megabytes / best:F0} |"));
if (pandas is { } p)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| pandas.read_csv | {p:F3} | {megabytes / p:F0} |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio pandas / Toolkit: {p / best:F2}x"));
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
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"pandas failed: {error}");
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
