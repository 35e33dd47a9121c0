using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Onnx.Tests;

/// <summary>
/// Graphs whose one input is an [N, F] float or double feature tensor (what skl2onnx and onnxmltools write):
/// import names the columns that feed it (<see cref="OnnxMetadata.Features"/>), scoring packs them row-major.
/// </summary>
public sealed class FeatureTensorTests : IDisposable
{
    private static readonly float[] W = [0.75f, -1.5f, 0.5f];
    private const float B = 0.25f;

    // x1, x2, x3 and the label y: signs and sizes mixed, so a swapped column changes the score.
    private static readonly double[][] Rows =
    [
        [0.0, 0.0, 0.0, 0], [1.0, 0.5, -2.0, 1], [-2.0, 1.0, 4.0, 0], [3.5, -1.0, 0.25, 1], [0.5, 2.0, -1.0, 0], [-1.25, -0.75, 3.0, 1],
    ];

    private readonly string _folder = Directory.CreateTempSubdirectory("toolkit-onnx-wide-").FullName;

    static FeatureTensorTests() => OnnxScoring.EnsureEnvironment();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Import_LinearClassifierWithoutFeatures_TakesHeldOutColumnsButLabelInFileOrder(bool zipMap)
    {
        var csv = WriteRows("held-out.csv", ["x1", "x2", "x3", "y"]);

        var imported = OnnxFormat.Instance.Import(FeatureTensorGraphs.LinearClassifier(W, B, zipMap: zipMap), "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y" }, CancellationToken.None);
        using var onnx = OnnxFormat.Load(imported, "sk.onnx");

        Metadata(imported)[OnnxMetadata.Features].Should().Be("x1,x2,x3");
        onnx.Signature.Columns.Select(c => (c.Name, c.Type, c.Role)).Should().Equal(
            ("x1", ColumnType.Float32, ColumnRole.Feature), ("x2", ColumnType.Float32, ColumnRole.Feature), ("x3", ColumnType.Float32, ColumnRole.Feature));
        onnx.Label.Should().Be("y");
        onnx.Task.Should().Be(ModelTask.BinaryClassification);
        onnx.Classes.Should().Equal("0", "1");
        onnx.Algorithm.Should().Be("onnx:LinearClassifier");
        AssertSigmoid(onnx.Predict(CsvReader.Read(csv)));
    }

    [Fact]
    public void Import_FeaturesOption_PacksColumnsInTheGivenOrderAndFindsTheLabel()
    {
        // The file's order is not the tensor's: --features decides, and y is the one column left over.
        var csv = WriteRows("shuffled.csv", ["x3", "y", "x1", "x2"]);

        var imported = OnnxFormat.Instance.Import(
            FeatureTensorGraphs.LinearClassifier(W, B), "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Features = ["x1", "x2", "x3"] }, CancellationToken.None);
        using var onnx = OnnxFormat.Load(imported, "sk.onnx");

        onnx.Label.Should().Be("y");
        onnx.Signature.Columns.Select(c => c.Name).Should().Equal("x1", "x2", "x3");
        AssertSigmoid(onnx.Predict(CsvReader.Read(csv)));
    }

    [Fact]
    public void Import_FeatureCountDiffersFromTensorWidth_RefusesWithBothNumbersAndTheFix()
    {
        var csv = WriteRows("extra.csv", ["x1", "x2", "x3", "y"], extra: "batch");
        var graph = FeatureTensorGraphs.LinearClassifier(W, B);

        var fromFile = () => OnnxFormat.Instance.Import(graph, "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y" }, CancellationToken.None);
        var fromOption = () => OnnxFormat.Instance.Import(graph, "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y", Features = ["x1", "x2"] }, CancellationToken.None);

        fromFile.Should().Throw<DataFormatException>().WithMessage(
            $"{csv}: graph input 'float_input' of 'sk.onnx' takes 3 features per row ([N, 3]), but the file has 4 columns besides the label 'y' (x1, x2, x3, batch); give --features with the 3 columns*");
        fromOption.Should().Throw<DataFormatException>().WithMessage($"{csv}: *takes 3 features per row*but --features names 2 (x1, x2); give --features*");
    }

    [Theory]
    [InlineData("x1,x9,x3", "*column 'x9': --features names this column as a feature of 'sk.onnx', but the file has none; columns are: x1, x2, x3, y")]
    [InlineData("x1,x2,x1", "*column 'x1': --features names this column twice*")]
    [InlineData("x1,y,x3", "*column 'y': --features names the label as a feature")]
    public void Import_BadFeatureList_DataFormatExceptionNamingFileAndColumn(string features, string message)
    {
        var csv = WriteRows("held-out.csv", ["x1", "x2", "x3", "y"]);

        var import = () => OnnxFormat.Instance.Import(
            FeatureTensorGraphs.LinearClassifier(W, B), "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y", Features = features.Split(',') }, CancellationToken.None);

        import.Should().Throw<DataFormatException>().WithMessage(message).Which.File.Should().Be(csv);
    }

    [Fact]
    public void Import_NoLabelAndNoFeatures_AsksForLabel()
    {
        var csv = WriteRows("held-out.csv", ["x1", "x2", "x3", "y"]);

        var import = () => OnnxFormat.Instance.Import(FeatureTensorGraphs.LinearClassifier(W, B), "sk.onnx", new ModelImportOptions { HeldOutPath = csv }, CancellationToken.None);

        import.Should().Throw<DataFormatException>().WithMessage($"{csv}:1: 'sk.onnx' takes one feature tensor 'float_input' ([N, 3])*give --label*");
    }

    [Fact]
    public void Import_FileThatCarriesFeatures_KeepsThemAndRefusesOthers()
    {
        var csv = WriteRows("held-out.csv", ["x3", "x2", "x1", "y"]);
        var once = OnnxFormat.Instance.Import(
            FeatureTensorGraphs.LinearClassifier(W, B), "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y", Features = ["x1", "x2", "x3"] }, CancellationToken.None);

        // Without --features the recorded list holds, not the file's column order.
        var again = OnnxFormat.Instance.Import(once, "sk.onnx", new ModelImportOptions { HeldOutPath = csv }, CancellationToken.None);
        var contradicting = () => OnnxFormat.Instance.Import(once, "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Features = ["x3", "x2", "x1"] }, CancellationToken.None);

        again.Should().Equal(once);
        contradicting.Should().Throw<ModelFileException>().WithMessage("'sk.onnx' is fed by columns x1,x2,x3 (toolkit.features); --features says x3,x2,x1");
    }

    [Fact]
    public void Import_TreeClassifierWithMissingValues_FeedsNaNAndTheGraphRoutesIt()
    {
        var csv = Path.Combine(_folder, "missing.csv");
        string[] lines = ["a,b,c,y", "1,0,0,0", "3,0,1,1", ",5,0.25,0", "2,1,,1", "2.5,,0.75,0", ",,,1"];
        File.WriteAllText(csv, OnnxTestFiles.Csv(lines));

        var imported = OnnxFormat.Instance.Import(FeatureTensorGraphs.TreeClassifier(), "lgbm.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y" }, CancellationToken.None);
        using var onnx = OnnxFormat.Load(imported, "lgbm.onnx");
        var prediction = onnx.Predict(CsvReader.Read(csv));

        onnx.ScoreOutputName.Should().Be("probabilities");
        onnx.Algorithm.Should().Be("onnx:TreeEnsembleClassifier");
        for (var i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',').Select(v => v.Length == 0 ? double.NaN : double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            prediction.Scores[i - 1].Should().BeApproximately(FeatureTensorGraphs.TreeProbability(f[0], f[2]), 1e-6, $"row {i}: {lines[i]}");
        }
    }

    [Fact]
    public void Import_DoubleRegressorTensor_SignatureIsFloat64AndScoresInDouble()
    {
        double[] w = [1.0 / 3, -2.5e-7, 12345.678];
        const double b = -0.1;
        var csv = Path.Combine(_folder, "prices.csv");
        string[] lines = ["rooms,price,area,age", "3.14159265358979,100.5,0.000123456789,1e5", "-2,7,8.5,0", "0.1,3,0.2,0.3"];
        File.WriteAllText(csv, OnnxTestFiles.Csv(lines));

        var imported = OnnxFormat.Instance.Import(FeatureTensorGraphs.LinearRegressor(w, b), "ridge.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "price" }, CancellationToken.None);
        using var onnx = OnnxFormat.Load(imported, "ridge.onnx");
        var rows = CsvReader.Read(csv, new CsvReadOptions { NumericType = ColumnType.Float64 });
        var prediction = onnx.Predict(rows);

        onnx.Task.Should().Be(ModelTask.Regression);
        onnx.Signature.Columns.Select(c => (c.Name, c.Type)).Should().Equal(("rooms", ColumnType.Float64), ("area", ColumnType.Float64), ("age", ColumnType.Float64));
        for (var i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var expected = (w[0] * f[0]) + (w[1] * f[2]) + (w[2] * f[3]) + b;
            prediction.Scores[i - 1].Should().BeApproximately(expected, 1e-9 * Math.Max(1, Math.Abs(expected)), $"row {i}");
        }
    }

    [Theory]
    [InlineData(1L, false)]
    [InlineData(null, true)]
    public void Import_BatchOfOneOrSymbolicWidth_ScoresEveryRow(long? batch, bool symbolicWidth)
    {
        var csv = WriteRows("held-out.csv", ["x1", "x2", "x3", "y"]);

        var imported = OnnxFormat.Instance.Import(
            FeatureTensorGraphs.LinearClassifier(W, B, batch, symbolicWidth), "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y", Features = ["x1", "x2", "x3"] }, CancellationToken.None);
        using var onnx = OnnxFormat.Load(imported, "sk.onnx");

        AssertSigmoid(onnx.Predict(CsvReader.Read(csv)));
    }

    [Fact]
    public void Import_SymbolicWidthWithoutFeatures_HintsAtFeatures()
    {
        var csv = WriteRows("held-out.csv", ["x1", "x2", "x3", "y"]);

        var import = () => OnnxFormat.Instance.Import(
            FeatureTensorGraphs.LinearClassifier(W, B, symbolicWidth: true), "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y" }, CancellationToken.None);

        import.Should().Throw<DataFormatException>().WithMessage($"{csv}:1: column 'float_input': the file has no column 'float_input'*give --features*");
    }

    [Fact]
    public void Import_TextInAFeatureColumn_RefusesNamingLineAndColumn()
    {
        var csv = Path.Combine(_folder, "text.csv");
        File.WriteAllText(csv, OnnxTestFiles.Csv("x1,x2,x3,y", "1,2,3,0", "1,high,3,1"));

        var import = () => OnnxFormat.Instance.Import(FeatureTensorGraphs.LinearClassifier(W, B), "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y" }, CancellationToken.None);

        import.Should().Throw<DataFormatException>().Which.Message.Should().StartWith($"{csv}:3: column 'x2':").And.Contain("high");
    }

    [Fact]
    public void Predict_TextColumnForTheTensor_RefusesNamingColumnAndTensor()
    {
        var csv = WriteRows("held-out.csv", ["x1", "x2", "x3", "y"]);
        using var onnx = OnnxFormat.Load(
            OnnxFormat.Instance.Import(FeatureTensorGraphs.LinearClassifier(W, B), "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y" }, CancellationToken.None), "sk.onnx");
        var rows = CsvReader.Read(csv, new CsvReadOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["x2"] = ColumnType.Categorical } });

        var predict = () => onnx.Predict(rows);

        predict.Should().Throw<DataFormatException>().WithMessage("*column 'x2': the column holds text, but it feeds the model's numeric feature tensor 'float_input'");
    }

    [Fact]
    public void Load_FeatureTensorWithoutFeaturesMetadata_RefusesPointingToFeaturesOption()
    {
        byte[] graph = [.. FeatureTensorGraphs.LinearClassifier(W, B),
            .. OnnxModelProto.MetadataEntry(OnnxMetadata.Label, "y"), .. OnnxModelProto.MetadataEntry(OnnxMetadata.Task, "binary-classification"),
            .. OnnxModelProto.MetadataEntry(OnnxMetadata.Classes, "0,1")];

        var load = () => OnnxFormat.Load(graph, "sk.onnx");

        load.Should().Throw<ModelFileException>().WithMessage("'sk.onnx': graph input 'float_input' is a feature tensor [N, 3] and the file has no toolkit.features metadata*--features a,b,...*");
    }

    [Fact]
    public void Import_FeaturesForAGraphFedOneColumnPerInput_Refuses()
    {
        var csv = WriteRows("held-out.csv", ["x1", "x2", "x3", "y"]);

        var import = () => OnnxFormat.Instance.Import(
            OnnxTestFiles.LinearClassifier(1, 2, 0, zipMap: false), "cols.onnx", new ModelImportOptions { HeldOutPath = csv, Features = ["x1", "x2"] }, CancellationToken.None);

        import.Should().Throw<ModelFileException>().WithMessage("'cols.onnx': --features names the columns of a graph's one [N, F]*inputs are x1 (a float tensor [N, 1]), x2 (a float tensor [N, 1])*");
    }

    [OnnxCheckerFact]
    public void FeatureTensorGraphs_AsWrittenAndImported_PassOnnxChecker()
    {
        var csv = WriteRows("held-out.csv", ["x1", "x2", "x3", "y"]);
        var graphs = new Dictionary<string, byte[]>
        {
            ["linear"] = FeatureTensorGraphs.LinearClassifier(W, B, zipMap: false),
            ["linear-symbolic"] = FeatureTensorGraphs.LinearClassifier(W, B, symbolicWidth: true, zipMap: false),
            ["tree"] = FeatureTensorGraphs.TreeClassifier(),
            ["regressor"] = FeatureTensorGraphs.LinearRegressor([1, 2, 3], 0.5),
            ["zipmap"] = FeatureTensorGraphs.LinearClassifier(W, B),
        };
        graphs["linear-imported"] = OnnxFormat.Instance.Import(graphs["linear"], "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y" }, CancellationToken.None);
        graphs["zipmap-imported"] = OnnxFormat.Instance.Import(graphs["zipmap"], "sk.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "y" }, CancellationToken.None);

        foreach (var (name, bytes) in graphs)
        {
            var path = Path.Combine(_folder, name + ".onnx");
            File.WriteAllBytes(path, bytes);

            // Full shape and type inference, except for the ZipMap graphs (see CheckStructure).
            var (exitCode, output) = name.StartsWith("zipmap", StringComparison.Ordinal) ? OnnxChecker.CheckStructure(path) : OnnxChecker.Check(path);

            exitCode.Should().Be(0, $"onnx.checker on {name}: {output}");
        }
    }

    private static void AssertSigmoid(Prediction prediction)
    {
        prediction.Scores.Should().HaveCount(Rows.Length);
        for (var i = 0; i < Rows.Length; i++)
        {
            var r = Rows[i];
            var expected = 1 / (1 + Math.Exp(-((W[0] * r[0]) + (W[1] * r[1]) + (W[2] * r[2]) + B)));
            prediction.Scores[i].Should().BeApproximately(expected, 1e-6, $"row {i + 1}");
            prediction.Classes![i].Should().Be(expected >= 0.5 ? "1" : "0");
        }
    }

    private static Dictionary<string, string> Metadata(byte[] onnx) =>
        OnnxModelProto.Parse(onnx).Metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);

    /// <summary><see cref="Rows"/> as CSV with the columns in <paramref name="order"/> (of x1, x2, x3, y), and optionally one more column.</summary>
    private string WriteRows(string name, string[] order, string? extra = null)
    {
        string[] all = ["x1", "x2", "x3", "y"];
        var header = string.Join(",", order) + (extra is null ? "" : "," + extra);
        var lines = Rows.Select((r, i) => string.Join(",", order.Select(c => r[Array.IndexOf(all, c)].ToString(CultureInfo.InvariantCulture)))
            + (extra is null ? "" : "," + i.ToString(CultureInfo.InvariantCulture)));
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, OnnxTestFiles.Csv([header, .. lines]));
        return path;
    }
}
