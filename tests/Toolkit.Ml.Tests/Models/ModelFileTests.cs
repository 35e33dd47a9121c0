using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Models;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolkit-model-tests", Guid.NewGuid().ToString("N"));

    public ModelFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A small classification table: risk rises with x, a text column and missing values.</summary>
    internal static DataTable Classification(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows];
        var z = new float[rows];
        var group = new string?[rows];
        var label = new string[rows];
        for (var i = 0; i < rows; i++)
        {
            x[i] = (float)(random.NextDouble() * 4 - 2);
            z[i] = i % 17 == 0 ? float.NaN : (float)random.NextDouble();
            group[i] = i % 23 == 0 ? null : (random.Next(3) switch { 0 => "a", 1 => "b", _ => "c" });
            var logit = 2.5 * x[i] + (group[i] == "c" ? 1.0 : 0.0) - 0.5;
            label[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? "yes" : "no";
        }

        return new DataTable(
        [
            new Float32Column("x", x),
            new Float32Column("z", z),
            CategoricalColumn.FromValues("group", group),
            CategoricalColumn.FromValues("outcome", label),
        ]);
    }

    internal static DataTable Regression(int rows, int seed)
    {
        var random = new Random(seed);
        var a = new float[rows];
        var b = new float[rows];
        var y = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            a[i] = (float)random.NextDouble();
            b[i] = (float)(random.NextDouble() * 10);
            y[i] = 3 * a[i] - 0.5 * b[i] + 7 + (random.NextDouble() - 0.5) * 0.1;
        }

        return new DataTable([new Float32Column("a", a), new Float32Column("b", b), new Float64Column("y", y)]);
    }

    private static Model Train(DataTable data, string algorithm, string label, int seed = 1) =>
        ModelTrainer.Train(data, new TrainRequest { Algorithm = algorithm, Label = label }, new TrainContext { Seed = seed });

    [Fact]
    public void Train_TextLabel_InfersClassification_PositiveIsSecondSortedClass()
    {
        var model = Train(Classification(400, 1), "logistic-regression", "outcome");

        model.Task.Should().Be(ModelTask.BinaryClassification);
        model.Classes.Should().Equal("no", "yes");
        model.Signature.Columns.Select(c => c.Name).Should().Equal("x", "z", "group");
        model.Metrics["train_auc"].Should().BeGreaterThan(0.8);
    }

    [Fact]
    public void SaveLoad_PredictsExactlyTheSame_AndKeepsMetadata()
    {
        var data = Classification(500, 2);
        var model = Train(data, "logistic-regression", "outcome");
        var path = Path.Combine(_dir, "m.tkm");

        ModelFile.Save(model, path);
        var loaded = ModelFile.Load(path);

        loaded.Predict(data).Scores.Should().Equal(model.Predict(data).Scores);
        loaded.Predict(data).Classes.Should().Equal(model.Predict(data).Classes);
        loaded.Digest.Should().Be(model.Digest).And.StartWith("sha256:");
        loaded.HyperParameters.Should().Equal(model.HyperParameters);
        loaded.Training.Should().Be(model.Training);
        loaded.Metrics.Should().Equal(model.Metrics);
        loaded.Signature.Should().Be(model.Signature);
    }

    [Fact]
    public void SaveLoad_Digest_IsTheSha256OfTheWholeFile()
    {
        var model = Train(Regression(100, 4), "ridge", "y");
        var path = Path.Combine(_dir, "d.tkm");

        ModelFile.Save(model, path);

        // The digest sha256sum, the artifact store and lineage compute: one model file, one digest.
        var fileDigest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        model.Digest.Should().Be(fileDigest);
        ModelFile.Load(path).Digest.Should().Be(fileDigest);
    }

    [Fact]
    public void Save_SameDataAndSeed_SameBytes()
    {
        var first = Path.Combine(_dir, "a.tkm");
        var second = Path.Combine(_dir, "b.tkm");

        ModelFile.Save(Train(Regression(300, 3), "lasso", "y"), first);
        ModelFile.Save(Train(Regression(300, 3), "lasso", "y"), second);

        File.ReadAllBytes(first).Should().Equal(File.ReadAllBytes(second));
    }

    [Fact]
    public void Load_ChangedBody_IsRefusedWithClearError()
    {
        var path = Path.Combine(_dir, "m.tkm");
        ModelFile.Save(Train(Regression(100, 4), "ridge", "y"), path);
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text.Replace("\"label\":\"y\"", "\"label\":\"Y\"", StringComparison.Ordinal));

        var act = () => ModelFile.Load(path);

        act.Should().Throw<ModelFileException>().WithMessage("*m.tkm' was changed after it was written*refusing to load it*");
    }

    [Fact]
    public void Load_OtherFormatVersion_IsRefused()
    {
        var path = Path.Combine(_dir, "m.tkm");
        ModelFile.Save(Train(Regression(100, 4), "ridge", "y"), path);
        var bytes = File.ReadAllBytes(path);
        bytes[4] = (byte)'9';
        File.WriteAllBytes(path, bytes);

        var act = () => ModelFile.Load(path);

        act.Should().Throw<ModelFileException>().WithMessage("*model format version 9; this mlops reads version 1*");
    }

    [Fact]
    public void Load_NotAModel_IsRefused()
    {
        var path = Path.Combine(_dir, "m.tkm");
        File.WriteAllText(path, "a,b\n1,2\n");

        var act = () => ModelFile.Load(path);

        act.Should().Throw<ModelFileException>().WithMessage("*is not a Toolkit model file*");
    }

    [Fact]
    public void Train_RegressionAlgorithmOnClassLabel_ExplainsAndListsAlternatives()
    {
        var act = () => Train(Classification(100, 5), "lasso", "outcome");

        act.Should().Throw<InvalidParameterException>()
            .WithMessage("*'lasso' does not support binary-classification*looks like binary-classification*logistic-regression*");
    }

    [Fact]
    public void Train_MissingLabelValue_NamesTheRow()
    {
        var data = Regression(50, 6);
        var y = ((Float64Column)data["y"]).Values.ToArray();
        y[7] = double.NaN;
        var broken = data.With(new Float64Column("y", y));

        var act = () => Train(broken, "ridge", "y");

        act.Should().Throw<DataFormatException>().WithMessage("*column 'y'*label is missing in data row 8*");
    }

    [Fact]
    public void Evaluate_UnknownLabelValue_IsAnError()
    {
        var model = Train(Classification(200, 7), "logistic-regression", "outcome");
        var test = Classification(20, 8);
        var labels = Enumerable.Range(0, 20).Select(i => i == 3 ? "maybe" : "no").ToArray();
        var changed = test.With(CategoricalColumn.FromValues("outcome", labels));

        var act = () => ModelEvaluator.Evaluate(model, changed);

        act.Should().Throw<DataFormatException>().WithMessage("*unknown label value in data row 4*no, yes*\"maybe\"*");
    }

    [Fact]
    public void Evaluate_RegressionModel_ReportsRegressionMetrics()
    {
        var model = Train(Regression(400, 9), "ridge", "y");

        var evaluation = ModelEvaluator.Evaluate(model, Regression(200, 10));

        evaluation.Task.Should().Be(ModelTask.Regression);
        evaluation.Metrics.Keys.Should().Contain(["rmse", "mae", "r2", "mape"]);
        evaluation.Regression!.R2.Should().BeGreaterThan(0.95, "the target is linear in the inputs");
    }

    [Fact]
    public void DataDigest_DependsOnContentNotCategoryOrder()
    {
        var a = new DataTable([CategoricalColumn.FromValues("c", ["x", "y"])]);
        var b = new DataTable([new CategoricalColumn("c", [1, 0], ["y", "x"])]);
        var c = new DataTable([CategoricalColumn.FromValues("c", ["y", "x"])]);

        DataDigest.Compute(a).Should().Be(DataDigest.Compute(b));
        DataDigest.Compute(a).Should().NotBe(DataDigest.Compute(c));
    }
}
