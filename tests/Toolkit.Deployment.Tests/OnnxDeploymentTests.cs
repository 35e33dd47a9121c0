using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Models;
using Toolkit.Registry;
using Toolkit.Registry.Embedded;

namespace Toolkit.Deployment.Tests;

/// <summary>An ONNX version deployed like a .tkm one: a real <c>mlops serve</c> process scoring it through ONNX Runtime.</summary>
public sealed class OnnxDeploymentTests(TrainedModels models) : IClassFixture<TrainedModels>
{
    [Fact]
    public async Task Deploy_OnnxVersionToDevProcess_PassesSmokeAndAnswersLikeMlopsPredictOnTheOnnxFile()
    {
        await using var project = await DeployProject.CreateAsync(models);
        var onnx = Path.Combine(project.Root, "m2.onnx");
        await DeployProject.MlopsOkAsync(project.Root, "model", "export", "--file", models.ModelFile(2), "--format", "onnx", "-o", onnx);
        int version;
        await using (var registry = await EmbeddedRegistry.OpenAsync(project.RegistryRoot))
        {
            var registered = await registry.RegisterAsync(new RegisterRequest
            {
                Model = project.Name,
                ModelFile = onnx,
                GatePassed = true,
                SmokeSample = SmokeSample.Take(ModelLoader.Load(onnx), CsvReader.Read(models.HeldOut), 20, seed: 5),
            });
            version = registered.Version.Version;
        }

        await project.PromoteAsync(version);

        var json = await project.DeployJsonAsync("--target", "process");

        json.GetProperty("version").GetInt32().Should().Be(version);
        json.GetProperty("smoke").GetProperty("passed").GetBoolean().Should().BeTrue();
        json.GetProperty("load").GetProperty("errors").GetInt64().Should().Be(0);
        var rows = ProcessDeploymentTests.WithoutLabel([.. File.ReadLines(models.HeldOut).Take(41)]);
        var data = Path.Combine(project.Root, "rows.csv");
        await File.WriteAllTextAsync(data, rows);
        await DeployProject.MlopsOkAsync(project.Root, "predict", "--model", onnx, "--data", data, "--out", "predicted.csv");
        var expected = File.ReadLines(Path.Combine(project.Root, "predicted.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        using var answer = await http.PostAsync(new Uri("invocations", UriKind.Relative), new StringContent(rows, Encoding.UTF8, "text/csv"));
        answer.IsSuccessStatusCode.Should().BeTrue(await answer.Content.ReadAsStringAsync());
        var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("predictions").EnumerateArray().Select(e => e.GetString()).Should().Equal(expected.Select(l => l[0]));
        body.GetProperty("probabilities").EnumerateArray().Select(e => e.GetDouble())
            .Should().Equal(expected.Select(l => double.Parse(l[1], CultureInfo.InvariantCulture)));
        (await project.HistoryAsync())[^1].Should().Match<AuditEvent>(e => e.Action == AuditAction.Deploy && e.Version == version);
    }
}
