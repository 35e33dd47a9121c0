using System.Text.Json;
using Toolkit.Components;
using Toolkit.Docker.Execution;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;
using Toolkit.Registry;
using Toolkit.Registry.Embedded;

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
        var docker = await InProcessThenInContainersAsync("diabetes.yaml");

        docker.Steps.Single(s => s.Name == "select").Outputs["model"].Should().StartWith("sha256:");
        docker.Steps.Single(s => s.Name == "evaluate").Values["auc"].Should().BeGreaterThan(0.75);
    }

    /// <summary>The sales reference pipeline (data/split-xy, two trainers on x/y artifacts, compare): the same bytes too.</summary>
    [DockerFact]
    public async Task SalesPipeline_InContainers_SameDigestsAndMetricsAsInProcess()
    {
        var docker = await InProcessThenInContainersAsync("sales.yaml");

        docker.Steps.Single(s => s.Name == "preprocess").Outputs.Keys.Should().BeEquivalentTo("x_train", "x_test", "y_train", "y_test");
        docker.Steps.Single(s => s.Name == "compare").Values["models"].Should().Be(2);
    }

    [DockerFact]
    public async Task DiabetesPipeline_WithAVersionInProd_GateInAContainerJudgesAgainstProd_ByteForByteAsInProcess()
    {
        var image = await fixture.ComponentsImageAsync();
        using var work = new TestFolder();
        var spec = LoadWithoutTeamCode("diabetes.yaml");
        var options = new RunOptions { Params = new Dictionary<string, string> { ["rows"] = "2000" }, MaxParallel = 2, ProjectDirectory = fixture.RepositoryRoot };
        var registryRoot = Path.Combine(work.Path, "registry");
        var catalog = BuiltInComponents.Create(async ct => await EmbeddedRegistry.OpenAsync(registryRoot, cancellationToken: ct));

        // A first run makes the models that go to prod: v1 (the selected one), later v2 (the forest).
        string v1File, v2File;
        IReadOnlyDictionary<string, double> metrics;
        await using (var seed = await Workspace.OpenAsync(Path.Combine(work.Path, "seed")))
        {
            var first = await new PipelineRunner(seed, catalog, new LocalExecutor()).RunAsync(spec, options);
            first.Status.Should().Be(RunStatus.Succeeded, first.Error);
            v1File = seed.Artifacts.PathOf(first.Steps.Single(s => s.Name == "select").Outputs["model"]);
            v2File = seed.Artifacts.PathOf(first.Steps.Single(s => s.Name == "train-forest").Outputs["model"]);
            metrics = first.Steps.Single(s => s.Name == "evaluate").Values;
        }

        await PutInProdAsync(registryRoot, v1File, metrics);

        RunResult local, docker;
        string localReport, localMarkdown;
        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "local")))
        {
            local = await new PipelineRunner(workspace, catalog, new LocalExecutor()).RunAsync(spec, options);
            local.Status.Should().Be(RunStatus.Succeeded, local.Error);
            localReport = await File.ReadAllTextAsync(workspace.Artifacts.PathOf(Gate(local).Outputs["gate"]));
            localMarkdown = await File.ReadAllTextAsync(workspace.Artifacts.PathOf(Gate(local).Outputs["markdown"]));
        }

        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "docker")))
        {
            docker = await new PipelineRunner(workspace, catalog, Executor(image.Tags[0])).RunAsync(spec, options);
            docker.Status.Should().Be(RunStatus.Succeeded, docker.Error);
            (await File.ReadAllTextAsync(workspace.Artifacts.PathOf(Gate(docker).Outputs["gate"]))).Should().Be(localReport);
            (await File.ReadAllTextAsync(workspace.Artifacts.PathOf(Gate(docker).Outputs["markdown"]))).Should().Be(localMarkdown);
            Gate(docker).Outputs.Should().Equal(Gate(local).Outputs, "the gate report is the same bytes in a container");
            Gate(docker).Labels.Should().Contain("champion_version", "1");

            using var report = JsonDocument.Parse(localReport);
            var regression = report.RootElement.GetProperty("checks").EnumerateArray().First(c => c.GetProperty("name").GetString()!.StartsWith("regression:", StringComparison.Ordinal));
            regression.GetProperty("status").GetString().Should().NotBe("skipped", "the version in prod was there to compare with");
            var signature = report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "model:signature");
            signature.GetProperty("status").GetString().Should().Be("passed", "the champion's signature (models/diabetes/model.yaml: compatible) reached the container");

            // Planned with the run's executor, nothing is left to do; a new version in prod reruns the gate only.
            var runner = new PipelineRunner(workspace, catalog, Executor(image.Tags[0]));
            var plan = await runner.PlanAsync(spec, options);
            plan.Should().OnlyContain(p => p.Action == PlannedAction.Cached);
            plan.Select(p => p.CacheKey).Should().Equal(docker.Steps.Select(s => s.CacheKey));

            await PutInProdAsync(registryRoot, v2File, metrics);
            var replanned = await runner.PlanAsync(spec, options);
            replanned.Where(p => p.Action != PlannedAction.Cached).Select(p => p.Name).Should().Equal("gate");
            replanned.Single(p => p.Name == "gate").CacheKey.Should().NotBe(Gate(docker).CacheKey);
        }
    }

    /// <summary>
    /// pipelines/<paramref name="file"/> with the team's feature transform left out: these tests compare the built-in
    /// steps in-process and in containers (team code in containers: TeamComponentDockerIntegrationTests).
    /// </summary>
    private PipelineSpec LoadWithoutTeamCode(string file)
    {
        var path = Path.Combine(fixture.RepositoryRoot, "pipelines", file);
        var yaml = string.Join('\n', File.ReadAllLines(path).Where(l => l.Trim() != "transforms: diabetes/clinical-features"));
        var loaded = PipelineLoader.Load(yaml, path);
        return loaded.Spec ?? throw new InvalidOperationException(string.Join("; ", loaded.Diagnostics));
    }

    /// <summary>
    /// Runs pipelines/<paramref name="file"/> (2,000 rows) in-process, then with every step in a container, checks
    /// both succeed with the same steps, bytes and values and that no container is left; returns the container run.
    /// </summary>
    private async Task<RunResult> InProcessThenInContainersAsync(string file)
    {
        var image = await fixture.ComponentsImageAsync();
        using var work = new TestFolder();
        var spec = LoadWithoutTeamCode(file);
        // Relative paths in the pipeline (the gate's policy) are relative to the project, given explicitly.
        var options = new RunOptions { Params = new Dictionary<string, string> { ["rows"] = "2000" }, MaxParallel = 2, ProjectDirectory = fixture.RepositoryRoot };
        RunResult local;
        RunResult docker;
        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "local")))
        {
            local = await new PipelineRunner(workspace, BuiltInComponents.Create(), new LocalExecutor()).RunAsync(spec, options);
        }

        await using (var workspace = await Workspace.OpenAsync(Path.Combine(work.Path, "docker")))
        {
            docker = await new PipelineRunner(workspace, BuiltInComponents.Create(), Executor(image.Tags[0])).RunAsync(spec, options);
        }

        local.Status.Should().Be(RunStatus.Succeeded, local.Error);
        docker.Status.Should().Be(RunStatus.Succeeded, docker.Error);
        docker.Steps.Select(s => s.Name).Should().Equal(local.Steps.Select(s => s.Name));
        foreach (var (d, l) in docker.Steps.Zip(local.Steps))
        {
            d.Outputs.Should().Equal(l.Outputs, $"step '{d.Name}' writes the same bytes in a container");
            d.Values.Should().Equal(l.Values, $"step '{d.Name}' reports the same values");
        }

        (await fixture.Client.Containers.ListAsync(DockerFixture.TestLabel + "=pipeline")).Should().BeEmpty("every step's container is removed");
        return docker;
    }

    private static StepResult Gate(RunResult run) => run.Steps.Single(s => s.Name == "gate");

    private DockerExecutor Executor(string image) => new(fixture.Client, new DockerExecutorOptions
    {
        ComponentsImage = image,
        Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "pipeline" },
    });

    private static async Task PutInProdAsync(string registryRoot, string modelFile, IReadOnlyDictionary<string, double> metrics)
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(registryRoot);
        var registered = await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = modelFile, Metrics = metrics, GatePassed = true });
        await registry.SetAliasAsync("diabetes", Stages.Prod, registered.Version.Version, AuditAction.Promote, new AuditInfo("test", "champion"));
    }
}
