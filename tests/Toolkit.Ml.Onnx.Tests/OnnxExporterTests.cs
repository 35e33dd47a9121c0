using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Splits;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Xunit.Abstractions;

namespace Toolkit.Ml.Onnx.Tests;

public sealed class OnnxExporterTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, Dictionary<string, string>> SmallParameters = new()
    {
        ["gradient-boosting"] = new() { ["rounds"] = "40", ["max_depth"] = "5" },
        ["random-forest"] = new() { ["trees"] = "25", ["max_depth"] = "8" },
    };

    [Theory]
    [InlineData("diabetes", "gradient-boosting")]
    [InlineData("diabetes", "random-forest")]
    [InlineData("diabetes", "logistic-regression")]
    [InlineData("housing", "gradient-boosting")]
    [InlineData("housing", "random-forest")]
    [InlineData("housing", "ridge")]
    [InlineData("housing", "lasso")]
    [InlineData("housing", "elastic-net")]
    [InlineData("diabetes", "gradient-boosting-defaults")]
    public void Export_ReferenceModel_OnnxRuntimeScoresHeldOutRowsLikeOurs(string generator, string algorithm)
    {
        var (train, heldOut) = Split(generator);
        // "-defaults": the algorithm with its default (reference-size) hyperparameters.
        var defaults = algorithm.EndsWith("-defaults", StringComparison.Ordinal);
        algorithm = algorithm.Replace("-defaults", "", StringComparison.Ordinal);
        var model = ModelTrainer.Train(train, new TrainRequest
        {
            Algorithm = algorithm,
            Label = SyntheticData.LabelOf(generator),
            Parameters = defaults ? [] : SmallParameters.GetValueOrDefault(algorithm) ?? [],
        }, new TrainContext { Seed = 7 });

        HasMissingValue(heldOut, model).Should().BeTrue("the held-out rows must exercise the missing-value paths");
        AssertScoresMatch(model, heldOut);
    }

    [Fact]
    public void Export_PipelineWithDerivedBucketsIndicatorsAndRareCategories_ScoresLikeOurs()
    {
        var (train, heldOut) = Split("housing");
        var options = FeaturePipelineOptions.ForLinearModels with
        {
            AddMissingIndicators = true,
            CategoricalImputation = Imputation.MostFrequent,
            MaxCategories = 3,
            Scaling = Scaling.MinMax,
            Derived =
            [
                new DerivedFeatureSpec("rooms_per_lot", DerivedOp.Ratio, "rooms", "lot_size"),
                new DerivedFeatureSpec("log_crime", DerivedOp.Log1p, "crime_rate"),
                new DerivedFeatureSpec("age_sq", DerivedOp.Square, "age"),
                new DerivedFeatureSpec("rooms_x_school", DerivedOp.Product, "rooms", "school_rating"),
                new DerivedFeatureSpec("built_minus_age", DerivedOp.Difference, "year_built", "age"),
            ],
            Buckets = [new BucketizeSpec("year_built", [1920, 1960, 2000]), new BucketizeSpec("log_crime", [0.5, 1.5])],
        };
        var label = SyntheticData.LabelOf("housing");
        var pipeline = FeaturePipeline.Fit(train.WithLabel(label), options);
        var model = ModelTrainer.Train(train, new TrainRequest { Algorithm = "ridge", Label = label, Features = pipeline }, new TrainContext { Seed = 3 });

        model.Features.OutputNames.Should().Contain(["neighborhood=<other>", "lot_size_missing", "year_built_bucket[1960,2000)"]);
        AssertScoresMatch(model, heldOut);
    }

    [Fact]
    public void Export_UnseenAndMissingCategories_ScoreLikeOurs()
    {
        var (train, heldOut) = Split("diabetes");
        var model = ModelTrainer.Train(train, new TrainRequest { Algorithm = "logistic-regression", Label = "diabetes" }, new TrainContext { Seed = 5 });
        var smoking = (CategoricalColumn)heldOut["smoking"];
        var values = Enumerable.Range(0, heldOut.RowCount).Select(i => i % 3 == 0 ? "vaping" : i % 3 == 1 ? null : smoking[i]).ToArray();
        var changed = heldOut.With(CategoricalColumn.FromValues("smoking", values));

        AssertScoresMatch(model, changed);
    }

    [Theory]
    [InlineData("gradient-boosting")]
    [InlineData("ridge")]
    public void Export_Float64Columns_TakeDoubleInputsAndScoreLikeOurs(string algorithm)
    {
        var (train, heldOut) = Split("housing");
        static DataTable Widen(DataTable t) => t
            .With(new Float64Column("lot_size", [.. Enumerable.Range(0, t.RowCount).Select(t["lot_size"].GetDouble)]))
            .With(new Float64Column("crime_rate", [.. Enumerable.Range(0, t.RowCount).Select(i => t["crime_rate"].GetDouble(i) * 1.000000123)]));
        var model = ModelTrainer.Train(Widen(train), new TrainRequest
        {
            Algorithm = algorithm,
            Label = "price",
            Parameters = SmallParameters.GetValueOrDefault(algorithm) ?? [],
        }, new TrainContext { Seed = 2 });

        model.Signature.Columns.Single(c => c.Name == "lot_size").Type.Should().Be(ColumnType.Float64);
        AssertScoresMatch(model, Widen(heldOut));
    }

    [Fact]
    public void Export_UnknownCategoryError_RefusesNamingTheStep()
    {
        var (train, _) = Split("diabetes");
        var pipeline = FeaturePipeline.Fit(train.WithLabel("diabetes"), FeaturePipelineOptions.ForLinearModels with { UnknownCategory = UnknownCategory.Error });
        var model = ModelTrainer.Train(train, new TrainRequest { Algorithm = "logistic-regression", Label = "diabetes", Features = pipeline }, new TrainContext { Seed = 5 });

        var export = () => OnnxExporter.Export(model);

        export.Should().Throw<OnnxExportException>().WithMessage("*categorical*'sex'*Error*");
    }

    [Fact]
    public void Export_Model_DeclaresOpsetsAndMetadata()
    {
        var (train, _) = Split("diabetes");
        var model = ModelTrainer.Train(train, new TrainRequest { Algorithm = "random-forest", Label = "diabetes", Parameters = SmallParameters["random-forest"] }, new TrainContext { Seed = 1 });

        using var session = OnnxScoring.Load(OnnxExporter.Export(model));

        session.ModelMetadata.ProducerName.Should().Be("toolkit");
        session.ModelMetadata.CustomMetadataMap.Should().Contain("toolkit.algorithm", "random-forest").And.Contain("toolkit.classes", string.Join(",", model.Classes!));
        session.InputMetadata.Keys.Should().BeEquivalentTo(model.Signature.Columns.Select(c => c.Name));
        session.InputMetadata["smoking"].ElementDataType.Should().Be(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.String);
        session.OutputMetadata.Keys.Should().Equal(OnnxExporter.OutputName, OnnxExporter.LabelOutputName);
        session.OutputMetadata[OnnxExporter.LabelOutputName].ElementDataType.Should().Be(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.String);
    }

    private void AssertScoresMatch(Model model, DataTable rows)
    {
        var prediction = model.Predict(rows);
        var ours = prediction.Scores;
        var (onnx, labels) = OnnxScoring.Score(OnnxExporter.Export(model), model, rows);
        if (model.Task == ModelTask.BinaryClassification)
        {
            labels.Should().Equal(prediction.Classes);
        }
        else
        {
            labels.Should().BeNull();
        }

        onnx.Should().HaveCount(ours.Length);
        var worst = 0.0;
        for (var i = 0; i < ours.Length; i++)
        {
            // Probabilities: absolute 1e-6. Regression: relative 1e-6.
            var error = model.Task == ModelTask.BinaryClassification
                ? Math.Abs(onnx[i] - ours[i])
                : Math.Abs(onnx[i] - ours[i]) / Math.Max(1e-12, Math.Abs(ours[i]));
            worst = Math.Max(worst, error);
        }

        output.WriteLine($"{model.Algorithm} ({model.Task.ToName()}): worst error {worst:E2} over {rows.RowCount} rows");
        worst.Should().BeLessThanOrEqualTo(1e-6, $"{model.Algorithm} on {rows.RowCount} rows");
    }

    private static bool HasMissingValue(DataTable rows, Model model) =>
        model.Signature.Columns.Any(c => rows[c.Name].CountMissing() > 0);

    private static (DataTable Train, DataTable HeldOut) Split(string generator)
    {
        var data = SyntheticData.Generate(generator, 3000, 11);
        return DataSplitter.TrainTest(data, 0.3, 11);
    }
}
