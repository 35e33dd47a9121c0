using Toolkit.Components;
using Toolkit.Docker.Execution;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Docker.Tests.Execution;

/// <summary>The sales reference pipeline (data/split-xy, two trainers on x/y artifacts, compare) in containers and in-process: the same bytes.</summary>
[Collection(DockerCollection.Name)]
public sealed class SalesPipelineDockerTests(DockerFixture fixture)
{
    [DockerFact]
    public async Task SalesPipeline_InContainers_SameDigestsAndMetricsAsInProcess()
    {
        var image = await fixture.ComponentsImageAsync();
        using var work = new TestFolder();
        var spec = PipelineLoader.LoadFile(Path.Combine(fixture.RepositoryRoot, "pipelines", "sales.yaml")).Spec!;
        var options = new RunOptions { Params = new Dictionary<string, string> { ["rows"] = "2000" }, MaxParallel = 2, ProjectDirectory = fixture.RepositoryRoot };
        RunResult local;
        RunResult docker;
        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "local")))
        {
            local = await new PipelineRunner(workspace, BuiltInComponents.Create(), new LocalExecutor()).RunAsync(spec, options);
        }

        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "docker")))
        {
            var executor = new DockerExecutor(fixture.Client, new DockerExecutorOptions
            {
                ComponentsImage = image.Tags[0],
                Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "sales" },
            });
            docker = await new PipelineRunner(workspace, BuiltInComponents.Create(), executor).RunAsync(spec, options);
        }

        local.Status.Should().Be(RunStatus.Succeeded, local.Error);
        docker.Status.Should().Be(RunStatus.Succeeded, docker.Error);
        foreach (var (d, l) in docker.Steps.Zip(local.Steps))
        {
            d.Outputs.Should().Equal(l.Outputs, $"step '{d.Name}' writes the same bytes in a container");
            d.Values.Should().Equal(l.Values, $"step '{d.Name}' reports the same values");
        }

        docker.Steps.Single(s => s.Name == "preprocess").Outputs.Keys.Should().BeEquivalentTo("x_train", "x_test", "y_train", "y_test");
        docker.Steps.Single(s => s.Name == "compare").Values["models"].Should().Be(2);
        (await fixture.Client.Containers.ListAsync(DockerFixture.TestLabel + "=sales")).Should().BeEmpty("every step's container is removed");
    }
}
