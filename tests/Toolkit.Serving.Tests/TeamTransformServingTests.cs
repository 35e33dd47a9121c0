using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Cli;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Sdk;

namespace Toolkit.Serving.Tests;

/// <summary>A team transform for these tests: the glucose band against the training rows' quartiles (missing: its own band).</summary>
internal sealed class GlucoseQuartile(string name) : FeatureTransform
{
    public override string Name => name;

    public override string Version => "1";

    public override IReadOnlyList<string> Inputs => ["glucose"];

    public override FittedTransform Fit(DataTable train, IReadOnlyDictionary<string, string> parameters)
    {
        var g = train["glucose"];
        var values = Enumerable.Range(0, g.Length).Select(g.GetDouble).Where(double.IsFinite).Order().ToArray();
        return new Fitted([values[values.Length / 4], values[values.Length / 2], values[3 * values.Length / 4]]);
    }

    public override FittedTransform Read(JsonElement state) => new Fitted([.. state.GetProperty("cuts").EnumerateArray().Select(e => e.GetDouble())]);

    private sealed class Fitted(double[] cuts) : FittedTransform
    {
        public override DataTable Transform(DataTable rows)
        {
            var g = rows["glucose"];
            var band = new string?[rows.RowCount];
            for (var i = 0; i < band.Length; i++)
            {
                band[i] = g.IsMissing(i) ? "missing" : "q" + (1 + cuts.Count(c => g.GetDouble(i) >= c)).ToString(CultureInfo.InvariantCulture);
            }

            return rows.With(CategoricalColumn.FromValues("glucose_quartile", band));
        }

        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("cuts");
            foreach (var c in cuts)
            {
                writer.WriteNumberValue(c);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }
}

/// <summary>A model that starts with a team transform, served by <c>mlops serve</c> (real HTTP on 127.0.0.1) and scored by <c>mlops predict</c>.</summary>
public sealed class TeamTransformServingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "toolkit-team-serving-tests", Guid.NewGuid().ToString("N"));
    private readonly string _name = "tests/glucose-quartile-" + Guid.NewGuid().ToString("N")[..8];
    private readonly IDisposable _registration;

    public TeamTransformServingTests()
    {
        Directory.CreateDirectory(_folder);
        _registration = TeamTransformCatalog.Register(new TeamTransform(new GlucoseQuartile(_name), "Serving.Tests.Team", "sha256:5e5e"));
    }

    public void Dispose()
    {
        _registration.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string TrainModel()
    {
        var source = TeamTransformCatalog.Get(_name);
        var model = ModelTrainer.Train(
            SyntheticData.Generate("diabetes", 500, 3),
            new TrainRequest { Algorithm = "logistic-regression", Label = "diabetes", Transforms = [new TransformFit(source, new Dictionary<string, string>())] },
            new TrainContext { Seed = 1 });
        var path = Path.Combine(_folder, "team.tkm");
        ModelFile.Save(model, path);
        return path;
    }

    [Fact]
    public async Task Serve_ModelWithTeamTransform_InvocationsEqualMlopsPredict()
    {
        var modelPath = TrainModel();
        var fresh = SyntheticData.Generate("diabetes", 80, 41);
        var rows = new DataTable(fresh.Columns.Where(c => c.Name != "diabetes"));
        var csv = ServerFixture.Csv(rows);
        var data = Path.Combine(_folder, "rows.csv");
        var written = Path.Combine(_folder, "predictions.csv");
        await File.WriteAllTextAsync(data, csv);
        var error = new StringWriter();
        (await CliApp.RunAsync(["predict", "--model", modelPath, "--data", data, "--out", written], new StringWriter(), error, _folder)).Should().Be(0, error.ToString());
        var predicted = (await File.ReadAllLinesAsync(written)).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToList();

        using var cts = new CancellationTokenSource();
        var output = new SignalWriter();
        var serveError = new StringWriter();
        var run = CliApp.RunAsync(["serve", "--file", modelPath, "--port", "0"], output, serveError, _folder, cts.Token);
        var line = await output.FirstLine.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var url = ServeCommandTests.UrlPattern().Match(line);
        url.Success.Should().BeTrue(line + serveError);
        List<double> served;
        using (var http = new HttpClient())
        {
            using var response = await http.PostAsync(new Uri(url.Value + "/invocations"), new StringContent(csv, Encoding.UTF8, "text/csv"));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            response.IsSuccessStatusCode.Should().BeTrue(body.ToString());
            served = [.. body.GetProperty("probabilities").EnumerateArray().Select(e => e.GetDouble())];
        }

        await cts.CancelAsync();
        (await run).Should().Be(0, serveError.ToString());
        served.Should().HaveCount(80).And.Equal(predicted);
        ModelFile.Load(modelPath).Features.OutputNames.Should().Contain(n => n.StartsWith("glucose_quartile=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_TransformNotLoaded_Exits2WithTheClearRefusal()
    {
        var modelPath = TrainModel();
        _registration.Dispose();

        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--file", modelPath, "--port", "0"], new StringWriter(), error, _folder);

        code.Should().Be(2);
        error.ToString().Should().Contain($"model needs transform {_name} v1 from Serving.Tests.Team (digest sha256:5e5e)").And.Contain("refusing");
    }

    [Fact]
    public async Task Predict_TransformNotLoaded_Exits2WithTheClearRefusal()
    {
        var modelPath = TrainModel();
        _registration.Dispose();
        var data = Path.Combine(_folder, "rows.csv");
        await File.WriteAllTextAsync(data, ServerFixture.Csv(SyntheticData.Generate("diabetes", 5, 2)));

        var error = new StringWriter();
        var code = await CliApp.RunAsync(["predict", "--model", modelPath, "--data", data, "--out", Path.Combine(_folder, "p.csv")], new StringWriter(), error, _folder);

        code.Should().Be(2);
        error.ToString().Should().Contain($"model needs transform {_name} v1");
        File.Exists(Path.Combine(_folder, "p.csv")).Should().BeFalse();
    }
}
