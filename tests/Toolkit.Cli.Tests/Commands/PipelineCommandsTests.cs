using System.Text.Json;
using Toolkit.Pipelines.Execution;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// The reference pipelines through the command line, on real files and a real SQLite store in a
/// temporary project folder (toolkit.yaml points the store there).
/// </summary>
public sealed class PipelineCommandsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public PipelineCommandsTests()
    {
        TempFolder.CopyDiabetesFeatures(_temp.Path);
        File.WriteAllText(_temp.File("toolkit.yaml"), "apiVersion: toolkit/v1\nkind: Project\nstore: .state\n" + TempFolder.DiabetesComponents);

        // The pipelines' gate steps read their policy from models/ in the project.
        foreach (var model in new[] { "diabetes", "housing" })
        {
            Directory.CreateDirectory(_temp.File($"models/{model}"));
            File.Copy(Path.Combine(TempFolder.RepositoryRoot, "models", model, "model.yaml"), _temp.File($"models/{model}/model.yaml"));
        }

        Directory.CreateDirectory(_temp.File("sub"));
    }

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _temp.Dispose();
    }

    /// <summary>mlops started in a subfolder of the project: commands find the project (toolkit.yaml) from there.</summary>
    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.File("sub"), args);

    private static string Reference(string name) => Path.Combine(TempFolder.RepositoryRoot, "pipelines", name);


    [Fact]
    public async Task Validate_ReferencePipelines_AreValid()
    {
        foreach (var name in new[] { "diabetes.yaml", "housing.yaml" })
        {
            var result = await Mlops("pipeline", "validate", Reference(name));

            result.ExitCode.Should().Be(0, result.Error);
            result.Output.Should().Contain("is valid");
        }
    }

    [Fact]
    public async Task Validate_BrokenPipeline_ListsEveryProblemWithPosition_ExitsTwo()
    {
        var path = _temp.File("broken.yaml");
        await File.WriteAllTextAsync(path, """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: broken
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: diabetes }
              - name: split
                uses: data/split
                inputs: { dataset: ingest.data }
              - name: other
                uses: data/synthesise
            """);

        var result = await Mlops("pipeline", "validate", path);

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("broken.yaml:10:24: step 'ingest' has no output 'data'; did you mean 'dataset'?");
        result.Error.Should().Contain("broken.yaml:12:11: unknown component 'data/synthesise'; did you mean 'data/synthesize'?");
        result.Error.Should().Contain("2 problem(s) found");
    }

    [Fact]
    public async Task Run_Diabetes_Json_ThenCachedRerun_ThenRunsAndLineage()
    {
        var first = await Mlops("pipeline", "run", Reference("diabetes.yaml"), "--param", "rows=3000", "--json");

        first.ExitCode.Should().Be(0, first.Error);
        using var run = JsonDocument.Parse(first.Output);
        var root = run.RootElement;
        root.GetProperty("status").GetString().Should().Be("succeeded");
        var runId = root.GetProperty("run_id").GetString()!;
        var steps = root.GetProperty("steps").EnumerateArray().ToList();
        steps.Select(s => s.GetProperty("name").GetString()).Should().Equal(
            "ingest", "validate", "split", "features", "train-forest", "train-boosting", "train-logistic", "train-mlnet", "evaluate", "select", "gate");
        steps.Should().OnlyContain(s => s.GetProperty("cached").GetBoolean() == false && s.GetProperty("status").GetString() == "succeeded");
        var evaluate = steps.Single(s => s.GetProperty("name").GetString() == "evaluate");
        evaluate.GetProperty("values").GetProperty("auc").GetDouble().Should().BeGreaterThan(0.75);
        var model = steps.Single(s => s.GetProperty("name").GetString() == "select").GetProperty("outputs").GetProperty("model");
        var modelDigest = model.GetProperty("digest").GetString()!;
        modelDigest.Should().StartWith("sha256:");
        File.Exists(model.GetProperty("path").GetString()).Should().BeTrue();

        var second = await Mlops("pipeline", "run", Reference("diabetes.yaml"), "--param", "rows=3000", "--json");
        using var rerun = JsonDocument.Parse(second.Output);
        rerun.RootElement.GetProperty("steps").EnumerateArray().Should().OnlyContain(s => s.GetProperty("cached").GetBoolean());

        var list = await Mlops("runs", "list", "--json");
        using var runs = JsonDocument.Parse(list.Output);
        runs.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("run_id").GetString()).Should().Contain(runId);

        var show = await Mlops("runs", "show", runId, "--json");
        show.ExitCode.Should().Be(0, show.Error);
        show.Output.Should().Contain("\"train-forest\"");

        var lineage = await Mlops("lineage", modelDigest, "--json");
        lineage.ExitCode.Should().Be(0, lineage.Error);
        using var graph = JsonDocument.Parse(lineage.Output);
        graph.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString())
            .Should().Contain(["select", "evaluate", "split", "ingest"]);
        Directory.Exists(Path.Combine(_temp.Path, ".state", "artifacts")).Should().BeTrue("toolkit.yaml put the store there");
    }

    [Fact]
    public async Task Run_UnknownParam_ExitsTwo()
    {
        var result = await Mlops("pipeline", "run", Reference("housing.yaml"), "--param", "rowz=10");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("no parameter 'rowz'").And.Contain("did you mean 'rows'");
    }

    [Fact]
    public async Task Graph_Mermaid_HasEveryEdge()
    {
        var result = await Mlops("pipeline", "graph", Reference("housing.yaml"), "--format", "mermaid");

        result.ExitCode.Should().Be(0, result.Error);
        result.Output.Should().Contain("split --> train_forest").And.Contain("train_lasso --> evaluate").And.Contain("evaluate --> select");
    }

    [Fact]
    public async Task ComponentRun_Alone_WritesOutputsAndValues()
    {
        var data = _temp.File("d.csv");
        var values = _temp.File("values.json");

        var result = await Mlops("component", "run", "data/synthesize", "--param", "generator=housing", "--param", "rows=50",
            "--output", $"dataset={data}", "--values", values);

        result.ExitCode.Should().Be(0, result.Error);
        File.ReadLines(data).Count().Should().Be(51);
        File.ReadAllText(values).Should().Contain("\"rows\":50");
    }

    [Fact]
    public async Task Plan_AfterARun_WithTheRunsExecutor_SaysAllCached_WithTheRunsKeys()
    {
        var pipeline = _temp.File("small.yaml");
        await File.WriteAllTextAsync(pipeline, SmallPipeline);
        var run = await Mlops("pipeline", "run", "../small.yaml", "--executor", "local", "--json");
        run.ExitCode.Should().Be(0, run.Error);
        var runId = JsonDocument.Parse(run.Output).RootElement.GetProperty("run_id").GetString()!;

        var plan = await Mlops("pipeline", "plan", "../small.yaml", "--executor", "local", "--json");

        plan.ExitCode.Should().Be(0, plan.Error);
        using var json = JsonDocument.Parse(plan.Output);
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToList();
        steps.Should().HaveCount(3).And.OnlyContain(s => s.GetProperty("action").GetString() == "cached");
        var show = await Mlops("runs", "show", runId, "--json");
        foreach (var key in steps.Select(s => s.GetProperty("cache_key").GetString()!))
        {
            show.Output.Should().Contain(key, "plan resolves each step as the run did");
        }
    }

    [Fact]
    public async Task Plan_ProjectSaysDocker_PlansWithDocker_UnlessTheCommandSaysLocal()
    {
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "apiVersion: toolkit/v1\nkind: Project\nstore: .state\nexecutor: docker\n");
        await File.WriteAllTextAsync(_temp.File("small.yaml"), SmallPipeline);

        // The Docker executor asks the daemon for the image (part of every key): no daemon or no such image fails the plan.
        var docker = await Mlops("pipeline", "plan", "../small.yaml", "--image", "toolkit-test/no-such-image:0");
        var local = await Mlops("pipeline", "plan", "../small.yaml", "--executor", "local");

        docker.ExitCode.Should().NotBe(0, "toolkit.yaml chose the Docker executor");
        docker.Error.Should().StartWith("mlops: ");
        local.ExitCode.Should().Be(0, local.Error);
        local.Output.Should().Contain("0 of 3 steps cached");
    }

    [Fact]
    public async Task Plan_UnknownExecutor_ExitsTwo()
    {
        await File.WriteAllTextAsync(_temp.File("small.yaml"), SmallPipeline);

        var plan = await Mlops("pipeline", "plan", "../small.yaml", "--executor", "kubernetes");

        plan.ExitCode.Should().Be(2);
        plan.Error.Should().Contain("kubernetes");
    }

    [Fact]
    public async Task ComponentRun_WithTheProtocolsArguments_ReadsWhatAnExecutorWrites_AndWritesTheValuesItReads()
    {
        // What an executor sends (StepProtocol), through the real 'mlops component run', back through StepProtocol.
        var dataset = _temp.File("in/data.csv");
        var synth = await Mlops("component", "run", "data/synthesize", "--param", "generator=diabetes", "--param", "rows=200", "--param", "seed=3",
            "--output", $"dataset={dataset}");
        synth.ExitCode.Should().Be(0, synth.Error);
        var call = new ComponentCall
        {
            Component = "data/split",
            Inputs = new Dictionary<string, IReadOnlyList<string>> { ["dataset"] = [dataset] },
            Parameters = new Dictionary<string, string> { ["test_fraction"] = "0.25", ["seed"] = "7" },
            Outputs = new Dictionary<string, string> { ["train"] = _temp.File("out/train.csv"), ["test"] = _temp.File("out/test.csv") },
            ValuesPath = _temp.File("out/values.json"),
        };

        var result = await Mlops(["component", "run", .. StepProtocol.ComponentArguments(call)]);

        result.ExitCode.Should().Be(0, result.Error);
        var values = StepProtocol.ReadValues(call.ValuesPath);
        values.Values["test_rows"].Should().Be(50, "25% of 200 rows, as the parameter said");
        (values.Values["train_rows"] + values.Values["test_rows"]).Should().Be(200);
        File.ReadLines(call.Outputs["test"]).Count().Should().Be(51, "the header and the rows the values file counts");
    }

    private const string SmallPipeline = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: small
        params: { rows: 300 }
        steps:
          - name: ingest
            uses: data/synthesize
            with: { generator: diabetes, rows: "${{ params.rows }}", seed: 1 }
          - name: split
            uses: data/split
            inputs: { dataset: ingest.dataset }
            with: { test_fraction: 0.3, seed: 1 }
          - name: count
            run: 'wc -l < "$TOOLKIT_INPUT_ROWS" > "$TOOLKIT_OUTPUT_OUT"'
            inputs: { rows: split.test }
            outputs: [out]
        """;
}

/// <summary>A failed run: the summary on stdout, and its reason as one error line on stderr.</summary>
public sealed class FailedRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public FailedRunTests()
    {
        File.WriteAllText(_temp.File("toolkit.yaml"), "apiVersion: toolkit/v1\nkind: Project\nstore: .state\n");
        File.WriteAllText(_temp.File("fails.yaml"), """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: fails
            steps:
              - name: broken
                run: sh -c 'echo about to fail; exit 7'
            """);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Run_StepFails_OneErrorLineOnStderr_ExitsOne()
    {
        var result = await CliRunner.RunInAsync(_temp.Path, "pipeline", "run", "fails.yaml");

        result.ExitCode.Should().Be(ExitCodes.Failure);
        // Progress goes to stderr as it happens; the failure itself is one error line, the last.
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Where(l => l.StartsWith("mlops: error:", StringComparison.Ordinal)).Should().ContainSingle();
        lines[^1].Should().StartWith("mlops: error: run ").And.Contain("of 'fails' failed").And.Contain("step 'broken' failed: command exited with code 7");
        result.Output.Should().Contain("broken").And.Contain("failed");
    }
}
