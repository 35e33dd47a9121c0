using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Training;
using Toolkit.Ml.Trees;
using TreeBench;

// TreeBench: our random forest / gradient boosting against scikit-learn and XGBoost on the same data.
//   dotnet run -c Release --project benchmarks/TreeBench [-- --no-peers | --memory]
// Data: peers.py writes CSV (read by the peers with pandas) and a binary dump of the same float32
// values (read here by BinaryData.Load, so no CSV parser is needed on our side).
var root = FindRoot();
var dataDir = Path.Combine(root, "benchmarks", "data");
var script = Path.Combine(root, "benchmarks", "TreeBench", "peers.py");
var threads = Environment.ProcessorCount;
if (!File.Exists(Path.Combine(dataDir, "big_train.bin")))
{
    Run("/usr/bin/python3", $"\"{script}\" gen \"{dataDir}\"");
}

if (args.Contains("--memory"))
{
    Memory(dataDir, args.Contains("--rf"));
    return;
}

if (args.Contains("--quick"))
{
    // Fit timings only, three times each, for tuning.
    var (qx, qy) = BinaryData.Load(Path.Combine(dataDir, "clf_train.bin"));
    var (qt, qty) = BinaryData.Load(Path.Combine(dataDir, "clf_test.bin"));
    var qc = new TrainContext { Seed = 0, MaxThreads = args.Contains("--one") ? 1 : threads };
    foreach (var (algorithm, given) in new (IAlgorithm, Dictionary<string, string>)[]
    {
        (new GradientBoostingAlgorithm(), new() { ["rounds"] = "100" }),
        (new RandomForestAlgorithm(), new() { ["trees"] = "100", ["max_depth"] = "12" }),
    })
    {
        if ((args.Contains("--gbm") || args.Contains("--predict")) && algorithm is RandomForestAlgorithm)
        {
            continue;
        }

        if (args.Contains("--predict"))
        {
            var (px, _) = BinaryData.Load(Path.Combine(dataDir, "pred_1m.bin"));
            var predictor = algorithm.Fit(new TrainingData(qx, qy, ModelTask.BinaryClassification), HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given), qc).Model;
            var po = new double[px.RowCount];
            for (var rep = 0; rep < 4; rep++)
            {
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var sw0 = Stopwatch.StartNew();
                predictor.Predict(px, po);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"predict 1M: {sw0.Elapsed.TotalSeconds:0.000} s (cpu {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:0.000} s) checksum {po.Sum():R}"));
            }

            continue;
        }

        for (var rep = 0; rep < 3; rep++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var model = algorithm.Fit(new TrainingData(qx, qy, ModelTask.BinaryClassification), HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given), qc).Model;
            var fitTime = sw.Elapsed.TotalSeconds;
            var cpuTime = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var p = new double[qt.RowCount];
            model.Predict(qt, p);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{algorithm.Name}: fit {fitTime:0.000} s (cpu {cpuTime:0.000} s), test AUC {Auc(p, qty):0.0000}"));
        }
    }

    return;
}

// Our side runs before and after the peers and keeps the better figure of each (like the peers'
// best of three): the machine is shared, and load changes during a run.
var (xtr, ytr) = BinaryData.Load(Path.Combine(dataDir, "clf_train.bin"));
var (xte, yte) = BinaryData.Load(Path.Combine(dataDir, "clf_test.bin"));
var (rtr, rytr) = BinaryData.Load(Path.Combine(dataDir, "reg_train.bin"));
var (rte, ryte) = BinaryData.Load(Path.Combine(dataDir, "reg_test.bin"));
var (big, _) = BinaryData.Load(Path.Combine(dataDir, "pred_1m.bin"));
var context = new TrainContext { Seed = 0, MaxThreads = threads };
var ours = new Dictionary<string, double>();

// Warm the JIT on a small slice so the timings below measure the algorithms.
Fit(new RandomForestAlgorithm(), xtr.Take(Enumerable.Range(0, 2000).ToArray()), ytr[..2000], ModelTask.BinaryClassification, new() { ["trees"] = "4" }, "warm");
Fit(new GradientBoostingAlgorithm(), xtr.Take(Enumerable.Range(0, 2000).ToArray()), ytr[..2000], ModelTask.BinaryClassification, new() { ["rounds"] = "4" }, "warm");
MeasureOurs();
Dictionary<string, double> peers = [];
if (!args.Contains("--no-peers"))
{
    var json = Run("/usr/bin/python3", $"\"{script}\" run \"{dataDir}\" {threads}");
    peers = JsonSerializer.Deserialize<Dictionary<string, double>>(json.Trim().Split('\n')[^1]) ?? [];
    MeasureOurs();
}

var table = new (string Label, string Ours, string Peer, string Kind, string PeerName)[]
{
    ("random forest fit (100 trees, depth 12)", "rf_fit", "rf_fit", "time", "sklearn RF"),
    ("  test AUC", "rf_auc", "rf_auc", "diff", "sklearn RF"),
    ("  OOB accuracy", "rf_oob", "", "value", ""),
    ("gradient boosting fit (100 rounds, depth 6)", "gb_fit", "xgb_fit", "time", "XGBoost hist"),
    ("", "gb_fit", "hgb_fit", "time", "sklearn HistGB (100 iterations, 31 leaves)"),
    ("  test AUC", "gb_auc", "xgb_auc", "diff", "XGBoost hist"),
    ("  test AUC", "gb_auc", "hgb_auc", "diff", "sklearn HistGB"),
    ("gradient boosting leaf-wise (31 leaves) fit", "gl_fit", "hgb_fit", "time", "sklearn HistGB"),
    ("  test AUC", "gl_auc", "hgb_auc", "diff", "sklearn HistGB"),
    ("predict 1M rows (GBM, 100 trees depth 6)", "gb_predict_1m", "xgb_predict_1m", "time", "XGBoost"),
    ("predict 1M rows (RF, 100 trees depth 12)", "rf_predict_1m", "", "time", ""),
    ("GBM regression fit (friedman1)", "gr_fit", "xgb_reg_fit", "time", "XGBoost hist"),
    ("", "gr_fit", "hgb_reg_fit", "time", "sklearn HistGB"),
    ("  test RMSE", "gr_rmse", "xgb_reg_rmse", "ratio", "XGBoost hist"),
    ("  test RMSE", "gr_rmse", "hgb_reg_rmse", "ratio", "sklearn HistGB"),
    ("RF regression fit (friedman1, depth 12)", "rr_fit", "", "time", ""),
    ("  test RMSE", "rr_rmse", "", "value", ""),
};

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threads: {threads}; times are the best of 3 (ours: of 6, before and after the peers); cpu = process CPU time"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peer CSV read (pandas, clf_train): {Value(peers, "read_csv", "0.000")} s, not included in the peers' fit times"));
Console.WriteLine($"{"measure",-46} {"ours",9} {"peer",9} {"ratio",7} {"ours cpu",9} {"peer cpu",9} {"ratio",7}  peer");
foreach (var (label, o, p, kind, name) in table)
{
    var line = kind switch
    {
        "time" => string.Create(CultureInfo.InvariantCulture,
            $"{label,-46} {Value(ours, o, "0.000"),9} {Value(peers, p, "0.000"),9} {Ratio(ours, o, peers, p),7} {Value(ours, o + "_cpu", "0.000"),9} {Value(peers, p + "_cpu", "0.000"),9} {Ratio(ours, o + "_cpu", peers, p + "_cpu"),7}  {name}"),
        "diff" => string.Create(CultureInfo.InvariantCulture,
            $"{label,-46} {Value(ours, o, "0.0000"),9} {Value(peers, p, "0.0000"),9} {(peers.TryGetValue(p, out var pv) ? (ours[o] - pv).ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture) : ""),7}  {"",9} {"",9} {"",7}  {name}"),
        "ratio" => string.Create(CultureInfo.InvariantCulture,
            $"{label,-46} {Value(ours, o, "0.0000"),9} {Value(peers, p, "0.0000"),9} {Ratio(ours, o, peers, p, "0.000x"),7}  {"",9} {"",9} {"",7}  {name}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{label,-46} {Value(ours, o, "0.0000"),9}"),
    };
    Console.WriteLine(line.TrimEnd());
}

void MeasureOurs()
{
    var (rf, _) = Fit(new RandomForestAlgorithm(), xtr, ytr, ModelTask.BinaryClassification, new() { ["trees"] = "100", ["max_depth"] = "12" }, "rf_fit");
    ours["rf_auc"] = Auc(Predict(rf, xte), yte);
    ours["rf_oob"] = ((RandomForestPredictor)rf).OobScore ?? double.NaN;
    var (gb, _) = Fit(new GradientBoostingAlgorithm(), xtr, ytr, ModelTask.BinaryClassification, new() { ["rounds"] = "100", ["max_depth"] = "6" }, "gb_fit");
    ours["gb_auc"] = Auc(Predict(gb, xte), yte);
    var (gl, _) = Fit(new GradientBoostingAlgorithm(), xtr, ytr, ModelTask.BinaryClassification, new() { ["rounds"] = "100", ["num_leaves"] = "31", ["max_depth"] = "0" }, "gl_fit");
    ours["gl_auc"] = Auc(Predict(gl, xte), yte);
    var output = new double[big.RowCount];
    gb.Predict(big, output);
    Time("gb_predict_1m", () => gb.Predict(big, output));
    Time("rf_predict_1m", () => rf.Predict(big, output));
    var (gr, _) = Fit(new GradientBoostingAlgorithm(), rtr, rytr, ModelTask.Regression, new() { ["rounds"] = "100", ["max_depth"] = "6" }, "gr_fit");
    ours["gr_rmse"] = Rmse(Predict(gr, rte), ryte);
    var (rr, _) = Fit(new RandomForestAlgorithm(), rtr, rytr, ModelTask.Regression, new() { ["trees"] = "100", ["max_depth"] = "12" }, "rr_fit");
    ours["rr_rmse"] = Rmse(Predict(rr, rte), ryte);
}

void Time(string key, Action action)
{
    // Best of three wall and CPU times, merged with any earlier figure for the same key.
    for (var rep = 0; rep < 3; rep++)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        var wall = sw.Elapsed.TotalSeconds;
        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        ours[key] = Math.Min(ours.GetValueOrDefault(key, double.MaxValue), wall);
        ours[key + "_cpu"] = Math.Min(ours.GetValueOrDefault(key + "_cpu", double.MaxValue), used);
    }
}

(IPredictor Predictor, double Seconds) Fit(IAlgorithm algorithm, FeatureMatrix x, double[] y, ModelTask task, Dictionary<string, string> given, string key)
{
    var parameters = HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given);
    IPredictor? predictor = null;
    Time(key, () => predictor = algorithm.Fit(new TrainingData(x, y, task), parameters, context).Model);
    return (predictor!, ours[key]);
}

static double[] Predict(IPredictor predictor, FeatureMatrix x)
{
    var result = new double[x.RowCount];
    predictor.Predict(x, result);
    return result;
}

static string Value(Dictionary<string, double> values, string key, string format) =>
    values.TryGetValue(key, out var v) ? v.ToString(format, CultureInfo.InvariantCulture) : "";

static string Ratio(Dictionary<string, double> ours, string key, Dictionary<string, double> peers, string peerKey, string format = "0.00x") =>
    ours.TryGetValue(key, out var o) && peers.TryGetValue(peerKey, out var p) ? (o / p).ToString(format, CultureInfo.InvariantCulture) : "";

static double Rmse(double[] p, double[] y) => Math.Sqrt(p.Zip(y, (a, b) => (a - b) * (a - b)).Average());

static double Auc(double[] score, double[] label)
{
    // Mann-Whitney U with average ranks for ties.
    var order = Enumerable.Range(0, score.Length).OrderBy(i => score[i]).ToArray();
    double rankSum = 0, positives = 0;
    for (var i = 0; i < order.Length;)
    {
        var j = i;
        while (j + 1 < order.Length && score[order[j + 1]] == score[order[i]])
        {
            j++;
        }

        for (var k = i; k <= j; k++)
        {
            if (label[order[k]] > 0.5)
            {
                positives++;
                rankSum += ((i + j) / 2.0) + 1;
            }
        }

        i = j + 1;
    }

    var negatives = score.Length - positives;
    return (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
}

static void Memory(string dataDir, bool forest)
{
    // One algorithm per process (--memory for GBM, --memory --rf for RF): the peak is process-wide.
    var process = Process.GetCurrentProcess();
    var (x, y) = BinaryData.Load(Path.Combine(dataDir, "big_train.bin"));
    GC.Collect();
    process.Refresh();
    var before = process.WorkingSet64;
    var dataBytes = (long)x.RowCount * x.ColumnCount * sizeof(float);
    if (forest)
    {
        MemoryForest(x, y, process, before, dataBytes);
        return;
    }

    var algorithm = new GradientBoostingAlgorithm();
    var parameters = HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, new Dictionary<string, string> { ["rounds"] = Environment.GetEnvironmentVariable("ROUNDS") ?? "20" });
    var sw = Stopwatch.StartNew();
    algorithm.Fit(new TrainingData(x, y, ModelTask.BinaryClassification), parameters, new TrainContext { Seed = 0 });
    var seconds = sw.Elapsed.TotalSeconds;
    process.Refresh();
    var extra = process.PeakWorkingSet64 - before;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"GBM 1M x 20, {parameters.GetInt("rounds")} rounds: {seconds:0.00} s; data {dataBytes / 1e6:0} MB float32 (+{dataBytes / 4e6:0} MB binned); peak working set above the loaded data: {extra / 1e6:0} MB ({(double)extra / dataBytes:0.00}x data)"));
}

static void MemoryForest(FeatureMatrix x, double[] y, Process process, long before, long dataBytes)
{
    var forest = new RandomForestAlgorithm();
    var fp = HyperParameters.Resolve(forest.Name, forest.Parameters, new Dictionary<string, string> { ["trees"] = "10", ["max_depth"] = "12" });
    var sw = Stopwatch.StartNew();
    forest.Fit(new TrainingData(x, y, ModelTask.BinaryClassification), fp, new TrainContext { Seed = 0 });
    var seconds = sw.Elapsed.TotalSeconds;
    process.Refresh();
    var extra = process.PeakWorkingSet64 - before;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RF 1M x 20, 10 trees depth 12: {seconds:0.00} s; peak working set above the loaded data: {extra / 1e6:0} MB ({(double)extra / dataBytes:0.00}x data)"));
}

static string Run(string file, string arguments)
{
    using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true }) ?? throw new InvalidOperationException(file);
    var text = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return p.ExitCode == 0 ? text : throw new InvalidOperationException($"{file} {arguments} failed ({p.ExitCode}).");
}

static string FindRoot()
{
    var dir = AppContext.BaseDirectory;
    while (!File.Exists(Path.Combine(dir, "Toolkit.sln")))
    {
        dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Run TreeBench inside the repository.");
    }

    return dir;
}
