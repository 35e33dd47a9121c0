using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Models;
using Toolkit.Registry;
using Toolkit.Deployment.Targets;
using Toolkit.Docker;
using Toolkit.Docker.Containers;
using Toolkit.Registry.Embedded;

namespace Toolkit.Deployment.Tests;

/// <summary>An ONNX version deployed like a .tkm one: a real <c>mlops serve</c> process scoring it through ONNX Runtime.</summary>
public sealed class OnnxDeploymentTests(TrainedModels models) : IClassFixture<TrainedModels>
{
    [Fact]
    public async Task Deploy_OnnxVersionToDevProcess_PassesSmokeAndAnswersLikeMlopsPredictOnTheOnnxFile()
    {
        await using var project = await DeployProject.CreateAsync(models);
        var (onnx, version) = await RegisterOnnxAsync(project);
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

    [DockerFact]
    public async Task Deploy_OnnxVersionToDevDocker_ImageCarriesOnlyLinuxX64NativeFilesAndServes()
    {
        await using var project = await DeployProject.CreateAsync(models);
        var (_, version) = await RegisterOnnxAsync(project);
        await project.PromoteAsync(version);

        var json = await project.DeployJsonAsync("--target", "docker");

        json.GetProperty("smoke").GetProperty("passed").GetBoolean().Should().BeTrue();
        json.GetProperty("load").GetProperty("errors").GetInt64().Should().Be(0);
        using var docker = DockerClientOptions.FromEnvironment().CreateClient();
        var id = await docker.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = json.GetProperty("image").GetString()!,
            Entrypoint = ["/bin/sh", "-c", "ls /app/runtimes; ls /model"],
            Labels = new Dictionary<string, string> { ["toolkit.model"] = project.Name },
        });
        await docker.Containers.StartAsync(id);
        (await docker.Containers.WaitAsync(id)).Should().Be(0);
        var listed = (await docker.Containers.GetLogsAsync(id)).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await docker.Containers.RemoveAsync(id);
        listed.Should().Contain("linux-x64").And.Contain(project.Name + ".onnx");
        listed.Should().NotContain(["win-x64", "osx-arm64", "android", "ios", "linux-arm64"]);
    }

    [Fact]
    public void ShippedFiles_DevBuildFolder_LeavesOutOtherPlatformsNativeFiles()
    {
        var folder = Directory.CreateTempSubdirectory("toolkit-shipped-").FullName;
        try
        {
            foreach (var file in new[] { "mlops.dll", "runtimes/linux-x64/native/libonnxruntime.so", "runtimes/unix/lib/net10.0/X.dll", "runtimes/win-x64/native/onnxruntime.dll", "runtimes/osx-arm64/native/libonnxruntime.dylib" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, file))!);
                File.WriteAllText(Path.Combine(folder, file), file);
            }

            ModelServiceImage.ShippedFiles(folder).Should().Equal("mlops.dll", "runtimes/linux-x64/native/libonnxruntime.so", "runtimes/unix/lib/net10.0/X.dll");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Exports the fixture's gradient-boosting model to ONNX and registers it (gates passed, smoke sample scored by the ONNX model).</summary>
    private async Task<(string Path, int Version)> RegisterOnnxAsync(DeployProject project)
    {
        var onnx = Path.Combine(project.Root, "m2.onnx");
        await DeployProject.MlopsOkAsync(project.Root, "model", "export", "--file", models.ModelFile(2), "--format", "onnx", "-o", onnx);
        await using var registry = await EmbeddedRegistry.OpenAsync(project.RegistryRoot);
        var registered = await registry.RegisterAsync(new RegisterRequest
        {
            Model = project.Name,
            ModelFile = onnx,
            GatePassed = true,
            SmokeSample = SmokeSample.Take(ModelLoader.Load(onnx), CsvReader.Read(models.HeldOut), 20, seed: 5),
        });
        return (onnx, registered.Version.Version);
    }
}
