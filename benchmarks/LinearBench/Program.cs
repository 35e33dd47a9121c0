using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Training;

// Times Toolkit.Ml's lasso and logistic-regression fits against scikit-learn on the same dense,
// standardized data set. Usage: dotnet run -c Release --project benchmarks/LinearBench [rows] [features]
var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var features = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
const int Repeats = 3;
const int Seed = 42;
const double LassoAlpha = 0.01;
const double LogisticC = 1.0;
const int Folds = 5;

var root = FindRoot();
var dataDir = Path.Combine(root, "benchmarks", "data");
Directory.CreateDirectory(dataDir);
var csv = Path.Combine(dataDir, string.Create(CultureInfo.InvariantCulture, $"linear_{rows}x{features}.csv"));
var (matrix, yReg, yCls) = BenchData.Generate(rows, features, Seed);
BenchData.WriteCsv(csv, matrix, yReg, yCls);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Data: {rows} x {features} (seed {Seed}) -> {csv}"));

var regression = new TrainingData(matrix, yReg, ModelTask.Regression);
var binary = new TrainingData(matrix, yCls, ModelTask.BinaryClassification);
var ours = new Dictionary<string, (double Ms, double[] Coefficients, int Iterations)>
{
    ["lasso"] = Time("lasso", regression, new() { ["alpha"] = LassoAlpha.ToString("R", CultureInfo.InvariantCulture) }, 1),
    ["logistic-regression"] = Time("logistic-regression", binary, new() { ["c"] = LogisticC.ToString("R", CultureInfo.InvariantCulture) }, 1),
    ["lasso-cv"] = Time("lasso", regression, new() { ["cv"] = Folds.ToString(CultureInfo.InvariantCulture) }, 1),
};

var python = RunPython(Path.Combine(root, "benchmarks", "LinearBench", "sklearn_fit.py"), csv);
using var document = JsonDocument.Parse(python);
Console.WriteLine();
Console.WriteLine($"{"model",-22}{"toolkit ms",12}{"sklearn ms",12}{"ratio",8}{"max |coef diff|",18}{"iters (ours/sk)",18}");
foreach (var (name, (ms, coefficients, iterations)) in ours)
{
    var reference = document.RootElement.GetProperty(name);
    var skMs = reference.GetProperty("ms").GetDouble();
    var skCoef = reference.GetProperty("coef").EnumerateArray().Select(e => e.GetDouble()).ToArray();
    var diff = coefficients.Zip(skCoef, (a, b) => Math.Abs(a - b)).Max();
    var skIterations = reference.TryGetProperty("n_iter", out var it) ? it.GetInt32().ToString(CultureInfo.InvariantCulture) : "-";
    var iterationText = (iterations > 0 ? iterations.ToString(CultureInfo.InvariantCulture) : "-") + " / " + skIterations;
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture, $"{name,-22}{ms,12:F1}{skMs,12:F1}{ms / skMs,8:F2}{diff,18:E2}{iterationText,18}"));
}

Console.WriteLine();
Console.WriteLine("Times are fit only, best of 3, single thread (MaxThreads = 1; sklearn n_jobs=None). ratio = toolkit / sklearn.");
Console.WriteLine("lasso: alpha 0.01; logistic-regression: C 1 (toolkit Newton vs sklearn lbfgs, tol 1e-4);");
Console.WriteLine("lasso-cv: 5 shuffled folds x 100 alphas (folds differ between the two, so coefficients may differ slightly).");
return 0;

(double Ms, double[] Coefficients, int Iterations) Time(string algorithmName, TrainingData data, Dictionary<string, string> given, int threads)
{
    var algorithm = AlgorithmCatalog.Default.Get(algorithmName);
    var hp = HyperParameters.Resolve(algorithmName, algorithm.Parameters, given);
    var iterations = 0;
    var context = new TrainContext
    {
        Seed = Seed,
        MaxThreads = threads,

        // Iterations of the final fit (Newton steps or coordinate-descent sweeps), for the table.
        Progress = new CountingProgress(p => iterations = p.Stage is "newton" or "coordinate-descent" ? p.Current : 0),
    };
    algorithm.Fit(data, hp, context); // warm-up: JIT and tiered compilation
    var best = double.MaxValue;
    IPredictor? predictor = null;
    for (var r = 0; r < Repeats; r++)
    {
        var watch = Stopwatch.StartNew();
        predictor = algorithm.Fit(data, hp, context).Model;
        best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
    }

    return (best, Coefficients(predictor!), iterations);
}

static double[] Coefficients(IPredictor predictor)
{
    // The payload is the public view of a fitted model: read the coefficients back from it.
    using var stream = new MemoryStream();
    using (var writer = new Utf8JsonWriter(stream))
    {
        predictor.Write(writer);
    }

    using var document = JsonDocument.Parse(stream.ToArray());
    return PayloadArrays.ReadDoubles(document.RootElement, "coefficients");
}

static string RunPython(string script, string csv)
{
    var info = new ProcessStartInfo("/usr/bin/python3")
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    foreach (var a in new[] { script, csv, Repeats.ToString(CultureInfo.InvariantCulture), LassoAlpha.ToString("R", CultureInfo.InvariantCulture), LogisticC.ToString("R", CultureInfo.InvariantCulture), Folds.ToString(CultureInfo.InvariantCulture) })
    {
        info.ArgumentList.Add(a);
    }

    using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start /usr/bin/python3.");
    var stderr = process.StandardError.ReadToEndAsync();
    var stdout = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    return process.ExitCode == 0
        ? stdout
        : throw new InvalidOperationException($"sklearn_fit.py failed ({process.ExitCode}): {stderr.Result}");
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository (Toolkit.sln not found above the current directory).");
}

/// <summary>Seeded dense data: standardized Gaussian features, a sparse linear target and a noisy logistic label.</summary>
internal static class BenchData
{
    public static (FeatureMatrix Matrix, double[] Regression, double[] Binary) Generate(int rows, int features, int seed)
    {
        var random = new Random(seed);
        var columns = new float[features][];
        for (var j = 0; j < features; j++)
        {
            var raw = new double[rows];
            for (var i = 0; i < rows; i++)
            {
                // Box-Muller; correlated pairs through a shared component make the fit less trivial.
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                raw[i] = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
                if (j > 0 && j % 2 == 1)
                {
                    raw[i] += 0.5 * columns[j - 1][i];
                }
            }

            var mean = raw.Average();
            var sd = Math.Sqrt(raw.Select(v => (v - mean) * (v - mean)).Average());
            columns[j] = [.. raw.Select(v => (float)((v - mean) / sd))];
        }

        var regression = new double[rows];
        var binary = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            double signal = 0;
            for (var j = 0; j < features; j++)
            {
                // Every third feature matters, with alternating signs; the rest are noise.
                signal += j % 3 == 0 ? (j % 2 == 0 ? 1.0 : -0.7) * columns[j][i] : 0.0;
            }

            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var noise = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            regression[i] = signal + (0.5 * noise) + 10.0;
            var p = 1.0 / (1.0 + Math.Exp(-(0.8 * signal)));
            binary[i] = random.NextDouble() < p ? 1.0 : 0.0;
        }

        return (new FeatureMatrix([.. Enumerable.Range(0, features).Select(j => $"x{j}")], columns), regression, binary);
    }

    public static void WriteCsv(string path, FeatureMatrix matrix, double[] regression, double[] binary)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', matrix.Names).Append(",y_reg,y_cls\n");
        for (var i = 0; i < matrix.RowCount; i++)
        {
            for (var j = 0; j < matrix.ColumnCount; j++)
            {
                text.Append(matrix[i, j].ToString("R", CultureInfo.InvariantCulture)).Append(',');
            }

            text.Append(regression[i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(binary[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
    }
}

internal sealed class CountingProgress : IProgress<TrainingProgress>
{
    private readonly Action<TrainingProgress> _onReport;

    public CountingProgress(Action<TrainingProgress> onReport) => _onReport = onReport;

    public void Report(TrainingProgress value) => _onReport(value);
}
