using System.Security.Cryptography;
using Toolkit.Components;
using Toolkit.Docker.Execution;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Docker.Tests.Execution;

[Collection(DockerCollection.Name)]
public sealed class DockerExecutorIntegrationTests(DockerFixture fixture)
{
    [DockerFact]
    public async Task ComponentStep_SplitInTheComponentsImage_WritesTheSameBytesAndValuesAsLocal()
    {
        var image = await fixture.ComponentsImageAsync();
        using var work = new TestFolder();
        var catalog = BuiltInComponents.Create();
        catalog.TryGet("data/synthesize", out var synthesize).Should().BeTrue();
        catalog.TryGet("data/split", out var split).Should().BeTrue();
        var dataset = Path.Combine(work.Path, "data", "dataset.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(dataset)!);
        await new LocalExecutor().ExecuteAsync(
            Invocation(work, "synth", synthesize, new() { ["generator"] = "diabetes", ["rows"] = "300", ["seed"] = "7" }, [], new() { ["dataset"] = dataset }),
            CancellationToken.None);
        var parameters = new Dictionary<string, string> { ["test_fraction"] = "0.3", ["seed"] = "11" };

        var local = await new LocalExecutor().ExecuteAsync(
            Invocation(work, "local", split, parameters, [("dataset", dataset)], Outputs(work, "local")), CancellationToken.None);
        var executor = Executor(image.Tags[0]);
        var log = new StringWriter();
        var docker = await executor.ExecuteAsync(
            Invocation(work, "docker", split, parameters, [("dataset", dataset)], Outputs(work, "docker"), log), CancellationToken.None);

        Digest(Outputs(work, "docker")["train"]).Should().Be(Digest(Outputs(work, "local")["train"]));
        Digest(Outputs(work, "docker")["test"]).Should().Be(Digest(Outputs(work, "local")["test"]));
        docker.Result.Values.Should().BeEquivalentTo(local.Result.Values);
        docker.Result.Values["test_rows"].Should().Be(90, "30% of 300 rows");
        log.ToString().Should().Contain("split 300 rows");
        (await executor.CacheIdentityAsync(Step("any", image: null), CancellationToken.None)).Should().Be("docker-image:" + image.ImageId);
    }

    [DockerFact]
    public async Task RunStep_InAnImage_SeesContainerPathsAndEnvironmentAndValuesComeBack()
    {
        using var work = new TestFolder();
        var input = work.File("data/numbers.txt", "1\n2\n3\n");
        var output = Path.Combine(work.Path, "outputs", "count.txt");

        // Rendered as the pipeline engine does: ${{ inputs.numbers }} and ${{ outputs.count }} are host paths.
        var command = $"wc -l < {input} > {output}; echo \"$TOOLKIT_INPUT_NUMBERS $TOOLKIT_PARAM_MY_PARAM $(id -u):$(id -g) $TOOLKIT_STEP\"; " +
            "echo '{\"lines\": 3, \"ok\": true, \"note\": \"fine\"}' > \"$TOOLKIT_VALUES\"";
        var log = new StringWriter();
        var invocation = new StepInvocation
        {
            RunId = "run-" + Guid.NewGuid().ToString("N"),
            Step = Step("count", image: DockerFixture.BaseImage),
            Command = command,
            Parameters = new Dictionary<string, string> { ["my-param"] = "42" },
            Inputs = new Dictionary<string, IReadOnlyList<string>> { ["numbers"] = [input] },
            Outputs = new Dictionary<string, string> { ["count"] = output },
            WorkDirectory = Directory.CreateDirectory(Path.Combine(work.Path, "work")).FullName,
            ProjectDirectory = work.Path,
            Log = log,
        };

        var result = await Executor(DockerFixture.BaseImage).ExecuteAsync(invocation, CancellationToken.None);

        File.ReadAllText(output).Trim().Should().Be("3");
        log.ToString().Trim().Should().Be($"/in/numbers/0/numbers.txt 42 {Toolkit.Docker.Containers.HostUser.Current()} count");
        result.Result.Values.Should().BeEquivalentTo(new Dictionary<string, double> { ["lines"] = 3, ["ok"] = 1 });
        result.Result.Labels.Should().BeEquivalentTo(new Dictionary<string, string> { ["note"] = "fine" });
    }

    [DockerFact]
    public async Task RunStep_ExitsNonZero_FailsWithTheCodeAndLeavesNoContainer()
    {
        using var work = new TestFolder();
        var label = Guid.NewGuid().ToString("N");
        var invocation = RunInvocation(work, "echo about to fail >&2; exit 4");

        var act = () => Executor(DockerFixture.BaseImage, label).ExecuteAsync(invocation, CancellationToken.None);

        var error = (await act.Should().ThrowAsync<StepFailedException>()).Which;
        error.ExitCode.Should().Be(4);
        error.Message.Should().Contain("code 4");
        ((StringWriter)invocation.Log).ToString().Should().Contain("about to fail");
        (await fixture.Client.Containers.ListAsync($"{DockerFixture.TestLabel}={label}")).Should().BeEmpty();
    }

    [DockerFact]
    public async Task RunStep_TimesOut_IsCancelledAndLeavesNoContainer()
    {
        using var work = new TestFolder();
        var label = Guid.NewGuid().ToString("N");
        var invocation = RunInvocation(work, "echo started; sleep 120");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        var act = () => Executor(DockerFixture.BaseImage, label).ExecuteAsync(invocation, timeout.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await fixture.Client.Containers.ListAsync($"{DockerFixture.TestLabel}={label}")).Should().BeEmpty();
    }

    [DockerFact]
    public async Task RunStep_MissingDeclaredOutput_FailsNamingIt()
    {
        using var work = new TestFolder();
        var invocation = RunInvocation(work, "true") with
        {
            Outputs = new Dictionary<string, string> { ["model"] = Path.Combine(work.Path, "outputs", "model.json") },
        };

        var act = () => Executor(DockerFixture.BaseImage).ExecuteAsync(invocation, CancellationToken.None);

        (await act.Should().ThrowAsync<StepFailedException>()).WithMessage("*output 'model'*");
    }

    private DockerExecutor Executor(string image, string? label = null) => new(
        fixture.Client,
        new DockerExecutorOptions
        {
            ComponentsImage = image,
            Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = label ?? "executor" },
        });

    private static StepSpec Step(string name, string? image) => new() { Name = name, Position = new Position(1, 1), Image = image };

    private static StepInvocation RunInvocation(TestFolder work, string command) => new()
    {
        RunId = "run-" + Guid.NewGuid().ToString("N"),
        Step = Step("shell", DockerFixture.BaseImage),
        Command = command,
        Parameters = new Dictionary<string, string>(),
        Inputs = new Dictionary<string, IReadOnlyList<string>>(),
        Outputs = new Dictionary<string, string>(),
        WorkDirectory = Directory.CreateDirectory(Path.Combine(work.Path, "work-" + Guid.NewGuid().ToString("N")[..6])).FullName,
        ProjectDirectory = work.Path,
        Log = new StringWriter(),
    };

    private static StepInvocation Invocation(
        TestFolder work,
        string name,
        Pipelines.Components.IComponent component,
        Dictionary<string, string> parameters,
        IReadOnlyList<(string Name, string Path)> inputs,
        Dictionary<string, string> outputs,
        TextWriter? log = null) => new()
        {
            RunId = "run-" + name,
            Step = Step(name, image: null),
            Component = component,
            Parameters = parameters,
            Inputs = inputs.GroupBy(i => i.Name).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(i => i.Path).ToList()),
            Outputs = outputs,
            WorkDirectory = Directory.CreateDirectory(Path.Combine(work.Path, "work-" + name)).FullName,
            ProjectDirectory = work.Path,
            Log = log ?? TextWriter.Null,
        };

    private static Dictionary<string, string> Outputs(TestFolder work, string name)
    {
        Directory.CreateDirectory(Path.Combine(work.Path, name));
        return new()
        {
            ["train"] = Path.Combine(work.Path, name, "train.csv"),
            ["test"] = Path.Combine(work.Path, name, "test.csv"),
        };
    }

    private static string Digest(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
