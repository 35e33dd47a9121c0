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
            var predictor = algorithm.Fit(new TrainingData(qx, qy, ModelTask.BinaryClassification), HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given), qc);
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
            var model = algorithm.Fit(new TrainingData(qx, qy, ModelTask.BinaryClassification), HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given), qc);
            var fitTime = sw.Elapsed.TotalSeconds;
            var cpuTime = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var p = new double[qt.RowCount];
            model.Predict(qt, p);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{algorithm.Name}: fit {fitTime:0.000} s (cpu {cpuTime:0.000} s), test AUC {Auc(p, qty):0.0000}"));
        }
    }

    return;
}

Dictionary<string, double> peers = [];
if (!args.Contains("--no-peers"))
{
    var json = Run("/usr/bin/python3", $"\"{script}\" run \"{dataDir}\" {threads}");
    peers = JsonSerializer.Deserialize<Dictionary<string, double>>(json.Trim().Split('\n')[^1]) ?? [];
}

var (xtr, ytr) = BinaryData.Load(Path.Combine(dataDir, "clf_train.bin"));
var (xte, yte) = BinaryData.Load(Path.Combine(dataDir, "clf_test.bin"));
var context = new TrainContext { Seed = 0, MaxThreads = threads };
var rows = new List<string[]>();

// Warm the JIT on a small slice so the timings below measure the algorithms.
Fit(new RandomForestAlgorithm(), xtr.Take(Enumerable.Range(0, 2000).ToArray()), ytr[..2000], ModelTask.BinaryClassification, new() { ["trees"] = "4" });
Fit(new GradientBoostingAlgorithm(), xtr.Take(Enumerable.Range(0, 2000).ToArray()), ytr[..2000], ModelTask.BinaryClassification, new() { ["rounds"] = "4" });

var (rf, rfTime) = Fit(new RandomForestAlgorithm(), xtr, ytr, ModelTask.BinaryClassification, new() { ["trees"] = "100", ["max_depth"] = "12" });
var rfAuc = Auc(Predict(rf, xte), yte);
rows.Add(Row("random forest fit (100 trees, depth 12)", rfTime, peers, "rf_fit", "sklearn RF"));
rows.Add(["  test AUC", F4(rfAuc), Peer(peers, "rf_auc"), Diff(rfAuc, peers, "rf_auc"), "sklearn RF"]);
rows.Add(["  OOB accuracy", F4(((RandomForestPredictor)rf).OobScore ?? double.NaN), "", "", ""]);

var (gb, gbTime) = Fit(new GradientBoostingAlgorithm(), xtr, ytr, ModelTask.BinaryClassification, new() { ["rounds"] = "100", ["max_depth"] = "6" });
var gbAuc = Auc(Predict(gb, xte), yte);
rows.Add(Row("gradient boosting fit (100 rounds, depth 6)", gbTime, peers, "xgb_fit", "XGBoost hist"));
rows.Add(Row("", gbTime, peers, "hgb_fit", "sklearn HistGB"));
rows.Add(["  test AUC", F4(gbAuc), Peer(peers, "xgb_auc"), Diff(gbAuc, peers, "xgb_auc"), "XGBoost hist"]);
rows.Add(["  test AUC", F4(gbAuc), Peer(peers, "hgb_auc"), Diff(gbAuc, peers, "hgb_auc"), "sklearn HistGB"]);

var (gl, glTime) = Fit(new GradientBoostingAlgorithm(), xtr, ytr, ModelTask.BinaryClassification, new() { ["rounds"] = "100", ["num_leaves"] = "31", ["max_depth"] = "0" });
rows.Add(["gradient boosting leaf-wise (31 leaves) fit", Sec(glTime), "", "", ""]);
rows.Add(["  test AUC", F4(Auc(Predict(gl, xte), yte)), "", "", ""]);

var (big, _) = BinaryData.Load(Path.Combine(dataDir, "pred_1m.bin"));
var output = new double[big.RowCount];
gb.Predict(big, output);
rows.Add(Row("predict 1M rows (GBM, 100 trees depth 6)", BestOf3(() => gb.Predict(big, output)), peers, "xgb_predict_1m", "XGBoost"));
rows.Add(["predict 1M rows (RF, 100 trees depth 12)", Sec(BestOf3(() => rf.Predict(big, output))), "", "", ""]);

var (rtr, rytr) = BinaryData.Load(Path.Combine(dataDir, "reg_train.bin"));
var (rte, ryte) = BinaryData.Load(Path.Combine(dataDir, "reg_test.bin"));
var (gr, grTime) = Fit(new GradientBoostingAlgorithm(), rtr, rytr, ModelTask.Regression, new() { ["rounds"] = "100", ["max_depth"] = "6" });
var rmse = Rmse(Predict(gr, rte), ryte);
rows.Add(Row("GBM regression fit (friedman1)", grTime, peers, "xgb_reg_fit", "XGBoost hist"));
rows.Add(["  test RMSE", F4(rmse), Peer(peers, "xgb_reg_rmse"), Ratio(rmse, peers, "xgb_reg_rmse"), "XGBoost hist"]);
rows.Add(["  test RMSE", F4(rmse), Peer(peers, "hgb_reg_rmse"), Ratio(rmse, peers, "hgb_reg_rmse"), "sklearn HistGB"]);
var (rr, rrTime) = Fit(new RandomForestAlgorithm(), rtr, rytr, ModelTask.Regression, new() { ["trees"] = "100", ["max_depth"] = "12" });
rows.Add(["RF regression fit (friedman1, depth 12)", Sec(rrTime), "", "", ""]);
rows.Add(["  test RMSE", F4(Rmse(Predict(rr, rte), ryte)), "", "", ""]);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threads: {threads}; peer CSV read (pandas, clf_train): {Peer(peers, "read_csv")} s (not in the fit times)"));
Console.WriteLine($"{"measure",-46} {"ours",10} {"peer",10} {"ratio/diff",11}  peer");
foreach (var r in rows)
{
    Console.WriteLine($"{r[0],-46} {r[1],10} {r[2],10} {r[3],11}  {r[4]}");
}

(IPredictor Predictor, double Seconds) Fit(IAlgorithm algorithm, FeatureMatrix x, double[] y, ModelTask task, Dictionary<string, string> given)
{
    // Fastest of three fits (the machine is shared; the peers are timed the same way).
    var parameters = HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given);
    IPredictor? predictor = null;
    var best = double.MaxValue;
    for (var rep = 0; rep < 3; rep++)
    {
        var sw = Stopwatch.StartNew();
        predictor = algorithm.Fit(new TrainingData(x, y, task), parameters, context);
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }

    return (predictor!, best);
}

static double BestOf3(Action action)
{
    var best = double.MaxValue;
    for (var rep = 0; rep < 3; rep++)
    {
        var sw = Stopwatch.StartNew();
        action();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }

    return best;
}

static double[] Predict(IPredictor predictor, FeatureMatrix x)
{
    var result = new double[x.RowCount];
    predictor.Predict(x, result);
    return result;
}

static string[] Row(string name, double ours, Dictionary<string, double> peers, string key, string peer) =>
    [name, Sec(ours), Peer(peers, key), peers.TryGetValue(key, out var p) ? (ours / p).ToString("0.00x", CultureInfo.InvariantCulture) : "", peer];

static string Sec(double s) => s.ToString("0.000", CultureInfo.InvariantCulture) + " s";

static string F4(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

static string Peer(Dictionary<string, double> peers, string key) =>
    peers.TryGetValue(key, out var v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "-";

static string Diff(double ours, Dictionary<string, double> peers, string key) =>
    peers.TryGetValue(key, out var v) ? (ours >= v ? "+" : "-") + Math.Abs(ours - v).ToString("0.0000", CultureInfo.InvariantCulture) : "";

static string Ratio(double ours, Dictionary<string, double> peers, string key) =>
    peers.TryGetValue(key, out var v) ? (ours / v).ToString("0.000x", CultureInfo.InvariantCulture) : "";

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
