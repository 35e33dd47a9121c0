using System.Text.Json;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Onnx;
using Toolkit.Ml.Training;

namespace Toolkit.Cli.Tests.Commands;

/// <summary><c>mlops model export</c> on model files and on registered versions (embedded registry, a real project folder).</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ExportCommandTests()
    {
        File.WriteAllText(_temp.File("toolkit.yaml"), "store: .toolkit\n");
        var policy = Path.Combine(TempFolder.RepositoryRoot, "models", "housing");
        Directory.CreateDirectory(_temp.File("models/housing"));
        foreach (var file in Directory.GetFiles(policy))
        {
            File.Copy(file, Path.Combine(_temp.File("models/housing"), Path.GetFileName(file)));
        }
    }

    public void Dispose()
    {
        // The registry stores its files read-only.
        foreach (var file in Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task Export_ModelFile_WritesTheExportersOnnxBytes()
    {
        var path = Train("housing", "gradient-boosting", FeaturePipelineOptions.ForTrees);

        var result = await Mlops("model", "export", "--file", "model.tkm", "--format", "onnx", "-o", "model.onnx", "--json");

        result.ExitCode.Should().Be(0, result.Error);
        File.ReadAllBytes(_temp.File("model.onnx")).Should().Equal(OnnxExporter.Export(ModelFile.Load(path)));
        using var json = JsonDocument.Parse(result.Output);
        json.RootElement.GetProperty("output").GetString().Should().Be("score");
        json.RootElement.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()).Should().Contain("neighborhood");
    }

    [Fact]
    public async Task Export_RegisteredVersion_WritesTheSameBytesAsTheFile()
    {
        var path = Train("housing", "ridge", FeaturePipelineOptions.ForLinearModels);
        var registered = await Mlops("model", "register", "--model", "housing", "--file", path);
        registered.ExitCode.Should().Be(0, registered.Error);

        var result = await Mlops("model", "export", "--model", "housing", "--model-version", "1", "-o", "registered.onnx");

        result.ExitCode.Should().Be(0, result.Error);
        File.ReadAllBytes(_temp.File("registered.onnx")).Should().Equal(OnnxExporter.Export(ModelFile.Load(path)));
    }

    [Fact]
    public async Task Export_StepOnnxCannotExpress_ExitsTwoNamingTheStepAndWritesNothing()
    {
        Train("diabetes", "logistic-regression", FeaturePipelineOptions.ForLinearModels with { UnknownCategory = UnknownCategory.Error });

        var result = await Mlops("model", "export", "--file", "model.tkm", "-o", "model.onnx");

        result.ExitCode.Should().Be(2);
        result.Error.Trim().Should().StartWith("mlops: error: cannot export to ONNX: feature step 'categorical' of column 'sex'")
            .And.NotContain("\n");
        File.Exists(_temp.File("model.onnx")).Should().BeFalse();
    }

    [Theory]
    [InlineData("--format", "pmml")]
    [InlineData("--model-version", "1")]
    public async Task Export_BadUsage_ExitsTwo(string option, string value)
    {
        var result = await Mlops("model", "export", option, value, "-o", "model.onnx");

        result.ExitCode.Should().Be(2);
        result.Error.Should().StartWith("mlops: error: ");
    }

    [Fact]
    public async Task Export_UnknownVersion_ExitsTwoNamingIt()
    {
        var path = Train("housing", "ridge", FeaturePipelineOptions.ForLinearModels);
        var registered = await Mlops("model", "register", "--model", "housing", "--file", path);
        registered.ExitCode.Should().Be(0, registered.Error);

        var result = await Mlops("model", "export", "--model", "housing", "--model-version", "7", "-o", "model.onnx");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("no version 7");
    }

    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);

    private string Train(string generator, string algorithm, FeaturePipelineOptions options)
    {
        var data = SyntheticData.Generate(generator, 1500, 4);
        var label = SyntheticData.LabelOf(generator);
        var parameters = algorithm == "gradient-boosting" ? new Dictionary<string, string> { ["rounds"] = "20" } : [];
        var model = ModelTrainer.Train(data, new TrainRequest
        {
            Algorithm = algorithm,
            Label = label,
            Parameters = parameters,
            Features = FeaturePipeline.Fit(data.WithLabel(label), options),
        }, new TrainContext { Seed = 4 });
        var path = _temp.File("model.tkm");
        ModelFile.Save(model, path);
        return path;
    }

}
