using System.Text.Json;
using Toolkit.Registry.Mlflow.Tests;

namespace Toolkit.Monitoring.Tests;

/// <summary>An ONNX file registered with <c>--file --data</c> in the MLflow backend (a stand-in on 127.0.0.1), monitored from there.</summary>
public sealed class MonitorMlflowTests : IDisposable
{
    private readonly TestFolder _folder = new();
    private readonly FakeMlflowServer _mlflow = new();

    public MonitorMlflowTests()
    {
        Directory.CreateDirectory(_folder.File("models/diabetes"));
        File.Copy(Path.Combine(MonitoredProject.RepositoryRoot, "models/diabetes/model.yaml"), _folder.File("models/diabetes/model.yaml"));
        File.WriteAllText(_folder.File("toolkit.yaml"), $"store: .toolkit\nregistry: {{ backend: mlflow, tracking_uri: \"{_mlflow.BaseUri.AbsoluteUri.TrimEnd('/')}\" }}\n");
    }

    public void Dispose()
    {
        _mlflow.Dispose();
        _folder.Dispose();
    }

    private async Task<(int ExitCode, string Output, string Error)> Ok(params string[] args)
    {
        var result = await Mlops.RunAsync(_folder.Path, args);
        result.ExitCode.Should().Be(0, $"mlops {string.Join(' ', args)}: {result.Error}");
        return result;
    }

    [Fact]
    public async Task Monitor_OnnxVersionRegisteredFromAFileInMlflow_ProfileFromTheHeldOutRowsAndDriftOnShiftedRowsOnly()
    {
        await Ok("data", "synth", "--generator", "diabetes", "--rows", "2000", "--seed", "3", "--out", "train.csv");
        await Ok("data", "synth", "--generator", "diabetes", "--rows", "1500", "--seed", "4", "--out", "heldout.csv");
        await Ok("data", "synth", "--generator", "diabetes", "--rows", "1500", "--seed", "5", "--out", "live.csv");
        await Ok("data", "synth", "--generator", "diabetes", "--rows", "1500", "--seed", "6", "--drift", "0.3", "--out", "shifted.csv");
        await Ok("train", "--data", "train.csv", "--label", "diabetes", "--algorithm", "logistic-regression", "--out", "model.tkm");
        await Ok("model", "export", "--file", "model.tkm", "--format", "onnx", "-o", "model.onnx");

        var registered = await Ok("model", "register", "--model", "diabetes", "--file", "model.onnx", "--data", "heldout.csv", "--json");
        await Ok("model", "promote", "diabetes", "--version", "1", "--to", "dev");
        var show = await Ok("model", "show", "diabetes", "--json");
        var same = await Mlops.RunAsync(_folder.Path, "monitor", "diabetes", "--stage", "dev", "--data", "live.csv", "--json");
        var shifted = await Mlops.RunAsync(_folder.Path, "monitor", "diabetes", "--stage", "dev", "--data", "shifted.csv", "--json");

        JsonDocument.Parse(registered.Output).RootElement.GetProperty("profile").GetBoolean().Should().BeTrue();
        var version = JsonDocument.Parse(show.Output).RootElement.GetProperty("versions")[0];
        version.GetProperty("flavor").GetString().Should().Be("onnx");
        version.GetProperty("parameters").GetProperty("profile_source").GetString().Should().Be("held-out data (--data)");
        _mlflow.Requests.Should().Contain(r => r.PathAndQuery.Contains("reference_profile", StringComparison.Ordinal), "the profile is a version artifact in MLflow");

        same.ExitCode.Should().Be(0, same.Error);
        var report = JsonDocument.Parse(same.Output).RootElement;
        report.GetProperty("trigger").GetString().Should().Be("none");
        report.GetProperty("profile_source").GetString().Should().Be("held-out data (--data)");
        shifted.ExitCode.Should().Be(3, shifted.Error);
        var drifted = JsonDocument.Parse(shifted.Output).RootElement;
        drifted.GetProperty("prediction_drift").GetProperty("drifted").GetBoolean().Should().BeTrue();
        drifted.GetProperty("features").EnumerateArray().Where(f => f.GetProperty("drifted").GetBoolean()).Select(f => f.GetProperty("name").GetString())
            .Should().Contain(["age", "bmi", "glucose"]);
    }
}
