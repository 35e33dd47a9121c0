using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Tests.Models;
using Toolkit.Ml.Training;
using Toolkit.Pipelines.Components;
using Toolkit.Sdk;

namespace Toolkit.Ml.Tests.Features;

/// <summary>A team transform for these tests: x centred on its training mean (missing: 0) and x's sign as text.</summary>
internal sealed class CenterTransform(string name, string version = "1") : FeatureTransform
{
    public override string Name => name;

    public override string Version => version;

    public override IReadOnlyList<string> Inputs => ["x"];

    public override IReadOnlyList<ComponentParameter> Parameters { get; } =
        [new ComponentParameter("shift", ParameterType.Number, "added to the centred value") { Default = "0", Minimum = -10, Maximum = 10 }];

    public override FittedTransform Fit(DataTable train, IReadOnlyDictionary<string, string> parameters)
    {
        var x = train["x"];
        var sum = 0.0;
        var n = 0;
        for (var i = 0; i < x.Length; i++)
        {
            if (!x.IsMissing(i))
            {
                sum += x.GetDouble(i);
                n++;
            }
        }

        return new Fitted(sum / n, double.Parse(parameters.GetValueOrDefault("shift", "0"), System.Globalization.CultureInfo.InvariantCulture));
    }

    public override FittedTransform Read(JsonElement state) => new Fitted(state.GetProperty("mean").GetDouble(), state.GetProperty("shift").GetDouble());

    internal sealed class Fitted(double mean, double shift) : FittedTransform
    {
        public double Mean => mean;

        public override DataTable Transform(DataTable rows)
        {
            var x = rows["x"];
            var centred = new float[rows.RowCount];
            var sign = new string?[rows.RowCount];
            for (var i = 0; i < centred.Length; i++)
            {
                centred[i] = x.IsMissing(i) ? (float)shift : (float)(x.GetDouble(i) - mean + shift);
                sign[i] = x.IsMissing(i) ? "none" : x.GetDouble(i) >= mean ? "above" : "below";
            }

            return rows.With(new Float32Column("x_centred", centred)).With(CategoricalColumn.FromValues("x_side", sign));
        }

        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteNumber("mean", mean);
            writer.WriteNumber("shift", shift);
            writer.WriteEndObject();
        }
    }
}

public sealed class TeamTransformPipelineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolkit-team-transform-tests", Guid.NewGuid().ToString("N"));
    private readonly List<IDisposable> _registrations = [];

    public TeamTransformPipelineTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A transform under a name only this test uses (the catalog is process-wide; tests run in parallel).</summary>
    private TeamTransform Register(string digest = "sha256:1111", string version = "1")
    {
        var name = "tests/center-" + Guid.NewGuid().ToString("N")[..8];
        var source = new TeamTransform(new CenterTransform(name, version), "Toolkit.Ml.Tests.Team", digest);
        _registrations.Add(TeamTransformCatalog.Register(source));
        return source;
    }

    private static IReadOnlyDictionary<string, string> NoParameters => new Dictionary<string, string>();

    [Fact]
    public void Fit_WithTeamTransform_SignatureStaysRawAndStepsReadItsColumns()
    {
        var source = Register();
        var train = ModelFileTests.Classification(300, 1).WithLabel("outcome");

        var pipeline = FeaturePipeline.Fit(train, FeaturePipelineOptions.ForLinearModels, [new TransformFit(source, NoParameters)]);

        pipeline.InputSchema.Columns.Select(c => c.Name).Should().Equal("x", "z", "group");
        pipeline.StepSchema.Columns.Select(c => c.Name).Should().Equal("x", "z", "group", "x_centred", "x_side");
        pipeline.OutputNames.Should().Contain(["x_centred", "x_side=above", "x_side=below"]);
        pipeline.Transforms.Should().ContainSingle().Which.Name.Should().Be(source.Name);
    }

    [Fact]
    public void Fit_TeamTransform_StateComesFromTrainingRowsOnly()
    {
        var source = Register();
        var data = ModelFileTests.Classification(400, 2).WithLabel("outcome");
        var train = data.Take([.. Enumerable.Range(0, 200)]);
        var test = data.Take([.. Enumerable.Range(200, 200)]);
        var expectedMean = Enumerable.Range(0, 200).Select(i => train["x"].GetDouble(i)).Average();

        var pipeline = FeaturePipeline.Fit(train, FeaturePipelineOptions.ForTrees, [new TransformFit(source, NoParameters)]);
        var onTest = pipeline.Transform(test);

        var fitted = (CenterTransform.Fitted)pipeline.Transforms[0].Fitted;
        fitted.Mean.Should().BeApproximately(expectedMean, 1e-9);
        var column = onTest.Names.ToList().IndexOf("x_centred");
        onTest[0, column].Should().BeApproximately((float)(test["x"].GetDouble(0) - expectedMean), 1e-5f);
    }

    [Fact]
    public void Fit_TransformParameters_ReachTheTransform()
    {
        var source = Register();
        var plan = TransformPlan.Parse(source.Name, $"{source.Name}.shift=2.5");
        var train = ModelFileTests.Classification(100, 3).WithLabel("outcome");

        var pipeline = FeaturePipeline.Fit(train, FeaturePipelineOptions.ForTrees, plan);
        var rows = pipeline.Transform(new DataTable([new Float32Column("x", [float.NaN]), new Float32Column("z", [0f]), CategoricalColumn.FromValues("group", ["a"])]));

        plan.Should().ContainSingle().Which.Parameters.Should().Equal(new Dictionary<string, string> { ["shift"] = "2.5" });
        rows[0, rows.Names.ToList().IndexOf("x_centred")].Should().Be(2.5f);
    }

    [Fact]
    public void Parse_UnknownTransforms_ListsEveryUnknownNameAndTheKnownOnes()
    {
        var source = Register();

        var act = () => TransformPlan.Parse($"nope/one, {source.Name}, nope/two", null);

        act.Should().Throw<UnknownTransformException>()
            .Which.Message.Should().Contain("'nope/one', 'nope/two'").And.Contain(source.Name);
    }

    [Theory]
    [InlineData("shift=1", "must be TRANSFORM.NAME=VALUE")]
    [InlineData("{0}.shift=99", "shift")]
    [InlineData("{0}.unknown=1", "has no parameter 'unknown'")]
    [InlineData("other/x.shift=1", "which transforms: does not name")]
    public void Parse_BadTransformParams_ClearError(string parameters, string expected)
    {
        var source = Register();

        var act = () => TransformPlan.Parse(source.Name, string.Format(System.Globalization.CultureInfo.InvariantCulture, parameters, source.Name));

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void ModelFile_WithTeamTransform_RecordsItAndRoundTripsByteForByte()
    {
        var source = Register("sha256:abcd");
        var data = ModelFileTests.Classification(500, 4);
        var model = ModelTrainer.Train(
            data,
            new TrainRequest { Algorithm = "logistic-regression", Label = "outcome", Transforms = [new TransformFit(source, NoParameters)] },
            new TrainContext { Seed = 1 });
        var path = Path.Combine(_dir, "m.tkm");

        ModelFile.Save(model, path);
        var loaded = ModelFile.Load(path);
        var again = Path.Combine(_dir, "again.tkm");
        ModelFile.Save(loaded, again);

        model.Signature.Columns.Select(c => c.Name).Should().Equal("x", "z", "group");
        File.ReadAllBytes(again).Should().Equal(File.ReadAllBytes(path));
        var body = Body(path);
        var record = body.GetProperty("feature_pipeline").GetProperty("transforms")[0];
        record.GetProperty("name").GetString().Should().Be(source.Name);
        record.GetProperty("version").GetString().Should().Be("1");
        record.GetProperty("assembly").GetString().Should().Be("Toolkit.Ml.Tests.Team");
        record.GetProperty("assembly_digest").GetString().Should().Be("sha256:abcd");
        record.GetProperty("state").GetProperty("mean").GetDouble().Should().BeApproximately(
            Enumerable.Range(0, 500).Select(i => data["x"].GetDouble(i)).Average(), 1e-9);
        body.GetProperty("signature").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Equal("x", "z", "group");
        loaded.Predict(data).Scores.Should().Equal(model.Predict(data).Scores);
    }

    [Fact]
    public void ModelFile_TransformNotLoaded_RefusedNamingTransformAssemblyAndDigest()
    {
        var source = Register("sha256:feed");
        var path = Path.Combine(_dir, "m.tkm");
        var model = ModelTrainer.Train(
            ModelFileTests.Classification(200, 5),
            new TrainRequest { Algorithm = "gradient-boosting", Label = "outcome", Parameters = new Dictionary<string, string> { ["rounds"] = "5" }, Transforms = [new TransformFit(source, NoParameters)] },
            new TrainContext { Seed = 1 });
        ModelFile.Save(model, path);
        _registrations.ForEach(r => r.Dispose());

        var act = () => ModelFile.Load(path);

        act.Should().Throw<ModelFileException>().Which.Message.Should()
            .Contain($"model needs transform {source.Name} v1 from Toolkit.Ml.Tests.Team (digest sha256:feed)")
            .And.Contain("no loaded team project provides it");
    }

    [Theory]
    [InlineData("sha256:beef", "1")]
    [InlineData("sha256:feed", "2")]
    public void ModelFile_TransformLoadedWithOtherDigestOrVersion_Refused(string loadedDigest, string loadedVersion)
    {
        var source = Register("sha256:feed");
        var path = Path.Combine(_dir, "m.tkm");
        ModelFile.Save(
            ModelTrainer.Train(
                ModelFileTests.Classification(200, 6),
                new TrainRequest { Algorithm = "logistic-regression", Label = "outcome", Transforms = [new TransformFit(source, NoParameters)] },
                new TrainContext { Seed = 1 }),
            path);
        _registrations.Add(TeamTransformCatalog.Register(
            new TeamTransform(new CenterTransform(source.Name, loadedVersion), "Toolkit.Ml.Tests.Team", loadedDigest)));

        var act = () => ModelFile.Load(path);

        act.Should().Throw<ModelFileException>().Which.Message.Should()
            .Contain($"model needs transform {source.Name} v1 from Toolkit.Ml.Tests.Team (digest sha256:feed)")
            .And.Contain($"this process loaded {source.Name} v{loadedVersion} from Toolkit.Ml.Tests.Team (digest {loadedDigest})");
    }

    [Fact]
    public void Write_WithTeamTransform_IsFormat2_WithoutIsFormat1()
    {
        var source = Register();
        var train = ModelFileTests.Classification(100, 7).WithLabel("outcome");

        var plain = Json(FeaturePipeline.Fit(train, FeaturePipelineOptions.ForTrees));
        var team = Json(FeaturePipeline.Fit(train, FeaturePipelineOptions.ForTrees, [new TransformFit(source, NoParameters)]));

        plain.GetProperty("format").GetInt32().Should().Be(1);
        plain.TryGetProperty("transforms", out _).Should().BeFalse();
        team.GetProperty("format").GetInt32().Should().Be(2);
        team.GetProperty("step_inputs").GetArrayLength().Should().Be(5);
    }

    [Fact]
    public void Train_TransformNamesAColumnTheRowsLack_ClearError()
    {
        var source = Register();
        var data = ModelFileTests.Regression(50, 8);

        var act = () => ModelTrainer.Train(
            data,
            new TrainRequest { Algorithm = "ridge", Label = "y", Transforms = [new TransformFit(source, NoParameters)] },
            new TrainContext { Seed = 1 });

        act.Should().Throw<DataFormatException>().Which.Message.Should().Contain($"transform {source.Name} reads x");
    }

    private static JsonElement Json(FeaturePipeline pipeline)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            pipeline.Write(w);
        }

        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }

    private static JsonElement Body(string path)
    {
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(path));
        return JsonDocument.Parse(text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..]).RootElement.Clone();
    }
}
