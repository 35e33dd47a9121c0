using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Toolkit.Cli;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Cli.Commands;
using Toolkit.Models;
using Toolkit.Monitoring.Live;
using Toolkit.Monitoring.Profiles;
using Toolkit.Registry;
using Toolkit.Registry.Embedded;

namespace Toolkit.Monitoring.Tests;

/// <summary>
/// One project holding a model of every flavor and every way in, each in dev with the diabetes policy:
/// <c>mlrun</c> (ML.NET LightGBM from a pipeline run), <c>mlfile</c> (a plain ML.NET zip trained outside the toolkit,
/// <c>register --file --flavor mlnet --data</c>), <c>onnx</c> (an ONNX export, <c>--file --flavor onnx --data</c>) and
/// <c>tkm</c> (ours, <c>--file --data</c>, the file the ONNX one was exported from). Every step an in-process <c>mlops</c>.
/// </summary>
public sealed class FlavorProject : IAsyncLifetime
{
    public static readonly string[] Models = ["mlrun", "mlfile", "onnx", "tkm"];

    /// <summary>A small pipeline whose only trainer is ML.NET's: the version it registers is an mlnet zip.</summary>
    private const string MlNetPipeline = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: mlrun
        steps:
          - name: ingest
            uses: data/synthesize
            with: { generator: diabetes, rows: 3000, seed: 42 }
          - name: split
            uses: data/split
            inputs: { dataset: ingest.dataset }
            with: { test_fraction: 0.3, stratify: diabetes, seed: 42 }
          - name: train-mlnet
            uses: train/mlnet-lightgbm
            inputs: { train: split.train }
            with: { label: diabetes, seed: 1, rounds: 100, learning_rate: 0.05, num_leaves: 15 }
          - name: evaluate
            uses: evaluate/classification
            inputs: { models: [train-mlnet.model], test: split.test }
            with: { metric: auc }
          - name: select
            uses: select/best
            inputs: { models: [train-mlnet.model], report: evaluate.report }
        """;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "toolkit-monitor-flavor-tests", Guid.NewGuid().ToString("N"));

    public string File(string name) => Path.Combine(Folder, name);

    /// <summary>The rows given as <c>--data</c> to every file registration.</summary>
    public string HeldOut => File("heldout.csv");

    /// <summary>Live rows from the training population, and from the shifted one (drift 0.3), both labelled.</summary>
    public string Live => File("live.csv");

    public string Shifted => File("shifted.csv");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(File("pipelines"));
        var policy = await System.IO.File.ReadAllTextAsync(Path.Combine(MonitoredProject.RepositoryRoot, "models/diabetes/model.yaml"));
        foreach (var model in Models)
        {
            Directory.CreateDirectory(File("models/" + model));
            await System.IO.File.WriteAllTextAsync(File($"models/{model}/model.yaml"), policy.Replace("name: diabetes", "name: " + model, StringComparison.Ordinal));
        }

        await System.IO.File.WriteAllTextAsync(File("toolkit.yaml"), "store: .toolkit\n");
        await System.IO.File.WriteAllTextAsync(File("pipelines/mlrun.yaml"), MlNetPipeline);
        await SynthAsync("train.csv", 3000, 5);
        await SynthAsync("heldout.csv", 1500, 6);
        await SynthAsync("live.csv", 1500, 7);
        await SynthAsync("shifted.csv", 1500, 8, drift: 0.3);

        var run = await Ok("pipeline", "run", "pipelines/mlrun.yaml", "--json");
        var runId = JsonDocument.Parse(run).RootElement.GetProperty("run_id").GetString()!;
        await Ok("model", "register", "--model", "mlrun", "--run", runId);

        TrainPlainMlNet(File("train.csv"), File("team-model.zip"));
        await Ok("model", "register", "--model", "mlfile", "--file", "team-model.zip", "--flavor", "mlnet", "--data", "heldout.csv", "--label", "diabetes");

        await Ok("train", "--data", "train.csv", "--label", "diabetes", "--algorithm", "logistic-regression", "--out", "model.tkm");
        await Ok("model", "export", "--file", "model.tkm", "--format", "onnx", "-o", "model.onnx");
        await Ok("model", "register", "--model", "onnx", "--file", "model.onnx", "--flavor", "onnx", "--data", "heldout.csv");
        await Ok("model", "register", "--model", "tkm", "--file", "model.tkm", "--data", "heldout.csv");

        foreach (var model in Models)
        {
            await Ok("model", "promote", model, "--version", "1", "--to", "dev");
        }
    }

    public Task DisposeAsync()
    {
        foreach (var file in Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories))
        {
            System.IO.File.SetAttributes(file, FileAttributes.Normal);
        }

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

    /// <summary>The dev version of <paramref name="model"/> as the registry holds it, loaded by its flavor.</summary>
    public async Task<IScoringModel> LoadAsync(string model)
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(File(".toolkit/registry"));
        var version = await registry.GetVersionAsync(model, 1);
        var path = File(ModelFileNames.Of(version!));
        await registry.DownloadModelAsync(model, 1, path);
        return ModelLoader.Load(path);
    }

    internal async Task<ReferenceProfile> ProfileAsync(string model)
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(File(".toolkit/registry"));
        return ProfileJson.Deserialize((await registry.GetProfileAsync(model, 1))!, model);
    }

    private async Task<string> Ok(params string[] args)
    {
        var result = await MlopsAsync(args);
        result.Exit.Should().Be(0, $"mlops {string.Join(' ', args)}: {result.Error}");
        return result.Output;
    }

    private Task<string> SynthAsync(string name, int rows, int seed, double drift = 0) =>
        Ok("data", "synth", "--generator", "diabetes", "--rows", rows.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture),
            "--drift", drift.ToString(CultureInfo.InvariantCulture), "--out", name);

    /// <summary>A model as a team trains it with ML.NET alone: its own columns (a subset, float and text), saved by mlContext.Model.Save.</summary>
    private static void TrainPlainMlNet(string csv, string path)
    {
        var table = CsvReader.Read(csv);
        var sex = (CategoricalColumn)table["sex"];
        var smoking = (CategoricalColumn)table["smoking"];
        var rows = Enumerable.Range(0, table.RowCount).Select(i => new Patient
        {
            age = (float)table["age"].GetDouble(i),
            bmi = (float)table["bmi"].GetDouble(i),
            glucose = (float)table["glucose"].GetDouble(i),
            hba1c = (float)table["hba1c"].GetDouble(i),
            systolic_bp = (float)table["systolic_bp"].GetDouble(i),
            sex = sex[i] ?? "",
            smoking = smoking[i] ?? "",
            diabetes = table["diabetes"].GetDouble(i) == 1,
        }).ToList();
        var ml = new MLContext(seed: 4);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Categorical.OneHotEncoding([new("sex_onehot", "sex"), new("smoking_onehot", "smoking")])
            .Append(ml.Transforms.Concatenate("Features", "age", "bmi", "glucose", "hba1c", "systolic_bp", "sex_onehot", "smoking_onehot"))
            .Append(ml.Transforms.ReplaceMissingValues("Features", replacementMode: Microsoft.ML.Transforms.MissingValueReplacingEstimator.ReplacementMode.Mean))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: "diabetes"))
            .Fit(data);
        ml.Model.Save(model, data.Schema, path);
    }

#pragma warning disable IDE1006, SA1300 // ML.NET maps property names to column names: these are the CSV's.
    private sealed class Patient
    {
        public float age { get; set; }

        public float bmi { get; set; }

        public float glucose { get; set; }

        public float hba1c { get; set; }

        public float systolic_bp { get; set; }

        public string sex { get; set; } = "";

        public string smoking { get; set; } = "";

        public bool diabetes { get; set; }
    }
#pragma warning restore IDE1006, SA1300
}

/// <summary><c>mlops monitor</c> on every flavor and every way a version comes in: the same drift verdicts a tkm version gets.</summary>
public sealed class MonitorFlavorsTests(FlavorProject project) : IClassFixture<FlavorProject>
{
    public static TheoryData<string> Models => [.. FlavorProject.Models];

    private static JsonElement Json(string output) => JsonDocument.Parse(output).RootElement;

    private static List<string> Drifted(JsonElement report) =>
        [.. report.GetProperty("features").EnumerateArray().Where(f => f.GetProperty("drifted").GetBoolean()).Select(f => f.GetProperty("name").GetString()!)];

    /// <summary>Every statistic of every feature and of the predictions is a number (a report of nulls or NaN is no report).</summary>
    private static void EveryStatisticIsANumber(JsonElement report)
    {
        foreach (var f in report.GetProperty("features").EnumerateArray().Append(report.GetProperty("prediction_drift")))
        {
            foreach (var key in new[] { "statistic", "p_value", "psi" })
            {
                f.GetProperty(key).ValueKind.Should().Be(JsonValueKind.Number, $"{f.GetProperty("name").GetString()}.{key}");
                double.IsFinite(f.GetProperty(key).GetDouble()).Should().BeTrue();
            }
        }
    }

    private static string ExpectedSource(string model) => model == "mlrun" ? "training rows (run " : VersionProfiles.HeldOutDataSource;

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Monitor_UnshiftedLiveRows_NoTriggerAndEveryInputCompared(string model)
    {
        var signature = (await project.LoadAsync(model)).Signature;

        var result = await project.MlopsAsync("monitor", model, "--stage", "dev", "--data", project.Live, "--json");

        result.Exit.Should().Be(0, result.Error);
        var report = Json(result.Output);
        report.GetProperty("trigger").GetString().Should().Be("none");
        Drifted(report).Should().BeEmpty();
        report.GetProperty("prediction_drift").GetProperty("drifted").GetBoolean().Should().BeFalse();
        report.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("name").GetString())
            .Should().Equal(signature.Columns.Select(c => c.Name), "every input of the version is compared, whatever its flavor");
        report.GetProperty("profile_source").GetString().Should().StartWith(ExpectedSource(model));
        EveryStatisticIsANumber(report);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Monitor_ShiftedLiveRows_Exit3WithFeatureAndPredictionDrift(string model)
    {
        var result = await project.MlopsAsync("monitor", model, "--stage", "dev", "--data", project.Shifted, "--json");

        result.Exit.Should().Be(3, result.Error);
        var report = Json(result.Output);
        report.GetProperty("trigger").GetString().Should().Be("drift");
        report.GetProperty("dataset_drift").GetBoolean().Should().BeTrue();
        Drifted(report).Should().Contain(["age", "bmi", "glucose"]).And.NotContain(["sex", "smoking"], "the generator shifts measurements only");
        report.GetProperty("prediction_drift").GetProperty("drifted").GetBoolean().Should().BeTrue("an older, heavier population scores higher on every model");
        report.GetProperty("reason").GetString().Should().StartWith("drift: ").And.EndWith("predictions");
        EveryStatisticIsANumber(report);
    }

    [Theory]
    [InlineData("onnx")]
    [InlineData("mlrun")]
    public async Task Monitor_ShiftedLiveRows_SameFeatureVerdictsAsTheTkmVersion(string model)
    {
        var tkm = Json((await project.MlopsAsync("monitor", "tkm", "--stage", "dev", "--data", project.Shifted, "--json")).Output);
        var other = Json((await project.MlopsAsync("monitor", model, "--stage", "dev", "--data", project.Shifted, "--json")).Output);

        Drifted(other).Should().Equal(Drifted(tkm), "the same inputs and live rows; only the flavor (and for mlrun the reference rows) differ");
        other.GetProperty("drifted_share").GetDouble().Should().Be(tkm.GetProperty("drifted_share").GetDouble());
    }

    [Fact]
    public async Task Monitor_OnnxExportOfTheTkm_SameFeatureStatisticsAndPredictionDriftWithinScoringTolerance()
    {
        var tkm = Json((await project.MlopsAsync("monitor", "tkm", "--stage", "dev", "--data", project.Shifted, "--json")).Output);
        var onnx = Json((await project.MlopsAsync("monitor", "onnx", "--stage", "dev", "--data", project.Shifted, "--json")).Output);

        // Both profiles are of heldout.csv, so the inputs' statistics agree; the scores differ only by ONNX Runtime's float arithmetic.
        var tkmFeatures = tkm.GetProperty("features").EnumerateArray().ToList();
        var onnxFeatures = onnx.GetProperty("features").EnumerateArray().ToList();
        onnxFeatures.Select(f => f.GetProperty("name").GetString()).Should().Equal(tkmFeatures.Select(f => f.GetProperty("name").GetString()));
        for (var i = 0; i < tkmFeatures.Count; i++)
        {
            onnxFeatures[i].GetProperty("psi").GetDouble().Should().BeApproximately(tkmFeatures[i].GetProperty("psi").GetDouble(), 1e-3, tkmFeatures[i].GetProperty("name").GetString());
            onnxFeatures[i].GetProperty("statistic").GetDouble().Should().BeApproximately(tkmFeatures[i].GetProperty("statistic").GetDouble(), 1e-3);
        }

        var p = onnx.GetProperty("prediction_drift");
        var q = tkm.GetProperty("prediction_drift");
        p.GetProperty("statistic").GetDouble().Should().BeApproximately(q.GetProperty("statistic").GetDouble(), 2e-3);
        p.GetProperty("psi").GetDouble().Should().BeApproximately(q.GetProperty("psi").GetDouble(), 1e-2);
        p.GetProperty("wasserstein").GetDouble().Should().BeApproximately(q.GetProperty("wasserstein").GetDouble(), 1e-4);
    }

    [Theory]
    [InlineData("mlfile")]
    [InlineData("onnx")]
    public async Task Monitor_ImportedVersionWithLabels_MetricAgainstTheRegisteredOneAndDegradationOnFlippedLabels(string model)
    {
        var flipped = project.File($"flipped-{model}.csv");
        var lines = System.IO.File.ReadAllLines(project.Live);
        var label = Array.IndexOf(lines[0].Split(','), "diabetes");
        await System.IO.File.WriteAllLinesAsync(flipped, ["diabetes", .. lines.Skip(1).Select(l => l.Split(',')[label] == "1" ? "0" : "1")]);
        var show = Json((await project.MlopsAsync("model", "show", model, "--json")).Output);

        var good = await project.MlopsAsync("monitor", model, "--stage", "dev", "--data", project.Live, "--labels", project.Live, "--json");
        var bad = await project.MlopsAsync("monitor", model, "--stage", "dev", "--data", project.Live, "--labels", flipped, "--json");

        good.Exit.Should().Be(0, good.Error);
        var performance = Json(good.Output).GetProperty("performance");
        var registered = show.GetProperty("versions")[0].GetProperty("metrics").GetProperty("auc").GetDouble();
        performance.GetProperty("registered").GetDouble().Should().Be(registered, "the metric computed on --data at registration");
        performance.GetProperty("value").GetDouble().Should().BeApproximately(registered, 0.05, "live rows of the same population");
        performance.GetProperty("rows").GetInt32().Should().Be(1500);
        performance.GetProperty("degraded").GetBoolean().Should().BeFalse();

        bad.Exit.Should().Be(3, bad.Error);
        var degraded = Json(bad.Output);
        degraded.GetProperty("trigger").GetString().Should().Be("degradation");
        degraded.GetProperty("performance").GetProperty("value").GetDouble().Should().BeApproximately(1 - performance.GetProperty("value").GetDouble(), 1e-9);
    }

    [Fact]
    public async Task Monitor_PredictionLogOfTheServedImportedMlNetVersion_DriftOnShiftedTrafficOnly()
    {
        var served = await project.LoadAsync("mlfile");
        served.Flavor.Should().Be(ModelFlavors.MlNet);
        var liveLog = await PredictionTraffic.ServeAndLogAsync(served, "mlfile", 1, project.Live, project.File("log-live/predictions.jsonl"));
        var shiftedLog = await PredictionTraffic.ServeAndLogAsync(served, "mlfile", 1, project.Shifted, project.File("log-shifted/predictions.jsonl"));

        var same = await project.MlopsAsync("monitor", "mlfile", "--stage", "dev", "--log", liveLog, "--labels", project.Live, "--json");
        var shifted = await project.MlopsAsync("monitor", "mlfile", "--stage", "dev", "--log", shiftedLog, "--json");
        var fromCsv = await project.MlopsAsync("monitor", "mlfile", "--stage", "dev", "--data", project.Shifted, "--json");

        same.Exit.Should().Be(0, same.Error);
        Json(same.Output).GetProperty("rows").GetInt64().Should().Be(1500);
        Json(same.Output).GetProperty("performance").GetProperty("degraded").GetBoolean().Should().BeFalse();
        shifted.Exit.Should().Be(3, shifted.Error);
        var fromLog = Json(shifted.Output);
        Drifted(fromLog).Should().Contain(["age", "bmi", "glucose"]);
        fromLog.GetProperty("prediction_drift").GetProperty("drifted").GetBoolean().Should().BeTrue();

        // The server's logged probabilities are the scores monitor computes itself from the CSV: one scoring path per flavor.
        var csvDrift = Json(fromCsv.Output).GetProperty("prediction_drift");
        fromLog.GetProperty("prediction_drift").GetProperty("statistic").GetDouble().Should().Be(csvDrift.GetProperty("statistic").GetDouble());
        fromLog.GetProperty("prediction_drift").GetProperty("psi").GetDouble().Should().BeApproximately(csvDrift.GetProperty("psi").GetDouble(), 1e-12);
    }

    [Theory]
    [InlineData("mlfile")]
    [InlineData("onnx")]
    [InlineData("tkm")]
    public async Task ModelRegister_FileWithData_StoresTheProfileOfTheHeldOutRowsAndTheirScores(string model)
    {
        var profile = await project.ProfileAsync(model);
        var scoring = await project.LoadAsync(model);
        var heldOut = ModelInputs.Read(scoring, project.HeldOut, withLabel: false, CancellationToken.None);
        var show = Json((await project.MlopsAsync("model", "show", model, "--json")).Output).GetProperty("versions")[0];

        show.GetProperty("profile").GetBoolean().Should().BeTrue();
        show.GetProperty("parameters").GetProperty("profile_source").GetString().Should().Be("held-out data (--data)");
        profile.Source.Should().Be("held-out data (--data)");
        profile.Rows.Should().Be(1500);
        profile.Features.Select(f => f.Name).Should().Equal(scoring.Signature.Columns.Select(c => c.Name));

        // The predictions' profile is of the version's own scores on those rows, through its flavor's scoring.
        var scores = scoring.Predict(heldOut).Scores;
        var expected = ProfileBuilder.Scores(MonitorService.ScoreName, scores, new ProfileOptions());
        profile.Predictions!.Numeric!.Mean.Should().BeApproximately(expected.Numeric!.Mean, 1e-12);
        profile.Predictions.Numeric.Edges.Should().Equal(expected.Numeric.Edges);
        profile.Predictions.Numeric.BinCounts.Should().Equal(expected.Numeric.BinCounts);
    }
}
