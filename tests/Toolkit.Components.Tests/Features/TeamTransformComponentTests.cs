using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Pipelines.Components;
using Toolkit.Sdk;

namespace Toolkit.Components.Tests.Features;

/// <summary>A team transform for these tests: <c>obese</c> = yes when BMI is at least the training rows' median.</summary>
internal sealed class AboveMedianBmi(string name) : FeatureTransform
{
    public override string Name => name;

    public override string Version => "3";

    public override IReadOnlyList<string> Inputs => ["bmi"];

    public override FittedTransform Fit(DataTable train, IReadOnlyDictionary<string, string> parameters)
    {
        var bmi = train["bmi"];
        var values = Enumerable.Range(0, bmi.Length).Select(bmi.GetDouble).Where(double.IsFinite).Order().ToArray();
        return new Fitted(values[values.Length / 2]);
    }

    public override FittedTransform Read(JsonElement state) => new Fitted(state.GetProperty("median").GetDouble());

    internal sealed class Fitted(double median) : FittedTransform
    {
        public override DataTable Transform(DataTable rows)
        {
            var bmi = rows["bmi"];
            return rows.With(CategoricalColumn.FromValues("obese", [.. Enumerable.Range(0, rows.RowCount).Select(i => bmi.IsMissing(i) ? null : bmi.GetDouble(i) >= median ? "yes" : "no")]));
        }

        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteNumber("median", median);
            writer.WriteEndObject();
        }
    }
}

public sealed class TeamTransformComponentTests : IDisposable
{
    private readonly ComponentHarness _h = new();
    private readonly List<IDisposable> _registrations = [];

    public void Dispose()
    {
        _registrations.ForEach(r => r.Dispose());
        _h.Dispose();
    }

    private string Register(string digest = "sha256:0a0a")
    {
        var name = "tests/obese-" + Guid.NewGuid().ToString("N")[..8];
        _registrations.Add(TeamTransformCatalog.Register(new TeamTransform(new AboveMedianBmi(name), "Components.Tests.Team", digest)));
        return name;
    }

    private async Task<string> SynthAsync(int rows)
    {
        await _h.RunAsync("data/synthesize", new Dictionary<string, string> { ["generator"] = "diabetes", ["rows"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null, "dataset=data.csv");
        return _h.File("data.csv");
    }

    [Fact]
    public async Task FitFeatures_UnknownTransforms_ClearErrorListingThem()
    {
        var data = await SynthAsync(200);
        var known = Register();

        var act = () => _h.RunAsync(
            "features/fit",
            new Dictionary<string, string> { ["label"] = "diabetes", ["transforms"] = $"{known},team/nope,team/gone" },
            new Dictionary<string, string[]> { ["train"] = [data] },
            "features=features.json");

        (await act.Should().ThrowAsync<ComponentArgumentException>()).Which.Message.Should()
            .Contain("unknown transforms 'team/nope', 'team/gone'").And.Contain(known);
    }

    [Fact]
    public async Task FitFeaturesThenTrain_ModelRecordsTheTransform_SignatureStaysRaw()
    {
        var data = await SynthAsync(400);
        var name = Register("sha256:0b0b");

        await _h.RunAsync(
            "features/fit",
            new Dictionary<string, string> { ["label"] = "diabetes", ["transforms"] = name },
            new Dictionary<string, string[]> { ["train"] = [data] },
            "features=features.json");
        await _h.RunAsync(
            "train/logistic-regression",
            new Dictionary<string, string> { ["label"] = "diabetes" },
            new Dictionary<string, string[]> { ["train"] = [data], ["features"] = [_h.File("features.json")] },
            "model=model.tkm");
        var model = ModelFile.Load(_h.File("model.tkm"));

        model.Features.Transforms.Select(t => (t.Name, t.Version, t.AssemblyName, t.AssemblyDigest))
            .Should().Equal((name, "3", "Components.Tests.Team", "sha256:0b0b"));
        model.Signature.Contains("obese").Should().BeFalse();
        model.Features.OutputNames.Should().Contain("obese=yes");
    }

    [Fact]
    public async Task Train_OwnPipelineWithTransforms_RecordsThem()
    {
        var data = await SynthAsync(300);
        var name = Register();

        await _h.RunAsync(
            "train/gradient-boosting",
            new Dictionary<string, string> { ["label"] = "diabetes", ["rounds"] = "5", ["transforms"] = name },
            new Dictionary<string, string[]> { ["train"] = [data] },
            "model=model.tkm");

        ModelFile.Load(_h.File("model.tkm")).Features.Transforms.Should().ContainSingle().Which.Name.Should().Be(name);
    }

    [Fact]
    public async Task ExternalDigest_ChangesWithTheTransformsCode_NullWithoutTransforms()
    {
        var name = Register("sha256:1111");
        var component = (IExternalInputs)_h.Get("features/fit");
        var parameters = new Dictionary<string, string> { ["label"] = "diabetes", ["transforms"] = name };

        var before = await component.ExternalDigestAsync(parameters, _h.Root);
        _registrations.Add(TeamTransformCatalog.Register(new TeamTransform(new AboveMedianBmi(name), "Components.Tests.Team", "sha256:2222")));
        var after = await component.ExternalDigestAsync(parameters, _h.Root);
        var none = await component.ExternalDigestAsync(new Dictionary<string, string> { ["label"] = "diabetes" }, _h.Root);

        before.Should().Contain("sha256:1111");
        after.Should().Contain("sha256:2222").And.NotBe(before);
        none.Should().BeNull();
    }

    [Fact]
    public void Validate_TransformNamesAndParameters_CheckedAgainstTheLoadedOnesWithPositions()
    {
        var name = Register();
        var spec = Toolkit.Pipelines.Spec.PipelineLoader.Load($$"""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: demo
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: diabetes }
              - name: features
                uses: features/fit
                inputs: { train: ingest.dataset }
                with: { label: diabetes, transforms: "{{name}}x" }
              - name: tuned
                uses: features/fit
                inputs: { train: ingest.dataset }
                with: { label: diabetes, transforms: {{name}}, transform_params: "{{name}}.depth=3" }
              - name: train
                uses: train/gradient-boosting
                inputs: { train: ingest.dataset }
                with: { label: diabetes, transforms: "{{name}}, team/gone" }
              - name: fine
                uses: features/fit
                inputs: { train: ingest.dataset }
                with: { label: diabetes, transforms: {{name}} }
            """, "p.yaml").Spec!;

        var errors = Toolkit.Pipelines.Spec.PipelineValidator.Validate(spec, BuiltInComponents.Create());

        errors.Select(e => (e.Position.Line, e.Message.Split(':')[0])).Should().Equal(
            (11, "parameter 'transforms' of 'features/fit'"),
            (15, "parameter 'transform_params' of 'features/fit'"),
            (19, "parameter 'transforms' of 'train/gradient-boosting'"));
        errors[0].Message.Should().Contain($"unknown transform '{name}x'").And.Contain($"known: ").And.Contain(name);
        errors[1].Message.Should().Contain("depth");
        errors[2].Message.Should().Contain("unknown transform 'team/gone'");
    }
}
