// Pipeline orchestration benchmark: how much the runner itself costs, apart from the work of steps.
//   dotnet run -c Release --project benchmarks/PipelineBench [-- --steps 50 --repeat 5]
// 1. Per-step overhead of a cached step (in-process): a chain of N tiny steps, rerun fully cached.
// 2. Per-step overhead of an uncached trivial step (in-process).
// 3. The diabetes reference pipeline: cold run, fully cached rerun (in-process), and the share of
//    the cold run spent inside steps versus in the runner.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Toolkit.Components;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;

var steps = ArgValue(args, "--steps", 50);
var repeat = ArgValue(args, "--repeat", 5);
var root = Path.Combine(Path.GetTempPath(), "toolkit-pipeline-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(root);
try
{
    var catalog = BuiltInComponents.Create();
    await using var workspace = await Workspace.OpenAsync(Path.Combine(root, ".toolkit"));
    var runner = new PipelineRunner(workspace, catalog, new LocalExecutor());

    // A chain: each step synthesizes 10 rows with its own seed and depends on the previous one.
    var yaml = new StringBuilder("apiVersion: toolkit/v1\nkind: Pipeline\nname: chain\nparams: { salt: 1 }\nsteps:\n");
    for (var i = 0; i < steps; i++)
    {
        yaml.Append(CultureInfo.InvariantCulture, $"  - name: s{i}\n    uses: data/synthesize\n");
        if (i > 0)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"    needs: [s{i - 1}]\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $"    with:\n      generator: sales\n      rows: 10\n      seed: ${{{{ params.salt }}}}{i}\n");
    }

    var chain = PipelineLoader.Load(yaml.ToString(), "chain.yaml").Spec!;
    var cold = new List<double>();
    var cached = new List<double>();
    for (var r = 0; r < repeat; r++)
    {
        var salt = new Dictionary<string, string> { ["salt"] = (r + 1).ToString(CultureInfo.InvariantCulture) };
        var first = await runner.RunAsync(chain, new RunOptions { Params = salt, MaxParallel = 1 });
        var inSteps = first.Steps.Sum(s => s.Duration.TotalMilliseconds);
        cold.Add((first.Duration.TotalMilliseconds - inSteps) / steps);
        var again = await runner.RunAsync(chain, new RunOptions { Params = salt, MaxParallel = 1 });
        if (again.Steps.Any(s => !s.Cached))
        {
            throw new InvalidOperationException("the rerun was not fully cached");
        }

        cached.Add(again.Duration.TotalMilliseconds / steps);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chain of {steps} steps, {repeat} repeats (median):"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cached step, whole cost per step       {Median(cached),8:0.00} ms"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  uncached step, runner cost outside it  {Median(cold),8:0.00} ms"));

    var diabetesPath = Path.Combine(FindRepositoryRoot(), "pipelines", "diabetes.yaml");
    var diabetes = PipelineLoader.LoadFile(diabetesPath).Spec!;
    var clock = Stopwatch.StartNew();
    var coldRun = await runner.RunAsync(diabetes, new RunOptions());
    var coldWall = clock.Elapsed.TotalSeconds;
    var stepsTime = coldRun.Steps.Sum(s => s.Duration.TotalSeconds);
    var cachedRuns = new List<double>();
    for (var r = 0; r < repeat; r++)
    {
        clock.Restart();
        var rerun = await runner.RunAsync(diabetes, new RunOptions());
        cachedRuns.Add(clock.Elapsed.TotalMilliseconds);
        if (rerun.Steps.Any(s => !s.Cached))
        {
            throw new InvalidOperationException("the diabetes rerun was not fully cached");
        }
    }

    var longest = coldRun.Steps.MaxBy(s => s.Duration)!;
    Console.WriteLine("diabetes pipeline (20000 rows, in-process):");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cold run wall time                      {coldWall,8:0.00} s (sum of step times {stepsTime:0.00} s; longest step {longest.Name} {longest.Duration.TotalSeconds:0.00} s)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  fully cached rerun                      {Median(cachedRuns),8:0.0} ms"));
}
finally
{
    foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
    {
        File.SetAttributes(file, FileAttributes.Normal);
    }

    Directory.Delete(root, recursive: true);
}

static int ArgValue(string[] args, string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository.");
}
