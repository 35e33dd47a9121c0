using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Toolkit.Cli;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Models;
using Toolkit.Ml.Onnx;
using Toolkit.Ml.Training;

namespace Toolkit.Serving.Tests;

/// <summary><c>mlops serve --file model.onnx</c>: the server scores an ONNX export through ONNX Runtime, like <c>mlops predict</c> on it.</summary>
public sealed class OnnxServeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("toolkit-onnx-serve-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ServeFile_OnnxExport_InvocationsEqualMlopsPredictAndTheTkmModel()
    {
        var train = SyntheticData.Generate("diabetes", 600, 4);
        var model = ModelTrainer.Train(train, new TrainRequest
        {
            Algorithm = "gradient-boosting",
            Label = "diabetes",
            Parameters = new Dictionary<string, string> { ["rounds"] = "20" },
        }, new TrainContext { Seed = 4 });
        var onnx = Path.Combine(_folder, "model.onnx");
        OnnxExporter.Export(model, onnx);
        var fresh = SyntheticData.Generate("diabetes", 80, 41);
        var rows = new DataTable(fresh.Columns.Where(c => c.Name != "diabetes"));
        var csv = ServerFixture.Csv(rows);
        var data = Path.Combine(_folder, "rows.csv");
        await File.WriteAllTextAsync(data, csv);
        var written = Path.Combine(_folder, "predictions.csv");
        var predictError = new StringWriter();
        (await CliApp.RunAsync(["predict", "--model", onnx, "--data", data, "--out", written], new StringWriter(), predictError, _folder))
            .Should().Be(0, predictError.ToString());
        var predicted = (await File.ReadAllLinesAsync(written)).Skip(1).Select(l => l.Split(',')).ToList();

        using var cts = new CancellationTokenSource();
        var output = new SignalWriter();
        var error = new StringWriter();
        var run = CliApp.RunAsync(["serve", "--file", onnx, "--port", "0"], output, error, _folder, cts.Token);
        var line = await output.FirstLine.Task.WaitAsync(TimeSpan.FromMinutes(1));
        JsonElement body;
        try
        {
            line.Should().Contain("sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(onnx))));
            using var http = new HttpClient { BaseAddress = new Uri(ServeCommandTests.UrlPattern().Match(line).Value) };
            using var response = await http.PostAsync(new Uri("/invocations", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv"));
            response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
            body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        finally
        {
            await cts.CancelAsync();
        }

        (await run).Should().Be(0, error.ToString());
        var served = body.GetProperty("probabilities").EnumerateArray().Select(e => e.GetDouble()).ToList();
        body.GetProperty("predictions").EnumerateArray().Select(e => e.GetString()).Should().Equal(predicted.Select(l => l[0]));
        served.Should().Equal(predicted.Select(l => double.Parse(l[1], CultureInfo.InvariantCulture)));
        var ours = model.Predict(rows);
        for (var i = 0; i < served.Count; i++)
        {
            served[i].Should().BeApproximately(ours.Scores[i], 1e-6, $"row {i + 1}: the ONNX export scores like the .tkm");
        }
    }
}
