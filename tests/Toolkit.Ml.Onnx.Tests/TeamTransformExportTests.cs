using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Sdk;

namespace Toolkit.Ml.Onnx.Tests;

/// <summary>Twice the BMI, as a team transform (no state).</summary>
internal sealed class DoubleBmi(string name) : FeatureTransform
{
    public override string Name => name;

    public override string Version => "1";

    public override IReadOnlyList<string> Inputs => ["bmi"];

    public override FittedTransform Fit(DataTable train, IReadOnlyDictionary<string, string> parameters) => new Fitted();

    public override FittedTransform Read(JsonElement state) => new Fitted();

    private sealed class Fitted : FittedTransform
    {
        public override DataTable Transform(DataTable rows) =>
            rows.With(new Float32Column("bmi2", [.. Enumerable.Range(0, rows.RowCount).Select(i => (float)(2 * rows["bmi"].GetDouble(i)))]));

        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
    }
}

public sealed class TeamTransformExportTests
{
    [Fact]
    public void Export_ModelWithTeamTransform_RefusedNamingIt()
    {
        var name = "tests/double-bmi-" + Guid.NewGuid().ToString("N")[..8];
        using var registration = TeamTransformCatalog.Register(new TeamTransform(new DoubleBmi(name), "Onnx.Tests.Team", "sha256:0e0e"));
        var model = ModelTrainer.Train(
            SyntheticData.Generate("diabetes", 300, 1),
            new TrainRequest { Algorithm = "logistic-regression", Label = "diabetes", Transforms = [new TransformFit(TeamTransformCatalog.Get(name), new Dictionary<string, string>())] },
            new TrainContext { Seed = 1 });

        var export = () => OnnxExporter.Export(model);

        export.Should().Throw<OnnxExportException>().Which.Message.Should().Contain(name).And.Contain("team transforms");
    }
}
