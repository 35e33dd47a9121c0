using Toolkit.Components;
using Toolkit.Components.Team;
using Toolkit.Docker.Execution;
using Toolkit.Docker.Packaging;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Project;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Docker.Tests.Execution;

/// <summary>
/// A team project (scaffolded by <c>component new</c>, built by the toolkit) carried by the components image:
/// its step writes the same bytes in a container as in-process.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class TeamComponentDockerIntegrationTests(DockerFixture fixture)
{
    [DockerFact]
    public async Task TeamComponent_InTheComponentsImage_SameBytesAsInProcess()
    {
        await fixture.ComponentsImageAsync(); // publishes mlops once for the collection
        using var work = new TestFolder();
        var project = Path.Combine(work.Path, "project");
        ComponentScaffold.Create("churn/log-scale", Path.Combine(project, "teams", "Churn.LogScale"),
            Path.Combine(fixture.RepositoryRoot, "src", "Toolkit.Sdk", "Toolkit.Sdk.csproj"));
        await File.WriteAllTextAsync(Path.Combine(project, "toolkit.yaml"), "components:\n  - teams/Churn.LogScale/Churn.LogScale.csproj\n");
        var pipeline = Path.Combine(project, "team.yaml");
        await File.WriteAllTextAsync(pipeline, """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: team
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: diabetes, rows: 500, seed: 5 }
              - name: logs
                uses: churn/log-scale
                inputs: { dataset: ingest.dataset }
                with: { column: bmi }
              - name: split
                uses: data/split
                inputs: { dataset: logs.dataset }
            """);
        var projects = await TeamProjects.LoadAsync(ProjectSettings.Load(Path.Combine(project, "toolkit.yaml")), TextWriter.Null);
        var images = new ComponentsImage(fixture.Client, fixture.RepositoryRoot);
        ComponentsImageBuild image;
        try
        {
            images.IncludeTeamProjects(projects.Select(p => p.OutputDirectory));
            image = await images.BuildAsync(repository: "toolkit-test/components-team", baseImage: DockerFixture.BaseImage);
        }
        finally
        {
            // The shared publish folder goes back to the toolkit alone for the other tests.
            images.IncludeTeamProjects([]);
        }

        // The image says which builds it carries: a run with this project's builds uses it as it is.
        var folder = projects.Single().OutputDirectory;
        var labels = (await fixture.Client.Images.InspectAsync(image.Tags[0])).Labels;
        labels[TeamImage.Label].Should().Be($"{Path.GetFileName(folder)}@sha256:{TeamImage.FolderDigest(folder)}");
        labels.Should().ContainKey("org.opencontainers.image.revision", "the other labels stay");
        var log = new StringWriter();
        var chosen = await new TeamImage(fixture.Client).EnsureAsync(image.Tags[0], [folder], log);
        chosen.Should().Be(new TeamImageResult(image.Tags[0], Derived: false, Built: false));
        log.ToString().Should().BeEmpty();
        (await new TeamImage(fixture.Client).MissingAsync(image.Tags[0], [folder])).Should().BeEmpty("what Argo would run carries the build");

        var catalog = TeamComponents.Merge(BuiltInComponents.Create(), projects);
        var spec = PipelineLoader.LoadFile(pipeline).Spec!;
        PipelineValidator.Validate(spec, catalog).Should().BeEmpty();
        var options = new RunOptions { MaxParallel = 2, ProjectDirectory = project };
        RunResult local, docker;
        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "local")))
        {
            local = await new PipelineRunner(workspace, catalog, new LocalExecutor()).RunAsync(spec, options);
        }

        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "docker")))
        {
            docker = await new PipelineRunner(workspace, catalog, new DockerExecutor(fixture.Client, new DockerExecutorOptions
            {
                ComponentsImage = image.Tags[0],
                Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "pipeline" },
            })).RunAsync(spec, options);
        }

        local.Status.Should().Be(RunStatus.Succeeded, local.Error);
        docker.Status.Should().Be(RunStatus.Succeeded, docker.Error);
        foreach (var (d, l) in docker.Steps.Zip(local.Steps))
        {
            d.Outputs.Should().Equal(l.Outputs, $"step '{d.Name}' writes the same bytes in a container");
            d.Values.Should().Equal(l.Values, $"step '{d.Name}' reports the same values");
        }

        docker.Steps.Single(s => s.Name == "logs").Values["rows"].Should().Be(500);
        (await fixture.Client.Containers.ListAsync(DockerFixture.TestLabel + "=pipeline")).Should().BeEmpty("every step's container is removed");
    }
}
