using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// Models of every flavor through the command line on a real project folder and its embedded registry:
/// <c>model register --file F [--flavor] --data</c> (metrics computed by us, gates applied), the flavor in
/// show/list, a registered ONNX or ML.NET version fetched for predict, and the tkm-only commands' refusals.
/// </summary>
public sealed class ModelFlavorCommandsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ModelFlavorCommandsTests()
    {
        _temp.CopyReferenceProject();
    }

    public void Dispose()
    {
        // The registry stores its files read-only.
        foreach (var file in Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _temp.Dispose();
    }

    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);

    private async Task<JsonDocument> JsonAsync(params string[] args)
    {
        var result = await Mlops(args);
        result.ExitCode.Should().Be(0, result.Error);
        return JsonDocument.Parse(result.Output);
    }

    /// <summary>A diabetes model (ours) trained on 3000 rows, and 1500 other rows held out.</summary>
    private async Task<(string Model, string HeldOut)> TrainTkmAsync()
    {
        (await Mlops("data", "synth", "--generator", "diabetes", "--rows", "3000", "--seed", "5", "--out", "train.csv")).ExitCode.Should().Be(0);
        (await Mlops("data", "synth", "--generator", "diabetes", "--rows", "1500", "--seed", "6", "--out", "heldout.csv")).ExitCode.Should().Be(0);
        var train = await Mlops("train", "--data", "train.csv", "--label", "diabetes", "--algorithm", "logistic-regression", "--out", "model.tkm");
        train.ExitCode.Should().Be(0, train.Error);
        return (_temp.File("model.tkm"), _temp.File("heldout.csv"));
    }

    private async Task<string> ExportOnnxAsync()
    {
        var export = await Mlops("model", "export", "--file", "model.tkm", "--format", "onnx", "-o", "model.onnx");
        export.ExitCode.Should().Be(0, export.Error);
        return _temp.File("model.onnx");
    }

    private static Dictionary<string, double> Metrics(JsonElement element) =>
        element.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal);

    private static string Sha256(string path) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task ModelRegister_OnnxFileWithData_RecordsFlavorAndTheMetricsEvaluateComputes()
    {
        await TrainTkmAsync();
        var onnx = await ExportOnnxAsync();

        using var registered = await JsonAsync("model", "register", "--model", "diabetes", "--file", "model.onnx", "--data", "heldout.csv", "--json");
        using var evaluated = await JsonAsync("evaluate", "--model", "model.onnx", "--data", "heldout.csv", "--json");
        using var show = await JsonAsync("model", "show", "diabetes", "--json");
        using var list = await JsonAsync("model", "list", "--json");

        registered.RootElement.GetProperty("flavor").GetString().Should().Be(ModelFlavors.Onnx);
        registered.RootElement.GetProperty("digest").GetString().Should().Be(Sha256(onnx), "an ONNX file with our metadata is registered as it is");
        registered.RootElement.GetProperty("gate_passed").GetBoolean().Should().BeTrue();
        var version = show.RootElement.GetProperty("versions")[0];
        version.GetProperty("flavor").GetString().Should().Be(ModelFlavors.Onnx);
        var expected = Metrics(evaluated.RootElement);
        expected.Should().ContainKey("auc");
        Metrics(version.GetProperty("metrics")).Should().Equal(expected);
        list.RootElement.GetProperty("models")[0].GetProperty("flavor").GetString().Should().Be(ModelFlavors.Onnx);

        // The card says so, and the stored file keeps its bytes.
        using var card = await JsonAsync("model", "card", "diabetes", "--version", "1", "--json");
        card.RootElement.GetProperty("markdown").GetString().Should().Contain("| Flavor | onnx |");
    }

    [Fact]
    public async Task Predict_RegisteredOnnxVersion_ScoresLikeTheFile()
    {
        await TrainTkmAsync();
        await ExportOnnxAsync();
        (await Mlops("model", "register", "--model", "diabetes", "--file", "model.onnx", "--data", "heldout.csv")).ExitCode.Should().Be(0);

        var fromRegistry = await Mlops("predict", "--model", "diabetes", "--model-version", "1", "--data", "heldout.csv", "--out", "registered.csv");
        var fromFile = await Mlops("predict", "--model", "model.onnx", "--data", "heldout.csv", "--out", "file.csv");

        fromRegistry.ExitCode.Should().Be(0, fromRegistry.Error);
        fromFile.ExitCode.Should().Be(0, fromFile.Error);
        File.ReadAllText(_temp.File("registered.csv")).Should().Be(File.ReadAllText(_temp.File("file.csv")));
        File.ReadAllLines(_temp.File("file.csv")).Should().HaveCount(1501);
    }

    [Fact]
    public async Task ModelRegister_TkmFileWithData_MetricsEqualEvaluateAndGatesPassed()
    {
        await TrainTkmAsync();

        using var registered = await JsonAsync("model", "register", "--model", "diabetes", "--file", "model.tkm", "--data", "heldout.csv", "--json");
        using var evaluated = await JsonAsync("evaluate", "--model", "model.tkm", "--data", "heldout.csv", "--json");
        using var show = await JsonAsync("model", "show", "diabetes", "--json");

        registered.RootElement.GetProperty("flavor").GetString().Should().Be(ModelFlavors.Tkm);
        registered.RootElement.GetProperty("gate_passed").GetBoolean().Should().BeTrue();
        var expected = Metrics(evaluated.RootElement);
        Metrics(show.RootElement.GetProperty("versions")[0].GetProperty("metrics")).Should().Equal(expected);
        show.RootElement.GetProperty("versions")[0].GetProperty("smoke_rows").GetInt32().Should().Be(20, "the held-out rows give the smoke sample");
    }

    [Fact]
    public async Task ModelRegister_BadModelOnItsHeldOutRows_IsRefusedByTheGatesWithNothingRegistered()
    {
        await TrainTkmAsync();

        // The same rows with every label flipped: the model ranks them backwards (AUC ~ 1 - its real AUC).
        var table = CsvReader.Read(_temp.File("heldout.csv"), new CsvReadOptions());
        var flipped = new DataTable(table.Columns.Select(c => c.Name == "diabetes"
            ? new Float64Column("diabetes", Enumerable.Range(0, table.RowCount).Select(i => 1 - c.GetDouble(i)).ToArray())
            : c));
        CsvWriter.Write(flipped, _temp.File("flipped.csv"));

        var result = await Mlops("model", "register", "--model", "diabetes", "--file", "model.tkm", "--data", "flipped.csv", "--json");

        result.ExitCode.Should().Be(3, result.Error);
        result.Error.Should().Contain("not registered").And.Contain("threshold:auc");
        (await Mlops("model", "show", "diabetes")).ExitCode.Should().NotBe(0, "no version was registered");
    }

    [Fact]
    public async Task ModelRegister_FlavorContradictingTheBytes_IsAUsageError()
    {
        await TrainTkmAsync();

        var result = await Mlops("model", "register", "--model", "diabetes", "--file", "model.tkm", "--flavor", "onnx", "--data", "heldout.csv");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("--flavor onnx contradicts").And.Contain("model.tkm").And.Contain("tkm model");
        Directory.Exists(_temp.File(".toolkit/registry")).Should().BeFalse("nothing is written for a refused file");
    }

    [Fact]
    public async Task ModelRegister_OnnxWithoutData_AsksForData()
    {
        await TrainTkmAsync();
        await ExportOnnxAsync();

        var result = await Mlops("model", "register", "--model", "diabetes", "--file", "model.onnx");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("onnx model").And.Contain("give --data");
    }

    [Fact]
    public async Task ModelInspectAndExport_OnnxFile_OneLineErrorNamingTheFlavor()
    {
        await TrainTkmAsync();
        await ExportOnnxAsync();

        var inspect = await Mlops("model", "inspect", "model.onnx");
        var export = await Mlops("model", "export", "--file", "model.onnx", "--format", "onnx", "-o", "again.onnx");

        foreach (var result in new[] { inspect, export })
        {
            result.ExitCode.Should().Be(2);
            result.Error.Trim().Split('\n').Should().ContainSingle();
            result.Error.Should().Contain("is a onnx model").And.Contain("reads only tkm models");
        }

        File.Exists(_temp.File("again.onnx")).Should().BeFalse();
    }

    [Fact]
    public async Task ModelRegister_PlainMlNetZipWithFlavorAndData_ImportsItAndRecordsTheOriginalDigest()
    {
        (await Mlops("data", "synth", "--generator", "diabetes", "--rows", "1500", "--seed", "6", "--out", "heldout.csv")).ExitCode.Should().Be(0);
        var zip = TrainPlainMlNet(_temp.File("team-model.zip"));

        using var registered = await JsonAsync("model", "register", "--model", "diabetes", "--file", zip, "--flavor", "mlnet", "--data", "heldout.csv", "--label", "diabetes", "--json");
        using var show = await JsonAsync("model", "show", "diabetes", "--json");

        registered.RootElement.GetProperty("flavor").GetString().Should().Be(ModelFlavors.MlNet);
        var version = show.RootElement.GetProperty("versions")[0];
        version.GetProperty("flavor").GetString().Should().Be(ModelFlavors.MlNet);
        version.GetProperty("parameters").GetProperty("imported_from").GetString().Should().Be(Sha256(zip));
        version.GetProperty("digest").GetString().Should().NotBe(Sha256(zip), "the registered file is the import (the model plus our metadata)");
        version.GetProperty("metrics").GetProperty("auc").GetDouble().Should().BeGreaterThan(0.8);

        // The registered version is fetched as a .zip and scores every held-out row.
        var predict = await Mlops("predict", "--model", "diabetes", "--model-version", "1", "--data", "heldout.csv", "--out", "p.csv");
        predict.ExitCode.Should().Be(0, predict.Error);
        File.ReadAllLines(_temp.File("p.csv")).Should().HaveCount(1501);
        await using var registry = await EmbeddedRegistry.OpenAsync(_temp.File(".toolkit/registry"));
        var stored = await registry.GetVersionAsync("diabetes", 1);
        stored!.Flavor.Should().Be(ModelFlavors.MlNet);
    }

    [Fact]
    public async Task ModelRegister_MlNetSampleShapedModelTrainedOnLabel_RegistersWithLabelOfTheFileAndPredictsLikeMlNet()
    {
        (await Mlops("data", "synth", "--generator", "diabetes", "--rows", "3000", "--seed", "5", "--out", "train.csv")).ExitCode.Should().Be(0);
        (await Mlops("data", "synth", "--generator", "diabetes", "--rows", "800", "--seed", "6", "--out", "heldout.csv")).ExitCode.Should().Be(0);
        var header = File.ReadLines(_temp.File("train.csv")).First().Split(',').ToList();

        // As ML.NET's samples do: columns loaded by position from the CSV, the label under the trainers' default name.
        var ml = new MLContext(seed: 4);
        var loader = ml.Data.CreateTextLoader(
            [
                new("Age", DataKind.Single, header.IndexOf("age")),
                new("Bmi", DataKind.Single, header.IndexOf("bmi")),
                new("Glucose", DataKind.Single, header.IndexOf("glucose")),
                new("Label", DataKind.Boolean, header.IndexOf("diabetes")),
            ],
            separatorChar: ',', hasHeader: true);
        var train = loader.Load(_temp.File("train.csv"));
        var model = ml.Transforms.ReplaceMissingValues([new("Age"), new("Bmi"), new("Glucose")])
            .Append(ml.Transforms.Concatenate("Features", "Age", "Bmi", "Glucose"))
            .Append(ml.BinaryClassification.Trainers.FastTree(numberOfTrees: 30))
            .Fit(train);
        var zip = _temp.File("sample-model.zip");
        ml.Model.Save(model, train.Schema, zip);

        var withoutLabel = await Mlops("model", "register", "--model", "diabetes", "--file", zip, "--flavor", "mlnet", "--data", "heldout.csv");
        withoutLabel.ExitCode.Should().Be(2);
        withoutLabel.Error.Should().Contain("heldout.csv").And.Contain("'Label'").And.Contain("--label");

        // The model's Age, Bmi, Glucose are the file's age, bmi, glucose; its Label is what the file calls diabetes.
        using var registered = await JsonAsync("model", "register", "--model", "diabetes", "--file", zip, "--flavor", "mlnet", "--data", "heldout.csv", "--label", "diabetes", "--json");

        registered.RootElement.GetProperty("flavor").GetString().Should().Be(ModelFlavors.MlNet);
        var predict = await Mlops("predict", "--model", "diabetes", "--model-version", "1", "--data", "heldout.csv", "--out", "p.csv");
        predict.ExitCode.Should().Be(0, predict.Error);
        var ours = File.ReadLines(_temp.File("p.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var theirs = ml.Data.CreateEnumerable<ProbabilityRow>(model.Transform(loader.Load(_temp.File("heldout.csv"))), reuseRowObject: false)
            .Select(r => (double)r.Probability).ToList();
        ours.Should().HaveCount(800).And.Equal(theirs, "the registered version scores as ML.NET does");
        theirs.Distinct().Should().HaveCountGreaterThan(20);
    }

    [Fact]
    public async Task ModelRegister_MlNetModelOnOneVectorInput_FeaturesFillItsSlotsAndPredictsLikeMlNet()
    {
        (await Mlops("data", "synth", "--generator", "diabetes", "--rows", "3000", "--seed", "5", "--out", "train.csv")).ExitCode.Should().Be(0);
        (await Mlops("data", "synth", "--generator", "diabetes", "--rows", "600", "--seed", "6", "--out", "heldout.csv")).ExitCode.Should().Be(0);
        var header = File.ReadLines(_temp.File("train.csv")).First().Split(',').ToList();

        // [LoadColumn(2, 4)] [VectorType(3)] float[] Features: bmi, glucose, hba1c as one vector, by position.
        var ml = new MLContext(seed: 4);
        var loader = ml.Data.CreateTextLoader(
            [new("Features", DataKind.Single, header.IndexOf("bmi"), header.IndexOf("hba1c")), new("Label", DataKind.Boolean, header.IndexOf("diabetes"))],
            separatorChar: ',', hasHeader: true);
        header.IndexOf("hba1c").Should().Be(header.IndexOf("bmi") + 2, "the range is bmi, glucose, hba1c");
        var model = ml.Transforms.ReplaceMissingValues("Features")
            .Append(ml.BinaryClassification.Trainers.FastTree(numberOfTrees: 20))
            .Fit(loader.Load(_temp.File("train.csv")));
        var zip = _temp.File("vector-model.zip");
        ml.Model.Save(model, loader.Load(_temp.File("train.csv")).Schema, zip);

        var guessed = await Mlops("model", "register", "--model", "diabetes", "--file", zip, "--flavor", "mlnet", "--data", "heldout.csv", "--label", "diabetes");
        guessed.ExitCode.Should().Be(2);
        guessed.Error.Should().Contain("heldout.csv").And.Contain("takes 3 values per row").And.Contain("--features");
        using var registered = await JsonAsync("model", "register", "--model", "diabetes", "--file", zip, "--flavor", "mlnet", "--data", "heldout.csv",
            "--label", "diabetes", "--features", "bmi,glucose,hba1c", "--json");

        registered.RootElement.GetProperty("version").GetInt32().Should().Be(1);
        var predict = await Mlops("predict", "--model", "diabetes", "--model-version", "1", "--data", "heldout.csv", "--out", "p.csv");
        predict.ExitCode.Should().Be(0, predict.Error);
        var ours = File.ReadLines(_temp.File("p.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var theirs = ml.Data.CreateEnumerable<ProbabilityRow>(model.Transform(loader.Load(_temp.File("heldout.csv"))), reuseRowObject: false)
            .Select(r => (double)r.Probability).ToList();
        ours.Should().HaveCount(600).And.Equal(theirs, "the slots are filled in the order --features gives");
        theirs.Distinct().Should().HaveCountGreaterThan(20);

        // Served, a v2 client may send the columns by name or the one [n, 3] tensor 'Features' as ML.NET's callers build it.
        var held = File.ReadLines(_temp.File("heldout.csv")).Take(11).Select(l => l.Split(',')).ToList();
        var slots = new[] { "bmi", "glucose", "hba1c" }.Select(n => held[0].ToList().IndexOf(n)).ToList();
        var rows = held.Skip(1).Select(r => slots.Select(j => r[j].Length == 0 ? "null" : r[j]).ToList()).ToList();
        var tensor = "{\"inputs\":[{\"name\":\"Features\",\"datatype\":\"FP32\",\"shape\":[10,3],\"data\":[" + string.Join(",", rows.Select(r => "[" + string.Join(",", r) + "]")) + "]}]}";
        var named = "{\"inputs\":[" + string.Join(",", new[] { "bmi", "glucose", "hba1c" }.Select((n, j) =>
            $"{{\"name\":\"{n}\",\"datatype\":\"FP32\",\"shape\":[10],\"data\":[{string.Join(",", rows.Select(r => r[j]))}]}}")) + "]}";
        var (fromTensor, fromColumns) = await ServedCli.WithServerAsync(_temp.Path, ["--model", "diabetes", "--model-version", "1"], async http =>
            (await ServedCli.V2ProbabilitiesAsync(http, "diabetes", tensor), await ServedCli.V2ProbabilitiesAsync(http, "diabetes", named)));

        fromTensor.Should().Equal(fromColumns).And.Equal(ours.Take(10));
    }

    /// <summary>An ML.NET model as a team trains it without the toolkit: the zip mlContext.Model.Save writes.</summary>
    private static string TrainPlainMlNet(string path)
    {
        var ml = new MLContext(seed: 3);
        var train = SyntheticData.Generate("diabetes", 3000, 2);
        var smoking = (CategoricalColumn)train["smoking"];
        var rows = Enumerable.Range(0, train.RowCount).Select(i => new Patient
        {
            age = (float)train["age"].GetDouble(i),
            bmi = (float)train["bmi"].GetDouble(i),
            glucose = (float)train["glucose"].GetDouble(i),
            hba1c = (float)train["hba1c"].GetDouble(i),
            smoking = smoking[i] ?? "",
            diabetes = train["diabetes"].GetDouble(i) == 1,
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Categorical.OneHotEncoding("smoking_onehot", "smoking")
            .Append(ml.Transforms.Concatenate("Features", "age", "bmi", "glucose", "hba1c", "smoking_onehot"))
            .Append(ml.BinaryClassification.Trainers.FastTree(labelColumnName: "diabetes", numberOfTrees: 40))
            .Fit(data);
        ml.Model.Save(model, data.Schema, path);
        return path;
    }

#pragma warning disable IDE1006, SA1300 // ML.NET maps property names to column names: these are the CSV's.
    private sealed class Patient
    {
        public float age { get; set; }

        public float bmi { get; set; }

        public float glucose { get; set; }

        public float hba1c { get; set; }

        public string smoking { get; set; } = "";

        public bool diabetes { get; set; }
    }
#pragma warning restore IDE1006, SA1300

    private sealed class ProbabilityRow
    {
        public float Probability { get; set; }
    }
}
