using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;

namespace Toolkit.Monitoring.Tests;

/// <summary>A regressor of another flavor (ONNX, registered with <c>--file --data</c>): its predicted values are the scores compared.</summary>
public sealed class MonitorRegressionFlavorTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public MonitorRegressionFlavorTests()
    {
        Directory.CreateDirectory(_folder.File("models/housing"));
        File.Copy(Path.Combine(MonitoredProject.RepositoryRoot, "models/housing/model.yaml"), _folder.File("models/housing/model.yaml"));
        File.WriteAllText(_folder.File("toolkit.yaml"), "store: .toolkit\n");
    }

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _folder.Dispose();
    }

    private async Task Ok(params string[] args)
    {
        var result = await Mlops.RunAsync(_folder.Path, args);
        result.ExitCode.Should().Be(0, $"mlops {string.Join(' ', args)}: {result.Error}");
    }

    /// <summary>The rows of <paramref name="source"/> with these numeric columns multiplied by <paramref name="factor"/> (missing values stay missing).</summary>
    private string Scaled(string source, string name, double factor, params string[] columns)
    {
        var table = CsvReader.Read(_folder.File(source));
        var scaled = new DataTable(table.Columns.Select(c => columns.Contains(c.Name)
            ? new Float64Column(c.Name, [.. Enumerable.Range(0, c.Length).Select(i => c.GetDouble(i) * factor)])
            : c));
        CsvWriter.Write(scaled, _folder.File(name));
        return _folder.File(name);
    }

    [Fact]
    public async Task Monitor_OnnxRegressorFromAFile_NoTriggerOnItsPopulationAndDriftOfInputsAndPredictionsWhenShifted()
    {
        await Ok("data", "synth", "--generator", "housing", "--rows", "3000", "--seed", "1", "--out", "train.csv");
        await Ok("data", "synth", "--generator", "housing", "--rows", "1500", "--seed", "2", "--out", "heldout.csv");
        await Ok("data", "synth", "--generator", "housing", "--rows", "1500", "--seed", "3", "--out", "live.csv");
        await Ok("train", "--data", "train.csv", "--label", "price", "--algorithm", "gradient-boosting", "--out", "model.tkm");
        await Ok("model", "export", "--file", "model.tkm", "--format", "onnx", "-o", "model.onnx");
        await Ok("model", "register", "--model", "housing", "--file", "model.onnx", "--data", "heldout.csv");
        await Ok("model", "promote", "housing", "--version", "1", "--to", "dev");
        var shifted = Scaled("live.csv", "shifted.csv", 1.6, "rooms", "lot_size");

        var same = await Mlops.RunAsync(_folder.Path, "monitor", "housing", "--stage", "dev", "--data", "live.csv", "--json");
        var moved = await Mlops.RunAsync(_folder.Path, "monitor", "housing", "--stage", "dev", "--data", shifted, "--json");

        same.ExitCode.Should().Be(0, same.Error);
        var report = JsonDocument.Parse(same.Output).RootElement;
        report.GetProperty("trigger").GetString().Should().Be("none");
        var predictions = report.GetProperty("prediction_drift");
        predictions.GetProperty("drifted").GetBoolean().Should().BeFalse();
        double.IsFinite(predictions.GetProperty("wasserstein_norm").GetDouble()).Should().BeTrue("the predicted prices are the scores");

        moved.ExitCode.Should().Be(3, moved.Error);
        var drifted = JsonDocument.Parse(moved.Output).RootElement;
        drifted.GetProperty("features").EnumerateArray().Where(f => f.GetProperty("drifted").GetBoolean()).Select(f => f.GetProperty("name").GetString())
            .Should().Equal("rooms", "lot_size");
        drifted.GetProperty("prediction_drift").GetProperty("drifted").GetBoolean().Should().BeTrue("bigger houses on bigger lots are priced higher");
        drifted.GetProperty("reason").GetString().Should().Be("drift: rooms, lot_size, predictions");
    }
}
