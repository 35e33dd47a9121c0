using System.Text.Json;
using Toolkit.Docker;

namespace Toolkit.Deployment.Tests;

/// <summary>
/// <c>mlops deploy --target docker</c> against the real daemon: the model-service image FROM the local base, container
/// toolkit-NAME-dev on the stage port. Skipped with the reason when no daemon answers; every container and image of the
/// test's model is removed when its project is disposed.
/// </summary>
public sealed class DockerDeploymentTests(TrainedModels models) : IClassFixture<TrainedModels>
{
    [DockerFact]
    public async Task Deploy_DockerToDev_AnswersOnTheStagePortRebuildIsANoOpAndStopLeavesNoContainer()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);

        var first = await project.DeployJsonAsync("--target", "docker");

        first.GetProperty("target").GetString().Should().Be("docker");
        first.GetProperty("url").GetString().Should().Be(project.DevUrl.ToString().TrimEnd('/'));
        first.GetProperty("container").GetString().Should().Be($"toolkit-{project.Name}-dev");
        first.GetProperty("smoke").GetProperty("passed").GetBoolean().Should().BeTrue();
        first.GetProperty("load").GetProperty("errors").GetInt64().Should().Be(0);
        var image = first.GetProperty("image").GetString()!;
        image.Should().StartWith($"toolkit/model-{project.Name}:v1-");
        using (var http = new HttpClient { BaseAddress = project.DevUrl })
        {
            (await http.GetAsync("v2/health/ready")).IsSuccessStatusCode.Should().BeTrue();
            var metadata = JsonDocument.Parse(await http.GetStringAsync($"v2/models/{project.Name}")).RootElement;
            metadata.GetProperty("name").GetString().Should().Be(project.Name);

            // Live traffic (no check header) goes to the stage's log on the host, where mlops monitor reads it.
            var rows = ProcessDeploymentTests.WithoutLabel(File.ReadLines(models.HeldOut).Take(201).ToList());
            using var answer = await http.PostAsync("invocations", new StringContent(rows, System.Text.Encoding.UTF8, "text/csv"));
            answer.IsSuccessStatusCode.Should().BeTrue(await answer.Content.ReadAsStringAsync());
        }

        using var docker = DockerClientOptions.FromEnvironment().CreateClient();
        var inspected = await docker.Images.InspectAsync(image);
        inspected.Id.Should().Be(first.GetProperty("image_digest").GetString());
        inspected.Labels["toolkit.model"].Should().Be(project.Name);
        inspected.Labels["toolkit.version"].Should().Be("1");
        inspected.Labels["toolkit.digest"].Should().Be(first.GetProperty("digest").GetString());
        inspected.Labels["org.opencontainers.image.revision"].Should().Be("0123456789abcdef0123456789abcdef01234567");
        inspected.Labels["org.opencontainers.image.version"].Should().Be("1");

        // The same version again: the same tag, nothing built, one container.
        var again = await project.MlopsAsync("deploy", project.Name, "--stage", "dev", "--target", "docker", "--json");
        again.ExitCode.Should().Be(0, again.Error);
        again.Error.Should().Contain("up to date (nothing to build)").And.NotContain("building image");
        JsonDocument.Parse(again.Output).RootElement.GetProperty("image_digest").GetString().Should().Be(inspected.Id);
        (await project.ContainersAsync()).Should().ContainSingle(c => c.State == "running");

        var stop = await project.MlopsAsync("deploy", "stop", project.Name, "--stage", "dev");
        stop.ExitCode.Should().Be(0, stop.Error);
        (await project.ContainersAsync()).Should().BeEmpty();

        // Stopping drains the service, which flushes its log: the sampled rows are in the host's file.
        var log = Path.Combine(project.DeploymentsRoot, $"{project.Name}-dev", "predictions.jsonl");
        File.Exists(log).Should().BeTrue("the container logs to the mounted stage folder");
        (await File.ReadAllLinesAsync(log)).Should().NotBeEmpty();
    }

    [DockerFact]
    public async Task Deploy_DockerOnnxVersion_ImageServesTheOnnxFileAndPassesItsSmokeTest()
    {
        await using var project = await DeployProject.CreateAsync(models);
        var onnx = Path.Combine(project.Root, "m1.onnx");
        (await project.MlopsAsync("model", "export", "--file", models.ModelFile(1), "--format", "onnx", "-o", onnx)).ExitCode.Should().Be(0);
        var version = await project.RegisterWithSampleOfAsync(onnx, onnx);
        await project.PromoteAsync(version);

        var json = await project.DeployJsonAsync("--target", "docker");

        json.GetProperty("smoke").GetProperty("passed").GetBoolean().Should().BeTrue();
        json.GetProperty("smoke").GetProperty("rows").GetInt32().Should().Be(20);
        var downloaded = Path.Combine(project.DeploymentsRoot, $"{project.Name}-dev", $"{project.Name}-v{version}.onnx");
        File.ReadAllBytes(downloaded).Should().Equal(File.ReadAllBytes(onnx), "the image is built from the version's .onnx file");
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        var rows = ProcessDeploymentTests.WithoutLabel(File.ReadLines(models.HeldOut).Take(6).ToList());
        using var answer = await http.PostAsync("invocations", new StringContent(rows, System.Text.Encoding.UTF8, "text/csv"));
        answer.IsSuccessStatusCode.Should().BeTrue(await answer.Content.ReadAsStringAsync());
        JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("probabilities").GetArrayLength().Should().Be(5);
    }

    [DockerFact]
    public async Task Deploy_DockerAnotherVersionThenMissedSlo_ReplacesThenKeepsTheOldContainerAndExits3()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);
        await project.DeployJsonAsync("--target", "docker");
        await project.PromoteAsync(2);

        var second = await project.DeployJsonAsync("--target", "docker");

        second.GetProperty("version").GetInt32().Should().Be(2);
        var running = (await project.ContainersAsync()).Should().ContainSingle().Subject;
        running.Labels["toolkit.version"].Should().Be("2");
        running.Names.Should().Equal($"/toolkit-{project.Name}-dev");

        await project.PromoteAsync(1);
        await project.WritePolicyAsync("{ min_rps: 1e9 }");
        var failed = await project.MlopsAsync("deploy", project.Name, "--stage", "dev", "--target", "docker");

        failed.ExitCode.Should().Be(3, failed.Error);
        failed.Error.Should().Contain("min_rps");
        var still = (await project.ContainersAsync()).Should().ContainSingle("the candidate was removed").Subject;
        still.Id.Should().Be(running.Id, "the old container never stopped");
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        (await http.GetAsync("v2/health/ready")).IsSuccessStatusCode.Should().BeTrue();
    }
}
