using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.MlNet.Tests;

public sealed class MlNetTrainerTests
{
    private static readonly DataTable Diabetes = SyntheticData.Generate("diabetes", 3000, 1);
    private static readonly DataTable DiabetesHeldOut = SyntheticData.Generate("diabetes", 2000, 7);
    private static readonly DataTable Housing = SyntheticData.Generate("housing", 3000, 1);
    private static readonly DataTable HousingHeldOut = SyntheticData.Generate("housing", 2000, 7);

    public static TheoryData<string> Algorithms => new(MlNetAlgorithm.All.Select(a => a.Name));

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Train_DiabetesBinary_ReachesHeldOutAucOfOurGradientBoosting(string algorithm)
    {
        var model = Train(algorithm, Diabetes, "diabetes");
        var ours = ModelTrainer.Train(Diabetes, new TrainRequest { Algorithm = "gradient-boosting", Label = "diabetes" }, new TrainContext { Seed = 1 });

        var auc = HeldOutAuc(model);
        var ourAuc = HeldOutAuc(ours);

        model.Task.Should().Be(ModelTask.BinaryClassification);
        model.Classes.Should().Equal("0", "1");
        model.Algorithm.Should().Be(algorithm);
        auc.Should().BeGreaterThan(0.75, "{0} must learn the diabetes risk", algorithm);
        auc.Should().BeGreaterThan(ourAuc - 0.05, "{0} should be near our gradient boosting ({1:F3})", algorithm, ourAuc);
        model.Metrics["train_auc"].Should().BeInRange(0.5, 1);
        model.Metrics["train_rows"].Should().Be(3000);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Train_HousingRegression_ReachesSaneHeldOutR2(string algorithm)
    {
        var model = Train(algorithm, Housing, "price");

        var r2 = Toolkit.Ml.Metrics.RegressionMetrics.Compute(model.EncodeLabel(HousingHeldOut), model.Predict(HousingHeldOut).Scores).R2;

        model.Task.Should().Be(ModelTask.Regression);
        model.Classes.Should().BeNull();
        r2.Should().BeGreaterThan(0.6, "{0} must explain most of the price", algorithm);
        model.Metrics.Should().ContainKey("train_r2");
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Train_SameDataAndSeed_SameFileBytes(string algorithm)
    {
        var first = Train(algorithm, Diabetes, "diabetes", seed: 5);
        var second = Train(algorithm, Diabetes, "diabetes", seed: 5);

        second.FileBytes.Should().Equal(first.FileBytes);
        second.Digest.Should().Be(first.Digest).And.Be("sha256:" + Convert.ToHexStringLower(SHA256.HashData(first.FileBytes)));
    }

    [Fact]
    public void Train_FastForestOtherSeed_OtherModel()
    {
        var first = Train("mlnet-fastforest", Diabetes, "diabetes", seed: 5);
        var second = Train("mlnet-fastforest", Diabetes, "diabetes", seed: 6);

        second.Digest.Should().NotBe(first.Digest);
        second.Training!.Seed.Should().Be(6);
    }

    [Theory]
    [InlineData("mlnet-lightgbm", "rounds", "0")]
    [InlineData("mlnet-lightgbm", "learning_rate", "0")]
    [InlineData("mlnet-fasttree", "num_leaves", "1")]
    [InlineData("mlnet-fastforest", "feature_fraction", "1.5")]
    [InlineData("mlnet-sdca", "l2", "-1")]
    [InlineData("mlnet-sdca", "threads", "0")]
    public void Train_OutOfRangeParameter_ErrorNamesAlgorithmAndParameter(string algorithm, string name, string value)
    {
        var act = () => Train(algorithm, Diabetes, "diabetes", parameters: new Dictionary<string, string> { [name] = value });

        act.Should().Throw<InvalidParameterException>()
            .Which.Message.Should().Contain($"{algorithm} parameter '{name}' = '{value}' is invalid");
    }

    [Fact]
    public void Train_UnknownParameter_ErrorListsValidOnes()
    {
        var act = () => Train("mlnet-lightgbm", Diabetes, "diabetes", parameters: new Dictionary<string, string> { ["depth"] = "3" });

        act.Should().Throw<InvalidParameterException>()
            .Which.Message.Should().Contain("unknown parameter 'depth' for mlnet-lightgbm").And.Contain("num_leaves");
    }

    [Fact]
    public void Train_Parameters_RecordedWithDefaults()
    {
        var model = Train("mlnet-lightgbm", Diabetes, "diabetes", parameters: new Dictionary<string, string> { ["rounds"] = "20" });

        model.HyperParameters["rounds"].Should().Be("20");
        model.HyperParameters["threads"].Should().Be("1");
        model.HyperParameters["num_leaves"].Should().Be("31");
    }

    [Fact]
    public void Predict_LightGbm_EqualsMlNetPredictionEngine()
    {
        var model = Train("mlnet-lightgbm", Diabetes, "diabetes");
        var rows = DiabetesHeldOut.Take([.. Enumerable.Range(0, 200)]);
        var ours = model.Predict(rows).Scores;

        // ML.NET reads our file itself (toolkit.json is one more entry it ignores) and scores our features.
        var ml = new MLContext(seed: 0);
        using var stream = new MemoryStream(model.FileBytes);
        var transformer = ml.Model.Load(stream, out _);
        var x = model.Features!.Transform(rows);
        var engine = ml.Model.CreatePredictionEngine<FeatureRow, ProbabilityRow>(transformer, inputSchemaDefinition: FeatureRow.Schema(x.ColumnCount));
        for (var i = 0; i < rows.RowCount; i++)
        {
            var features = new float[x.ColumnCount];
            for (var j = 0; j < features.Length; j++)
            {
                features[j] = x[i, j];
            }

            ours[i].Should().Be(engine.Predict(new FeatureRow { Features = features }).Probability, "row {0}", i);
        }

        ours.Distinct().Should().HaveCountGreaterThan(50, "the scores must vary with the rows");
    }

    [Fact]
    public void Predict_MissingColumn_ErrorNamesIt()
    {
        var model = Train("mlnet-lightgbm", Diabetes, "diabetes", parameters: new Dictionary<string, string> { ["rounds"] = "10" });
        var without = new DataTable(DiabetesHeldOut.Columns.Where(c => c.Name != "glucose"));

        var act = () => model.Predict(without);

        act.Should().Throw<DataFormatException>().Which.Message.Should().Contain("glucose");
    }

    [Fact]
    public void Read_TrainedFile_SameModel()
    {
        var model = Train("mlnet-sdca", Diabetes, "diabetes");

        var read = (MlNetModel)MlNetFormat.Instance.Read(new MemoryStream(model.FileBytes), "model.zip");

        read.Digest.Should().Be(model.Digest);
        read.Flavor.Should().Be(ModelFlavors.MlNet);
        read.Signature.Columns.Select(c => c.Name).Should().Equal(Diabetes.Columns.Select(c => c.Name).Where(n => n != "diabetes"));
        read.Metrics.Should().Equal(model.Metrics);
        read.Training.Should().Be(model.Training);
        read.Predict(DiabetesHeldOut).Scores.Should().Equal(model.Predict(DiabetesHeldOut).Scores);
        read.EncodeLabel(DiabetesHeldOut).Should().Equal(model.EncodeLabel(DiabetesHeldOut));
    }

    internal static MlNetModel Train(string algorithm, DataTable data, string label, int seed = 1, IReadOnlyDictionary<string, string>? parameters = null) =>
        MlNetTrainer.Train(data, new TrainRequest
        {
            Algorithm = algorithm,
            Label = label,
            Parameters = parameters ?? new Dictionary<string, string>(),
        }, new TrainContext { Seed = seed });

    private static double HeldOutAuc(IScoringModel model) =>
        ClassificationMetrics.Compute(model.EncodeLabel(DiabetesHeldOut), model.Predict(DiabetesHeldOut).Scores).RocAuc;

    internal sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];

        public static SchemaDefinition Schema(int size)
        {
            var schema = SchemaDefinition.Create(typeof(FeatureRow));
            schema[nameof(Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            return schema;
        }
    }

    internal sealed class ProbabilityRow
    {
        public float Probability { get; set; }
    }
}
