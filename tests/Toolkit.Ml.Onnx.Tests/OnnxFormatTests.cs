using System.Security.Cryptography;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Data.Splits;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Models;
using Xunit.Abstractions;

namespace Toolkit.Ml.Onnx.Tests;

public sealed class OnnxFormatTests(ITestOutputHelper output) : IDisposable
{
    private static readonly Dictionary<string, Dictionary<string, string>> SmallParameters = new()
    {
        ["gradient-boosting"] = new() { ["rounds"] = "40", ["max_depth"] = "5" },
        ["random-forest"] = new() { ["trees"] = "25", ["max_depth"] = "8" },
    };

    private readonly string _folder = CreateFolder();

    static OnnxFormatTests() => OnnxScoring.EnsureEnvironment();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("diabetes", "gradient-boosting")]
    [InlineData("diabetes", "random-forest")]
    [InlineData("diabetes", "logistic-regression")]
    [InlineData("housing", "gradient-boosting")]
    [InlineData("housing", "random-forest")]
    [InlineData("housing", "ridge")]
    [InlineData("housing", "lasso")]
    [InlineData("housing", "elastic-net")]
    public void Read_ExportedReferenceModel_PredictsLikeTheTkmModel(string generator, string algorithm)
    {
        var (model, heldOut) = Train(generator, algorithm);
        var bytes = OnnxExporter.Export(model);

        using var onnx = (OnnxModel)OnnxFormat.Instance.Read(new MemoryStream(bytes), "model.onnx");

        onnx.Flavor.Should().Be(ModelFlavors.Onnx);
        onnx.Algorithm.Should().Be(model.Algorithm);
        onnx.Task.Should().Be(model.Task);
        onnx.Label.Should().Be(model.Label);
        AssertSameClasses(model, onnx);
        onnx.Signature.Columns.Select(c => (c.Name, c.Type)).Should().Equal(model.Signature.Columns.Select(c => (c.Name, c.Type)));
        onnx.Digest.Should().Be("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
        onnx.EncodeLabel(heldOut.WithLabel(model.Label)).Should().Equal(model.EncodeLabel(heldOut.WithLabel(model.Label)));
        AssertPredictsLike(model, onnx, heldOut);
    }

    [Fact]
    public void Load_OnnxAndTkmFiles_ModelLoaderRecognisesEachFlavorByItsBytes()
    {
        var (model, heldOut) = Train("diabetes", "logistic-regression");
        var tkm = Path.Combine(_folder, "model.tkm");
        ModelFile.Save(model, tkm);
        // The name says tkm, the bytes say ONNX: the bytes decide.
        var onnx = Path.Combine(_folder, "exported.tkm");
        OnnxExporter.Export(model, onnx);

        var loadedTkm = ModelLoader.Load(tkm);
        var loadedOnnx = ModelLoader.Load(onnx);

        loadedTkm.Flavor.Should().Be(ModelFlavors.Tkm);
        loadedOnnx.Flavor.Should().Be(ModelFlavors.Onnx);
        loadedOnnx.Digest.Should().Be("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(onnx))));
        loadedOnnx.Predict(heldOut).Classes.Should().Equal(loadedTkm.Predict(heldOut).Classes);
    }

    [Fact]
    public void Recognizes_OtherFilesStarts_OnlyClaimsModelProto()
    {
        var (model, _) = Train("housing", "ridge");
        var onnx = OnnxExporter.Export(model);

        OnnxFormat.Instance.Recognizes(onnx.AsSpan(0, ModelFormats.HeadBytes)).Should().BeTrue();
        foreach (var other in new[] { "TKM 1 sha256:00"u8.ToArray(), [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00], "age,bmi\n1,2\n"u8.ToArray(), "{\"a\":1}"u8.ToArray(), [], [0x08], [0x08, 0x00, 0x12], [0x08, 0x08, 0x0a] })
        {
            OnnxFormat.Instance.Recognizes(other).Should().BeFalse($"bytes {Convert.ToHexString(other)} are no ModelProto start");
        }
    }

    [Fact]
    public void Read_TruncatedFile_RefusesNamingFileAndByte()
    {
        var (model, _) = Train("diabetes", "gradient-boosting");
        var onnx = OnnxExporter.Export(model);

        var read = () => OnnxFormat.Instance.Read(new MemoryStream(onnx[..(onnx.Length / 2)]), "half.onnx");

        read.Should().Throw<ModelFileException>().WithMessage("'half.onnx' is not a valid ONNX model: field * at byte * (truncated?).");
    }

    [Theory]
    [InlineData(new byte[] { 0x08, 0x08, 0x3a, 0x05, 0x12, 0x03, 0x61, 0x62 }, "*'garbage.onnx' is not a valid ONNX model*truncated*")]
    [InlineData(new byte[] { 0x08, 0x08, 0x12, 0x02, 0x61, 0x62 }, "*'garbage.onnx' is not a valid ONNX model: it has no graph.")]
    [InlineData(new byte[] { 0x08, 0x08, 0x3a, 0x00 }, "*'garbage.onnx' is not a valid ONNX model: it imports no operator set*")]
    [InlineData(new byte[] { 0x08, 0x08, 0x3a, 0x00, 0x42, 0x02, 0x10, 0x11, 0x0f }, "*'garbage.onnx' is not a valid ONNX model*wire type 7*")]
    public void Read_GarbageModelProto_RefusesWithClearMessage(byte[] bytes, string message)
    {
        var read = () => ModelLoader.Read(new MemoryStream(bytes), "garbage.onnx");

        read.Should().Throw<ModelFileException>().WithMessage(message);
    }

    [Fact]
    public void Read_GraphOnnxRuntimeRefuses_ModelFileExceptionWithOrtMessageOnOneLine()
    {
        // Well-formed protobuf, but the node's operator does not exist.
        var graph = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "x").String(2, "y").String(4, "NoSuchOperator"))
            .String(2, "g")
            .Message(11, new ProtoWriter().String(1, "x").Message(2, new ProtoWriter().Message(1, new ProtoWriter().Int(1, 1))))
            .Message(12, new ProtoWriter().String(1, "y").Message(2, new ProtoWriter().Message(1, new ProtoWriter().Int(1, 1))));
        var bytes = new ProtoWriter().Int(1, 8).Message(7, graph).Message(8, new ProtoWriter().String(1, "").Int(2, 17)).ToArray();

        var read = () => OnnxFormat.Instance.Read(new MemoryStream(bytes), "bad-op.onnx");

        var error = read.Should().Throw<ModelFileException>().WithMessage("'bad-op.onnx' cannot be loaded by ONNX Runtime: *NoSuchOperator*").Which;
        error.Message.Should().NotContain("\n");
    }

    [Fact]
    public void Read_FileWithoutToolkitMetadata_RefusesPointingToRegister()
    {
        var (model, _) = Train("housing", "ridge");
        var bare = OnnxTestFiles.WithoutMetadata(OnnxExporter.Export(model));

        var read = () => OnnxFormat.Instance.Read(new MemoryStream(bare), "bare.onnx");

        read.Should().Throw<ModelFileException>().WithMessage("'bare.onnx' has no toolkit.label metadata*--flavor onnx --data*");
    }

    [Theory]
    [InlineData("diabetes", "gradient-boosting")]
    [InlineData("housing", "random-forest")]
    public void Import_ExportWithoutMetadata_AddsLabelTaskClassesAndScoresLikeTheOriginal(string generator, string algorithm)
    {
        var (model, heldOut) = Train(generator, algorithm);
        var bare = OnnxTestFiles.WithoutMetadata(OnnxExporter.Export(model));
        var csv = WriteCsv(heldOut, "held-out.csv");

        var imported = OnnxFormat.Instance.Import(bare, "bare.onnx", new ModelImportOptions { HeldOutPath = csv }, CancellationToken.None);

        imported.AsSpan(0, bare.Length).SequenceEqual(bare).Should().BeTrue("the import appends metadata to the original bytes");
        using var onnx = OnnxFormat.Load(imported, "imported.onnx");
        onnx.Label.Should().Be(model.Label);
        onnx.Task.Should().Be(model.Task);
        AssertSameClasses(model, onnx);
        AssertPredictsLike(model, onnx, heldOut);
    }

    [Fact]
    public void Import_FileWithOurMetadata_ReturnsTheSameBytes()
    {
        var (model, heldOut) = Train("diabetes", "logistic-regression");
        var bytes = OnnxExporter.Export(model);

        var imported = OnnxFormat.Instance.Import(bytes, "model.onnx", new ModelImportOptions { HeldOutPath = WriteCsv(heldOut, "h.csv") }, CancellationToken.None);

        imported.Should().Equal(bytes);
    }

    [Fact]
    public void Import_LabelContradictingMetadata_Refuses()
    {
        var (model, heldOut) = Train("diabetes", "logistic-regression");
        var options = new ModelImportOptions { HeldOutPath = WriteCsv(heldOut, "h.csv"), Label = "age" };

        var import = () => OnnxFormat.Instance.Import(OnnxExporter.Export(model), "model.onnx", options, CancellationToken.None);

        import.Should().Throw<ModelFileException>().WithMessage("'model.onnx' predicts 'diabetes'*--label says 'age'");
    }

    [Fact]
    public void Import_HeldOutWithTwoColumnsTheModelDoesNotTake_AsksForLabel()
    {
        var (model, heldOut) = Train("housing", "ridge");
        var bare = OnnxTestFiles.WithoutMetadata(OnnxExporter.Export(model));
        var csv = WriteCsv(heldOut.With(new Float32Column("extra", new float[heldOut.RowCount])), "two.csv");

        var import = () => OnnxFormat.Instance.Import(bare, "bare.onnx", new ModelImportOptions { HeldOutPath = csv }, CancellationToken.None);

        import.Should().Throw<DataFormatException>().WithMessage($"{csv}:1: cannot tell which column is the label*price, extra*give --label");
    }

    [Fact]
    public void Import_HeldOutMissingAnInput_RefusesNamingFileAndColumn()
    {
        var (model, heldOut) = Train("housing", "ridge");
        var bare = OnnxTestFiles.WithoutMetadata(OnnxExporter.Export(model));
        var kept = heldOut.Columns.Where(c => c.Name != "rooms").ToList();
        var csv = WriteCsv(new DataTable(kept), "no-rooms.csv");

        var import = () => OnnxFormat.Instance.Import(bare, "bare.onnx", new ModelImportOptions { HeldOutPath = csv, Label = "price" }, CancellationToken.None);

        import.Should().Throw<DataFormatException>().WithMessage($"{csv}: column 'rooms':*does not exist*");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Import_OnnxMlLinearClassifier_ScoresPositiveClassProbability(bool zipMap)
    {
        const float w1 = 0.75f, w2 = -1.5f, b = 0.25f;
        var bytes = OnnxTestFiles.LinearClassifier(w1, w2, b, zipMap);
        var x1 = new[] { 0.0f, 1.0f, -2.0f, 3.5f };
        var x2 = new[] { 0.0f, 0.5f, 1.0f, -1.0f };
        var csv = Path.Combine(_folder, "linear.csv");
        File.WriteAllText(csv, OnnxTestFiles.Csv(["x1,x2,y", .. x1.Select((v, i) => FormattableString.Invariant($"{v},{x2[i]},{i % 2}"))]));

        var imported = OnnxFormat.Instance.Import(bytes, "linear.onnx", new ModelImportOptions { HeldOutPath = csv }, CancellationToken.None);
        using var onnx = OnnxFormat.Load(imported, "linear.onnx");
        var prediction = onnx.Predict(CsvReader.Read(csv));

        onnx.Task.Should().Be(ModelTask.BinaryClassification);
        onnx.Label.Should().Be("y");
        onnx.Classes.Should().Equal("0", "1");
        onnx.Algorithm.Should().Be("onnx:LinearClassifier");
        onnx.ScoreOutputName.Should().Be(zipMap ? "output_probability" : "probabilities");
        for (var i = 0; i < x1.Length; i++)
        {
            var expected = 1 / (1 + Math.Exp(-((w1 * x1[i]) + (w2 * x2[i]) + b)));
            prediction.Scores[i].Should().BeApproximately(expected, 1e-6, $"row {i + 1}");
            prediction.Classes![i].Should().Be(expected >= 0.5 ? "1" : "0");
        }
    }

    [Fact]
    public void Predict_ConcurrentCallsOnOneModel_GiveTheSameScores()
    {
        var (model, heldOut) = Train("diabetes", "gradient-boosting");
        using var onnx = OnnxFormat.Load(OnnxExporter.Export(model), "model.onnx");
        var expected = onnx.Predict(heldOut).Scores;

        var results = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(4).Select(_ => onnx.Predict(heldOut).Scores).ToList();

        results.Should().AllSatisfy(r => r.Should().Equal(expected));
    }

    [Fact]
    public void Predict_MissingColumn_DataFormatExceptionNamingIt()
    {
        var (model, heldOut) = Train("housing", "ridge");
        using var onnx = OnnxFormat.Load(OnnxExporter.Export(model), "model.onnx");

        var predict = () => onnx.Predict(new DataTable(heldOut.Columns.Where(c => c.Name != "age")));

        predict.Should().Throw<DataFormatException>().WithMessage("*column 'age': the model needs this column*");
    }

    [Fact]
    public void Read_MutatedExports_EitherScoreOrRefuseWithModelOrDataErrors()
    {
        var (model, heldOut) = Train("diabetes", "gradient-boosting");
        var original = OnnxExporter.Export(model);
        var random = new Random(16);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            string outcome;
            try
            {
                using var onnx = (OnnxModel)OnnxFormat.Instance.Read(new MemoryStream(bytes), "mutated.onnx");
                onnx.Predict(heldOut).Scores.Should().OnlyContain(s => double.IsFinite(s));
                outcome = "scored";
            }
            catch (ModelFileException e)
            {
                e.Message.Should().StartWith("'mutated.onnx'").And.NotContain("\n");
                outcome = "model refused";
            }
            catch (DataFormatException e)
            {
                e.Message.Should().NotContain("\n");
                outcome = "data refused";
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        output.WriteLine(string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
        outcomes.Should().ContainKey("model refused");
    }

    private static void AssertSameClasses(Model model, IScoringModel onnx)
    {
        if (model.Classes is null)
        {
            onnx.Classes.Should().BeNull();
        }
        else
        {
            onnx.Classes.Should().Equal(model.Classes);
        }
    }

    private void AssertPredictsLike(Model model, IScoringModel onnx, DataTable rows)
    {
        var ours = model.Predict(rows);
        var theirs = onnx.Predict(rows);
        theirs.Scores.Should().HaveCount(ours.Scores.Length);
        var worst = 0.0;
        for (var i = 0; i < ours.Scores.Length; i++)
        {
            // Probabilities: absolute 1e-6. Regression: relative 1e-6.
            var error = model.Task == ModelTask.BinaryClassification
                ? Math.Abs(theirs.Scores[i] - ours.Scores[i])
                : Math.Abs(theirs.Scores[i] - ours.Scores[i]) / Math.Max(1e-12, Math.Abs(ours.Scores[i]));
            worst = Math.Max(worst, error);
        }

        output.WriteLine($"{model.Algorithm} ({model.Task.ToName()}): worst error {worst:E2} over {rows.RowCount} rows");
        worst.Should().BeLessThanOrEqualTo(1e-6);
        if (model.Task == ModelTask.BinaryClassification)
        {
            theirs.Classes.Should().Equal(ours.Classes);
        }
        else
        {
            theirs.Classes.Should().BeNull();
        }
    }

    private string WriteCsv(DataTable table, string name)
    {
        var path = Path.Combine(_folder, name);
        CsvWriter.Write(table, path);
        return path;
    }

    private static (Model Model, DataTable HeldOut) Train(string generator, string algorithm)
    {
        var data = SyntheticData.Generate(generator, 3000, 11);
        var (train, heldOut) = DataSplitter.TrainTest(data, 0.3, 11);
        var model = ModelTrainer.Train(train, new TrainRequest
        {
            Algorithm = algorithm,
            Label = SyntheticData.LabelOf(generator),
            Parameters = SmallParameters.GetValueOrDefault(algorithm) ?? [],
        }, new TrainContext { Seed = 7 });
        return (model, heldOut);
    }

    private static string CreateFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "toolkit-onnx-format", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
