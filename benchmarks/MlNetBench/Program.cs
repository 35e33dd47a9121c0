using System.Diagnostics;
using System.Globalization;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.MlNet;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

// MlNetBench: our gradient boosting and random forest against ML.NET's LightGBM, FastTree and FastForest,
// on the same rows in the same process, each trained the way a pipeline step trains it (feature pipeline
// + fit + training metrics + the model file in memory) and scored on the same held-out rows.
//   dotnet run -c Release --project benchmarks/MlNetBench [-- --rows N] [--reps R] [--threads T]
//   dotnet run -c Release --project benchmarks/MlNetBench -- --one ALGORITHM   (one fit, for whole-process pairing)
// Threads: ours gets MaxThreads = T, ML.NET's trainers threads = T (default: the machine's cores).
var rows = Option("--rows", 100_000);
var reps = Option("--reps", 3);
var threads = Option("--threads", Environment.ProcessorCount);
var train = SyntheticData.Generate("diabetes", rows, 1);
var test = SyntheticData.Generate("diabetes", 30_000, 7);

// Comparable settings: 100 boosting rounds at learning rate 0.1, leaf-wise trees of 31 leaves (LightGBM's
// default shape; ours with num_leaves 31 and no depth bound); forests of 100 trees of at most 256 leaves.
var jobs = new (string Name, Func<IScoringModel> Fit)[]
{
    ("gradient-boosting", () => Ours("gradient-boosting", new() { ["rounds"] = "100", ["learning_rate"] = "0.1", ["num_leaves"] = "31", ["max_depth"] = "0" })),
    ("mlnet-lightgbm", () => MlNet("mlnet-lightgbm", new() { ["rounds"] = "100", ["learning_rate"] = "0.1", ["num_leaves"] = "31" })),
    ("mlnet-fasttree", () => MlNet("mlnet-fasttree", new() { ["rounds"] = "100", ["learning_rate"] = "0.1", ["num_leaves"] = "31" })),
    ("random-forest", () => Ours("random-forest", new() { ["trees"] = "100", ["max_leaf_nodes"] = "256" })),
    ("mlnet-fastforest", () => MlNet("mlnet-fastforest", new() { ["trees"] = "100", ["num_leaves"] = "256" })),
};

if (Text("--one") is { } only)
{
    var job = jobs.Single(j => j.Name == only);
    var m = job.Fit();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{job.Name}: test AUC {Auc(m):0.0000}"));
    return;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"diabetes {rows} training rows, 30000 test rows, {threads} threads, {reps} alternating rounds, {Environment.ProcessorCount} cores"));

// Warm-up: JIT and ML.NET's first-use costs are not the fit's.
foreach (var job in jobs)
{
    job.Fit();
}

// Alternate the jobs round by round, so load that comes and goes touches them all alike.
var wall = jobs.ToDictionary(j => j.Name, _ => new List<double>());
var cpu = jobs.ToDictionary(j => j.Name, _ => new List<double>());
var auc = new Dictionary<string, double>();
for (var r = 0; r < reps; r++)
{
    foreach (var job in jobs)
    {
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var model = job.Fit();
        wall[job.Name].Add(sw.Elapsed.TotalSeconds);
        cpu[job.Name].Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
        auc[job.Name] = Auc(model);
    }
}

Console.WriteLine("| trainer | fit wall (median) | fit CPU (median) | held-out AUC |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var job in jobs)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {job.Name} | {Median(wall[job.Name]):0.000} s | {Median(cpu[job.Name]):0.000} s | {auc[job.Name]:0.0000} |"));
}

Console.WriteLine();
foreach (var (peer, ours) in new[] { ("mlnet-lightgbm", "gradient-boosting"), ("mlnet-fasttree", "gradient-boosting"), ("mlnet-fastforest", "random-forest") })
{
    var ratios = wall[peer].Zip(wall[ours], (p, o) => p / o).ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{peer} / {ours}: wall {Median(ratios):0.00}x (rounds {string.Join(", ", ratios.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}), AUC {auc[peer] - auc[ours]:+0.0000;-0.0000}"));
}

IScoringModel Ours(string algorithm, Dictionary<string, string> parameters) =>
    ModelTrainer.Train(train, new TrainRequest { Algorithm = algorithm, Label = "diabetes", Parameters = parameters },
        new TrainContext { Seed = 1, MaxThreads = threads });

IScoringModel MlNet(string algorithm, Dictionary<string, string> parameters)
{
    parameters["threads"] = threads.ToString(CultureInfo.InvariantCulture);
    return MlNetTrainer.Train(train, new TrainRequest { Algorithm = algorithm, Label = "diabetes", Parameters = parameters },
        new TrainContext { Seed = 1, MaxThreads = threads });
}

double Auc(IScoringModel model) =>
    ClassificationMetrics.Compute(model.EncodeLabel(test), model.Predict(test).Scores).RocAuc;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

int Option(string name, int fallback) =>
    Text(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? Text(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
