using System.Globalization;
using System.Text.Json;
using Toolkit.Cli;
using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;

namespace Toolkit.Monitoring.Tests;

/// <summary>
/// A project like the repository's with diabetes v1 trained by the reference pipeline (3000 rows), registered
/// (with its reference profile) and promoted to prod, as a team would: every step an in-process <c>mlops</c>.
/// </summary>
public sealed class MonitoredProject : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "toolkit-monitor-tests", Guid.NewGuid().ToString("N"));

    public string RunId { get; private set; } = "";

    /// <summary>The prod version's model file, as the registry holds it.</summary>
    public Model Model { get; private set; } = null!;

    public static string RepositoryRoot { get; } = FindRoot();

    public string File(string name) => Path.Combine(Folder, name);

    public async Task InitializeAsync()
    {
        foreach (var folder in new[] { "pipelines", "models/diabetes", "models/housing" })
        {
            Directory.CreateDirectory(File(folder));
            foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot, folder)))
            {
                System.IO.File.Copy(file, Path.Combine(File(folder), Path.GetFileName(file)));
            }
        }

        Toolkit.Tests.Shared.DiabetesFeaturesProject.CopyTo(RepositoryRoot, Folder);
        await System.IO.File.WriteAllTextAsync(File("toolkit.yaml"), "store: .toolkit\n" + Toolkit.Tests.Shared.DiabetesFeaturesProject.ComponentsYaml);
        var run = await MlopsAsync("pipeline", "run", "pipelines/diabetes.yaml", "--param", "rows=3000", "--json");
        run.Exit.Should().Be(0, run.Error);
        RunId = JsonDocument.Parse(run.Output).RootElement.GetProperty("run_id").GetString()!;
        (await MlopsAsync("model", "register", "--model", "diabetes", "--run", RunId, "--json")).Exit.Should().Be(0);
        (await MlopsAsync("model", "promote", "diabetes", "--version", "1", "--to", "dev")).Exit.Should().Be(0);
        (await MlopsAsync("model", "promote", "diabetes", "--version", "1", "--to", "preprod", "--approved-by", "alice", "--reason", "qa")).Exit.Should().Be(0);
        var prod = await MlopsAsync("model", "promote", "diabetes", "--version", "1", "--to", "prod", "--approved-by", "bob", "--reason", "release");
        prod.Exit.Should().Be(0, prod.Error);
        await using var registry = await EmbeddedRegistry.OpenAsync(File(".toolkit/registry"));
        await registry.DownloadModelAsync("diabetes", 1, File("prod.tkm"));
        Toolkit.Tests.Shared.TeamCode.UseBuilt(File(".toolkit"));
        Model = ModelFile.Load(File("prod.tkm"));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    public async Task<(int Exit, string Output, string Error)> MlopsAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var exit = await CliApp.RunAsync(args, output, error, Folder);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Synthetic patients (label dropped unless asked), written by <c>mlops data synth</c>.</summary>
    public async Task<string> SynthAsync(string name, int rows, int seed, double drift = 0)
    {
        var result = await MlopsAsync("data", "synth", "--generator", "diabetes", "--rows", rows.ToString(CultureInfo.InvariantCulture),
            "--seed", seed.ToString(CultureInfo.InvariantCulture), "--drift", drift.ToString(CultureInfo.InvariantCulture), "--out", name);
        result.Exit.Should().Be(0, result.Error);
        return File(name);
    }

    /// <summary>
    /// Serves the prod model with a prediction log of every row (rotating every 64 KB), sends the rows of
    /// <paramref name="csv"/> (without the label) to <c>/invocations</c> in requests of 250, and stops the server
    /// (which drains the log). Returns the log's path.
    /// </summary>
    public Task<string> ServeAndLogAsync(string csv, string logName) =>
        PredictionTraffic.ServeAndLogAsync(Model, "diabetes", 1, csv, File(Path.Combine(logName, "predictions.jsonl")));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Toolkit.sln not found above the test folder.");
    }
}

/// <summary><c>mlops monitor</c> end to end: the prod version's profile against a real server's prediction log, or a CSV.</summary>
public sealed class MonitorEndToEndTests(MonitoredProject project) : IClassFixture<MonitoredProject>
{
    private static JsonElement Json(string output) => JsonDocument.Parse(output).RootElement;

    private static IEnumerable<string> Drifted(JsonElement report) =>
        report.GetProperty("features").EnumerateArray().Where(f => f.GetProperty("drifted").GetBoolean()).Select(f => f.GetProperty("name").GetString()!);

    [Fact]
    public async Task Monitor_LogOfUndriftedTraffic_Exit0AndEveryRotatedFileRead()
    {
        var log = await project.ServeAndLogAsync(await project.SynthAsync("live.csv", 1500, seed: 7), "log-same");

        var result = await project.MlopsAsync("monitor", "diabetes", "--stage", "prod", "--log", log, "--json");

        result.Exit.Should().Be(0, result.Error);
        Directory.GetFiles(Path.GetDirectoryName(log)!, "predictions.*.jsonl").Should().NotBeEmpty("the log rotated at 64 KB");
        var report = Json(result.Output);
        report.GetProperty("trigger").GetString().Should().Be("none");
        report.GetProperty("rows").GetInt64().Should().Be(1500, "the rotated files are read as well as the current one");
        report.GetProperty("dataset_drift").GetBoolean().Should().BeFalse();
        Drifted(report).Should().BeEmpty();
        report.GetProperty("prediction_drift").GetProperty("drifted").GetBoolean().Should().BeFalse();
        report.GetProperty("features").GetArrayLength().Should().Be(project.Model.Signature.Count);
        report.TryGetProperty("performance", out _).Should().BeFalse("no labels were given");
    }

    [Fact]
    public async Task Monitor_LogOfDriftedTraffic_Exit3NamingTheShiftedFeatures()
    {
        var log = await project.ServeAndLogAsync(await project.SynthAsync("drifted.csv", 1500, seed: 8, drift: 0.3), "log-drifted");
        var html = project.File("report/monitor.html");
        var markdown = project.File("report/monitor.md");

        var result = await project.MlopsAsync("monitor", "diabetes", "--stage", "prod", "--log", log, "--json", "--html", html, "--markdown", markdown);

        result.Exit.Should().Be(3, result.Error);
        var report = Json(result.Output);
        report.GetProperty("trigger").GetString().Should().Be("drift");
        report.GetProperty("dataset_drift").GetBoolean().Should().BeTrue();
        Drifted(report).Should().Contain(["glucose", "bmi", "age"]);
        Drifted(report).Should().NotContain(["sex", "smoking"], "the generator shifts numeric measurements only");
        report.GetProperty("prediction_drift").GetProperty("drifted").GetBoolean().Should().BeTrue("more glucose and BMI mean higher risk scores");
        result.Error.Should().Contain("trigger drift: ").And.Contain("glucose");
        report.GetProperty("reason").GetString().Should().StartWith("drift: ").And.Contain("glucose").And.EndWith("predictions");
        System.IO.File.ReadAllText(markdown).Should().Contain("**Trigger: drift**").And.Contain("glucose");
        System.IO.File.ReadAllText(html).Should().StartWith("<!DOCTYPE html>").And.Contain("glucose");
    }

    [Fact]
    public async Task Monitor_LabelsByRowOrder_PrimaryMetricAgainstTheRegisteredOne()
    {
        var live = await project.SynthAsync("labelled.csv", 1200, seed: 11);
        var log = await project.ServeAndLogAsync(live, "log-labelled");
        var flipped = project.File("flipped.csv");
        await System.IO.File.WriteAllLinesAsync(flipped, ["diabetes", .. System.IO.File.ReadLines(live).Skip(1).Select(l => l.Split(',')[^1] == "1" ? "0" : "1")]);

        var good = await project.MlopsAsync("monitor", "diabetes", "--log", log, "--labels", live, "--json");
        var bad = await project.MlopsAsync("monitor", "diabetes", "--log", log, "--labels", flipped, "--json");

        good.Exit.Should().Be(0, good.Error);
        var performance = Json(good.Output).GetProperty("performance");
        performance.GetProperty("metric").GetString().Should().Be("auc");
        performance.GetProperty("rows").GetInt32().Should().Be(1200);
        performance.GetProperty("joined_by").GetString().Should().Be("row order");
        performance.GetProperty("value").GetDouble().Should().BeGreaterThan(0.8);
        performance.GetProperty("registered").GetDouble().Should().Be(
            JsonDocument.Parse((await project.MlopsAsync("model", "show", "diabetes", "--json")).Output).RootElement
                .GetProperty("versions")[0].GetProperty("metrics").GetProperty("auc").GetDouble());
        performance.GetProperty("degraded").GetBoolean().Should().BeFalse();

        bad.Exit.Should().Be(3, bad.Error);
        Json(bad.Output).GetProperty("trigger").GetString().Should().Be("degradation");
        Json(bad.Output).GetProperty("performance").GetProperty("drop").GetDouble().Should().BeGreaterThan(0.05);
    }

    [Fact]
    public async Task Monitor_CsvOfLiveRows_ScoredByTheModelAndCompared()
    {
        var same = await project.MlopsAsync("monitor", "diabetes", "--data", await project.SynthAsync("rows.csv", 1500, seed: 21), "--json");
        var drifted = await project.MlopsAsync("monitor", "diabetes", "--data", await project.SynthAsync("rows-drifted.csv", 1500, seed: 22, drift: 0.3), "--json");

        same.Exit.Should().Be(0, same.Error);
        Json(same.Output).GetProperty("prediction_drift").GetProperty("name").GetString().Should().Be("prediction");
        Json(same.Output).GetProperty("profile_source").GetString().Should().Be($"training rows (run {project.RunId})", "the version was registered from that run");
        drifted.Exit.Should().Be(3, drifted.Error);
        Drifted(Json(drifted.Output)).Should().Contain(["glucose", "bmi", "age"]);
    }

    [Fact]
    public async Task Monitor_CsvWithoutAnInput_Exit2NamingTheFileAndTheColumns()
    {
        var path = project.File("narrow.csv");
        await System.IO.File.WriteAllLinesAsync(path, ["age,sex,bmi", "50,F,31.2"]);

        var result = await project.MlopsAsync("monitor", "diabetes", "--data", path);

        result.Exit.Should().Be(2);
        result.Error.Should().Contain("narrow.csv").And.Contain("missing glucose, hba1c").And.Contain("signature");
    }

    [Fact]
    public async Task Monitor_LogLineWithoutAnInput_Exit2NamingFileLineAndField()
    {
        var log = project.File("bad-log/predictions.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        await System.IO.File.WriteAllLinesAsync(log,
        [
            """{"time":"2026-12-01T14:03:29.1234567Z","model":"diabetes","version":1,"inputs":{"age":50,"sex":"F","bmi":31.2,"glucose":120,"hba1c":5.9,"systolic_bp":130,"diastolic_bp":85,"cholesterol":210,"smoking":"never","family_history":0,"physical_activity":3},"prediction":"0","probability":0.2}""",
            """{"time":"2026-12-01T14:03:29.1234567Z","model":"diabetes","version":1,"inputs":{"age":50,"sex":"F"},"prediction":"0","probability":0.2}""",
        ]);

        var result = await project.MlopsAsync("monitor", "diabetes", "--log", log);

        result.Exit.Should().Be(2);
        result.Error.Should().Contain("predictions.jsonl").And.Contain(":2").And.Contain("inputs.bmi");
    }

    [Fact]
    public async Task Monitor_NeitherDataNorLog_Exit2()
    {
        var result = await project.MlopsAsync("monitor", "diabetes", "--stage", "prod");

        result.Exit.Should().Be(2);
        result.Error.Should().Contain("--data").And.Contain("--log");
    }

    [Fact]
    public async Task ModelShow_RegisteredFromARun_HasAProfile()
    {
        var show = await project.MlopsAsync("model", "show", "diabetes", "--json");

        show.Exit.Should().Be(0, show.Error);
        JsonDocument.Parse(show.Output).RootElement.GetProperty("versions")[0].GetProperty("profile").GetBoolean().Should().BeTrue();
    }
}
