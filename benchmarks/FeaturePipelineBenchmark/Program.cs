using System.Diagnostics;
using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;

// Times FeaturePipeline.Fit and Transform on a synthetic table: rows x (numeric + categorical) columns.
// Usage: dotnet run -c Release --project benchmarks/FeaturePipelineBenchmark [rows] [numeric] [categorical]
var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var numeric = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var categorical = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;

var random = new Random(1);
var columns = new List<Column>();
for (var j = 0; j < numeric; j++)
{
    var v = new float[rows];
    for (var i = 0; i < rows; i++)
    {
        v[i] = random.Next(20) == 0 ? float.NaN : (float)(random.NextDouble() * 100);
    }

    columns.Add(new Float32Column("x" + j.ToString(CultureInfo.InvariantCulture), v));
}

var categories = Enumerable.Range(0, 10).Select(k => "c" + k.ToString(CultureInfo.InvariantCulture)).ToArray();
for (var j = 0; j < categorical; j++)
{
    var codes = new int[rows];
    for (var i = 0; i < rows; i++)
    {
        codes[i] = random.Next(30) == 0 ? -1 : random.Next(categories.Length);
    }

    columns.Add(new CategoricalColumn("k" + j.ToString(CultureInfo.InvariantCulture), codes, categories));
}

var table = new DataTable(columns);
foreach (var (name, options) in new[] { ("linear", FeaturePipelineOptions.ForLinearModels), ("trees", FeaturePipelineOptions.ForTrees) })
{
    var fit = Stopwatch.StartNew();
    var pipeline = FeaturePipeline.Fit(table, options);
    fit.Stop();
    var best = double.MaxValue;
    for (var r = 0; r < 5; r++)
    {
        var sw = Stopwatch.StartNew();
        var m = pipeline.Transform(table);
        sw.Stop();
        best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        GC.KeepAlive(m);
    }

    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{name}: {rows} rows x {numeric} numeric + {categorical} categorical -> {pipeline.OutputCount} outputs; fit {fit.Elapsed.TotalMilliseconds:F0} ms, transform best of 5 {best:F0} ms"));
}
