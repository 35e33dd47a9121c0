using System.Text;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Tests.Execution;

/// <summary>Plan and run resolve steps the same way: the executor's identity, host-made inputs and the project folder.</summary>
public sealed class StepResolutionTests : IAsyncLifetime
{
    private readonly RunnerTempFolder _temp = new();
    private readonly HostInputComponent _host = new();
    private readonly TestComponent _make;
    private Workspace _workspace = null!;

    public StepResolutionTests()
    {
        _make = new TestComponent(TestCatalog.Make, async (ctx, ct) =>
        {
            await File.WriteAllTextAsync(ctx.Output("data"), ctx.Parameter("text"), ct);
            return ComponentResult.Empty;
        });
    }

    public async Task InitializeAsync() => _workspace = await Workspace.OpenAsync(Path.Combine(_temp.Path, "state"));

    public async Task DisposeAsync()
    {
        await _workspace.DisposeAsync();
        _temp.Dispose();
    }

    private const string Pipeline = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: resolve
        params: { word: ab }
        steps:
          - name: make
            uses: test/make
            with: { text: "${{ params.word }}" }
          - name: judge
            uses: test/host
            inputs: { data: make.data }
        """;

    private PipelineRunner Runner(IStepExecutor executor) => new(_workspace, new ComponentCatalog([_make, _host]), executor);

    private static PipelineSpec Spec(string yaml)
    {
        var loaded = PipelineLoader.Load(yaml, "p.yaml");
        loaded.Diagnostics.Should().BeEmpty();
        return loaded.Spec!;
    }

    [Fact]
    public async Task Plan_WithTheRunsExecutor_AgreesWithTheRunKeyForKey()
    {
        var spec = Spec(Pipeline);
        var executor = new IdentityExecutor("image-1");
        var run = await Runner(executor).RunAsync(spec, new RunOptions { ProjectDirectory = _temp.Path });
        run.Status.Should().Be(RunStatus.Succeeded, run.Error);

        var same = await Runner(new IdentityExecutor("image-1")).PlanAsync(spec, new RunOptions { ProjectDirectory = _temp.Path });
        var local = await Runner(new LocalExecutor()).PlanAsync(spec, new RunOptions { ProjectDirectory = _temp.Path });
        var rebuilt = await Runner(new IdentityExecutor("image-2")).PlanAsync(spec, new RunOptions { ProjectDirectory = _temp.Path });

        same.Should().OnlyContain(p => p.Action == PlannedAction.Cached);
        same.Select(p => p.CacheKey).Should().Equal(run.Steps.Select(s => s.CacheKey), "plan and run resolve each step the same way");
        local.First().Action.Should().Be(PlannedAction.Run, "the executor's identity is part of the key");
        rebuilt.First().Action.Should().Be(PlannedAction.Run);
    }

    [Fact]
    public async Task Run_HostInput_ReachesTheStepAndItsDigestEntersTheKey()
    {
        var spec = Spec(Pipeline);
        var options = new RunOptions { ProjectDirectory = _temp.Path };
        _host.Content = "prod v1";
        var first = await Runner(new LocalExecutor()).RunAsync(spec, options);
        first.Status.Should().Be(RunStatus.Succeeded, first.Error);
        _host.Seen.Should().Be("prod v1");
        (await Runner(new LocalExecutor()).PlanAsync(spec, options)).Should().OnlyContain(p => p.Action == PlannedAction.Cached);

        _host.Content = "prod v2";
        var plan = await Runner(new LocalExecutor()).PlanAsync(spec, options);
        var second = await Runner(new LocalExecutor()).RunAsync(spec, options);

        plan.Select(p => (p.Name, p.Action)).Should().Equal(("make", PlannedAction.Cached), ("judge", PlannedAction.Run));
        second.Steps[1].Cached.Should().BeFalse();
        second.Steps[1].CacheKey.Should().NotBe(first.Steps[1].CacheKey).And.Be(plan[1].CacheKey);
        _host.Seen.Should().Be("prod v2");
        var details = await _workspace.Metadata.GetRunAsync(second.RunId);
        details!.Inputs.Should().Contain(i => i.Step == "judge" && i.Name == HostInputComponent.Input && i.Digest == Digests.Of(Encoding.UTF8.GetBytes("prod v2")),
            "the host-made input is recorded in the lineage");
    }

    [Fact]
    public async Task Run_ResolvedParameters_AreInTheResult()
    {
        var result = await Runner(new LocalExecutor()).RunAsync(
            Spec(Pipeline), new RunOptions { Params = new Dictionary<string, string> { ["word"] = "zz" }, ProjectDirectory = _temp.Path });

        result.Parameters.Should().Equal(new Dictionary<string, string> { ["word"] = "zz" });
    }

    [Fact]
    public async Task Run_CommandStep_WorksInTheGivenProjectFolder_NotTheProcesss()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var project = Directory.CreateDirectory(Path.Combine(_temp.Path, "project")).FullName;
        await File.WriteAllTextAsync(Path.Combine(project, "hello.txt"), "from the project");
        var spec = Spec("""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: cwd
            steps:
              - name: read
                run: 'cat hello.txt > "$TOOLKIT_OUTPUT_OUT"'
                outputs: [out]
            """);

        var result = await Runner(new LocalExecutor()).RunAsync(spec, new RunOptions { ProjectDirectory = project });

        result.Status.Should().Be(RunStatus.Succeeded, result.Error);
        Environment.CurrentDirectory.Should().NotBe(project);
        (await File.ReadAllTextAsync(_workspace.Artifacts.PathOf(result.Steps[0].Outputs["out"]))).Should().Be("from the project");
    }

    /// <summary>The local executor with an identity in the cache key, as the Docker executor's image.</summary>
    private sealed class IdentityExecutor(string identity) : IStepExecutor
    {
        private readonly LocalExecutor _local = new();

        public string Name => "identity";

        public ValueTask<string?> CacheIdentityAsync(StepSpec step, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(identity);

        public Task<StepExecution> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken) => _local.ExecuteAsync(invocation, cancellationToken);
    }

    /// <summary>A component given an input made on the host (as gate/check gets the champion).</summary>
    private sealed class HostInputComponent : IComponent, IHostInputs
    {
        public const string Input = "outside";

        public string Content { get; set; } = "none";

        public string? Seen { get; private set; }

        public ComponentDescriptor Descriptor { get; } = new()
        {
            Name = "test/host",
            Version = "1",
            Description = "reads a host-made input",
            Inputs = [new ComponentPort("data", "dataset", "the text"), new ComponentPort(Input, "file", "made on the host") { Required = false }],
            Outputs = [new ComponentPort("result", "report", "what it saw")],
        };

        public Task<IReadOnlyDictionary<string, byte[]>> HostInputsAsync(
            IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyDictionary<string, byte[]>>(new Dictionary<string, byte[]> { [Input] = Encoding.UTF8.GetBytes(Content) });

        public async Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
        {
            Seen = await File.ReadAllTextAsync(context.Input(Input), cancellationToken);
            await File.WriteAllTextAsync(context.Output("result"), Seen, cancellationToken);
            return ComponentResult.Empty;
        }
    }
}
