using Toolkit.Components;
using Toolkit.Docker.Execution;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Docker.Tests.Execution;

/// <summary>
/// The reference diabetes pipeline run twice, in-process and with every step in a container: the
/// same artifacts (model digest included) and the same metrics.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class PipelineDockerIntegrationTests(DockerFixture fixture)
{
    [DockerFact]
    public async Task DiabetesPipeline_InContainers_SameDigestsAndMetricsAsInProcess()
    {
        var image = await fixture.ComponentsImageAsync();
        using var work = new TestFolder();
        var spec = PipelineLoader.LoadFile(Path.Combine(fixture.RepositoryRoot, "pipelines", "diabetes.yaml")).Spec!;
        var options = new RunOptions { Params = new Dictionary<string, string> { ["rows"] = "2000" }, MaxParallel = 2 };

        // Relative paths in the pipeline (the gate's policy) are relative to the project: run from there.
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = fixture.RepositoryRoot;
        RunResult local;
        RunResult docker;
        try
        {
            await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "local")))
            {
                local = await new PipelineRunner(workspace, BuiltInComponents.Create(), new LocalExecutor()).RunAsync(spec, options);
            }

            var executor = new DockerExecutor(fixture.Client, new DockerExecutorOptions
            {
                ComponentsImage = image.Tags[0],
                Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "pipeline" },
            });
            await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "docker")))
            {
                docker = await new PipelineRunner(workspace, BuiltInComponents.Create(), executor).RunAsync(spec, options);
            }
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }

        local.Status.Should().Be(RunStatus.Succeeded, local.Error);
        docker.Status.Should().Be(RunStatus.Succeeded, docker.Error);
        docker.Steps.Select(s => s.Name).Should().Equal(local.Steps.Select(s => s.Name));
        foreach (var (d, l) in docker.Steps.Zip(local.Steps))
        {
            d.Outputs.Should().Equal(l.Outputs, $"step '{d.Name}' writes the same bytes in a container");
            d.Values.Should().Equal(l.Values, $"step '{d.Name}' reports the same values");
        }

        docker.Steps.Single(s => s.Name == "select").Outputs["model"].Should().StartWith("sha256:");
        docker.Steps.Single(s => s.Name == "evaluate").Values["auc"].Should().BeGreaterThan(0.75);
        (await fixture.Client.Containers.ListAsync(DockerFixture.TestLabel + "=pipeline")).Should().BeEmpty("every step's container is removed");
    }
}
