using Toolkit.Components;
using Toolkit.Components.Team;
using Toolkit.Docker.Execution;
using Toolkit.Docker.Packaging;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Project;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;
using Toolkit.Sdk.Hosting;
using Toolkit.Tests.Shared;

namespace Toolkit.Docker.Tests.Execution;

/// <summary>
/// A components image built before the team's projects existed: a Docker run derives one that carries them
/// (once per image and builds), and a team component and a team transform write the same bytes as in-process.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class TeamImageDockerIntegrationTests(DockerFixture fixture)
{
    private const string Pipeline = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: team-image
        steps:
          - name: ingest
            uses: data/synthesize
            with: { generator: diabetes, rows: 600, seed: 9 }
          - name: clip
            uses: acme/clip
            inputs: { dataset: ingest.dataset }
            with: { column: bmi }
          - name: split
            uses: data/split
            inputs: { dataset: clip.dataset }
            with: { stratify: diabetes, seed: 9 }
          - name: features
            uses: features/fit
            inputs: { train: split.train }
            with: { label: diabetes, transforms: diabetes/clinical-features, imputation: median, scaling: standardize }
          - name: train
            uses: train/logistic-regression
            inputs: { train: split.train, features: features.features }
            with: { label: diabetes }
        """;

    [DockerFact]
    public async Task EnsureAsync_ImageWithoutTheTeamBuilds_DerivesOnceSameBytes_NewTagWhenTheSourceChanges()
    {
        TeamAssemblies.BeginScope(); // this test's transform registrations are its own
        var plain = await fixture.ComponentsImageAsync();
        (await fixture.Client.Images.InspectAsync(plain.Tags[0])).Labels[TeamImage.Label].Should().BeEmpty("the toolkit's image carries no team builds");
        using var work = new TestFolder();
        var project = Path.Combine(work.Path, "project");
        var clipFolder = Path.Combine(project, "teams", "Acme.Clip");
        ComponentScaffold.Create("acme/clip", clipFolder, Path.Combine(fixture.RepositoryRoot, "src", "Toolkit.Sdk", "Toolkit.Sdk.csproj"));
        DiabetesFeaturesProject.CopyTo(fixture.RepositoryRoot, project);
        var settingsFile = Path.Combine(project, "toolkit.yaml");
        await File.WriteAllTextAsync(settingsFile, DiabetesFeaturesProject.ComponentsYaml + "  - teams/Acme.Clip/Acme.Clip.csproj\n");
        var pipeline = Path.Combine(project, "team.yaml");
        await File.WriteAllTextAsync(pipeline, Pipeline);

        var projects = await TeamProjects.LoadAsync(ProjectSettings.Load(settingsFile), TextWriter.Null);
        var folders = projects.Select(p => p.OutputDirectory).ToList();
        var images = new TeamImage(fixture.Client);

        // What a pinned image (Argo) lacks is named; an image that is not here cannot be told.
        (await images.MissingAsync(plain.Tags[0], folders)).Should().Equal(folders.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        (await images.MissingAsync("toolkit-test/no-such-image:0", folders)).Should().BeNull();
        var made = new List<string>();
        try
        {
            // (b) the image lacks the builds: a derived one is made, named after the chosen image's repository.
            var log = new StringWriter();
            var first = await images.EnsureAsync(plain.Tags[0], folders, log);
            made.Add(first.Image);
            first.Derived.Should().BeTrue();
            first.Built.Should().BeTrue();
            first.Image.Should().MatchRegex("^toolkit-test/components:team-[0-9a-f]{12}$");
            log.ToString().Should().StartWith($"adding team projects {string.Join(", ", folders.Select(Path.GetFileName).Order(StringComparer.Ordinal))} to {plain.Tags[0]} → {first.Image}");
            var firstImage = await fixture.Client.Images.InspectAsync(first.Image);
            firstImage.Labels[TeamImage.Label].Should().Be(TeamImage.LabelOf(folders));

            var (local, docker) = await RunBothAsync(projects, pipeline, project, work.Path, first.Image, "first");
            SameResults(docker, local);
            docker.Steps.Single(s => s.Name == "clip").Values["rows"].Should().Be(600);
            (await fixture.Client.Containers.ListAsync(DockerFixture.TestLabel + "=team-image")).Should().BeEmpty("every step's container is removed");

            // (c) a second run with the same image and builds builds nothing.
            log.GetStringBuilder().Clear();
            var second = await images.EnsureAsync(plain.Tags[0], folders, log);
            second.Should().Be(first with { Built = false });
            (await fixture.Client.Images.InspectAsync(second.Image)).Id.Should().Be(firstImage.Id);
            log.ToString().Should().BeEmpty();

            // (d) an edited team source is another build, so another image; derived from the first (which carries
            // the old build), its team folder is replaced, not merged: a stale acme/clip would be a name used twice.
            await File.AppendAllTextAsync(Path.Combine(clipFolder, "ClipComponent.cs"), "\n// edited: another build\n");
            var edited = await TeamProjects.LoadAsync(ProjectSettings.Load(settingsFile), TextWriter.Null);
            var editedFolders = edited.Select(p => p.OutputDirectory).ToList();
            editedFolders.Should().NotBeEquivalentTo(folders);
            var third = await images.EnsureAsync(first.Image, editedFolders, log);
            made.Add(third.Image);
            third.Built.Should().BeTrue();
            third.Image.Should().NotBe(first.Image);
            (await fixture.Client.Images.InspectAsync(third.Image)).Labels[TeamImage.Label].Should().Be(TeamImage.LabelOf(editedFolders));
            (await images.MissingAsync(first.Image, editedFolders)).Should().Equal(Path.GetFileName(editedFolders.Single(f => !folders.Contains(f))));

            var (editedLocal, editedDocker) = await RunBothAsync(edited, pipeline, project, work.Path, third.Image, "edited");
            SameResults(editedDocker, editedLocal);
            editedDocker.Steps.Select(s => s.Outputs).Should().Equal(docker.Steps.Select(s => s.Outputs), (a, b) => a.SequenceEqual(b), "only a comment changed");
        }
        finally
        {
            foreach (var image in made)
            {
                await fixture.Client.Images.RemoveAsync(image, force: true, keepParents: true);
            }
        }
    }

    private async Task<(RunResult Local, RunResult Docker)> RunBothAsync(
        IReadOnlyList<TeamProject> projects, string pipeline, string project, string work, string image, string name)
    {
        var catalog = TeamComponents.Merge(BuiltInComponents.Create(), projects);
        var spec = PipelineLoader.LoadFile(pipeline).Spec!;
        PipelineValidator.Validate(spec, catalog).Should().BeEmpty();
        var options = new RunOptions { MaxParallel = 2, ProjectDirectory = project };
        RunResult local, docker;
        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work, name + "-local")))
        {
            local = await new PipelineRunner(workspace, catalog, new LocalExecutor()).RunAsync(spec, options);
        }

        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work, name + "-docker")))
        {
            docker = await new PipelineRunner(workspace, catalog, new DockerExecutor(fixture.Client, new DockerExecutorOptions
            {
                ComponentsImage = image,
                Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "team-image" },
            })).RunAsync(spec, options);
        }

        return (local, docker);
    }

    private static void SameResults(RunResult docker, RunResult local)
    {
        local.Status.Should().Be(RunStatus.Succeeded, local.Error);
        docker.Status.Should().Be(RunStatus.Succeeded, docker.Error);
        docker.Steps.Select(s => s.Name).Should().Equal(local.Steps.Select(s => s.Name));
        foreach (var (d, l) in docker.Steps.Zip(local.Steps))
        {
            d.Outputs.Should().Equal(l.Outputs, $"step '{d.Name}' writes the same bytes in a container");
            d.Values.Should().Equal(l.Values, $"step '{d.Name}' reports the same values");
        }
    }
}
