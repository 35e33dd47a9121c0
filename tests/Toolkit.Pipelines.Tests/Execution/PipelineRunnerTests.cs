using System.Globalization;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Tests.Execution;

public sealed class PipelineRunnerTests : IAsyncLifetime
{
    private readonly RunnerTempFolder _temp = new();
    private readonly List<string> _order = [];
    private int _running;
    private int _maxRunning;
    private int _flakyFailures;
    private Workspace _workspace = null!;

    private readonly TestComponent _make;
    private readonly TestComponent _concat;
    private readonly TestComponent _slow;
    private readonly TestComponent _flaky;

    public PipelineRunnerTests()
    {
        _make = new TestComponent(TestCatalog.Make, async (ctx, ct) =>
        {
            Track(ctx);
            var count = int.Parse(ctx.Parameter("count")!, CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(ctx.Output("data"), string.Concat(Enumerable.Repeat(ctx.Parameter("text"), count)), ct);
            Interlocked.Decrement(ref _running);
            return ComponentResult.Empty;
        });
        _concat = new TestComponent(TestCatalog.Concat, async (ctx, ct) =>
        {
            Track(ctx);
            var text = string.Concat(ctx.Inputs["parts"].Select(File.ReadAllText));
            await File.WriteAllTextAsync(ctx.Output("joined"), text, ct);
            Interlocked.Decrement(ref _running);
            return new ComponentResult { Values = new Dictionary<string, double> { ["length"] = text.Length } };
        });
        _slow = new TestComponent(TestCatalog.Make with { Name = "test/slow" }, async (ctx, ct) =>
        {
            Track(ctx);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(int.Parse(ctx.Parameter("count")!, CultureInfo.InvariantCulture)), ct);
                await File.WriteAllTextAsync(ctx.Output("data"), ctx.Parameter("text"), ct);
                return ComponentResult.Empty;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        });
        _flaky = new TestComponent(TestCatalog.Make with { Name = "test/flaky" }, async (ctx, ct) =>
        {
            Track(ctx);
            Interlocked.Decrement(ref _running);
            if (Interlocked.Decrement(ref _flakyFailures) >= 0)
            {
                throw new IOException("transient failure");
            }

            await File.WriteAllTextAsync(ctx.Output("data"), ctx.Parameter("text"), ct);
            return ComponentResult.Empty;
        });
    }

    private void Track(ComponentContext ctx)
    {
        lock (_order)
        {
            _order.Add(ctx.Parameter("text") ?? string.Join("+", ctx.Inputs.Keys));
        }

        var now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen)
        {
        }
    }

    public async Task InitializeAsync() => _workspace = await Workspace.OpenAsync(Path.Combine(_temp.Path, ".toolkit"));

    public async Task DisposeAsync()
    {
        await _workspace.DisposeAsync();
        _temp.Dispose();
    }

    private PipelineRunner Runner() => new(_workspace, new ComponentCatalog([_make, _concat, _slow, _flaky]), new LocalExecutor());

    private static PipelineSpec Spec(string yaml)
    {
        var loaded = PipelineLoader.Load(yaml, "p.yaml");
        loaded.Diagnostics.Should().BeEmpty();
        return loaded.Spec!;
    }

    private const string Chain = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: chain
        params: { word: ab, times: 2 }
        steps:
          - name: left
            uses: test/make
            with:
              text: ${{ params.word }}
              count: ${{ params.times }}
          - name: right
            uses: test/make
            with: { text: cd }
          - name: join
            uses: test/concat
            inputs: { parts: [left.data, right.data] }
          - name: report
            uses: test/make
            when: ${{ steps.join.outputs.length >= 6 }}
            with: { text: long }
        """;

    [Fact]
    public async Task Run_Chain_RunsInDependencyOrder_StoresOutputsAndValues()
    {
        var result = await Runner().RunAsync(Spec(Chain), new RunOptions());

        result.Status.Should().Be(RunStatus.Succeeded);
        result.Steps.Select(s => s.Status).Should().AllBeEquivalentTo(StepStatus.Succeeded);
        var join = result.Steps.Single(s => s.Name == "join");
        join.Values["length"].Should().Be(6);
        File.ReadAllText(_workspace.Artifacts.PathOf(join.Outputs["joined"])).Should().Be("ababcd");
        _order.IndexOf("parts").Should().BeGreaterThan(_order.IndexOf("abab")).And.BeGreaterThan(_order.IndexOf("cd"));

        var details = await _workspace.Metadata.GetRunAsync(result.RunId);
        details!.Steps.Should().HaveCount(4).And.OnlyContain(s => s.Status == StepStatus.Succeeded && s.Attempts == 1);
        details.Metrics.Should().ContainSingle(m => m.Step == "join" && m.Name == "length" && m.Value == 6);
        File.ReadAllText(Path.Combine(result.RunDirectory, "join", "log.txt")).Should().Contain("attempt 1/1");
    }

    [Fact]
    public async Task Run_Twice_SecondRunIsAllCached_AndDoesNoWork()
    {
        var runner = Runner();
        var first = await runner.RunAsync(Spec(Chain), new RunOptions());
        var runsAfterFirst = _make.Runs + _concat.Runs;

        var second = await runner.RunAsync(Spec(Chain), new RunOptions());

        second.Status.Should().Be(RunStatus.Succeeded);
        second.Steps.Should().OnlyContain(s => s.Cached && s.Status == StepStatus.Cached);
        (_make.Runs + _concat.Runs).Should().Be(runsAfterFirst, "a cached step runs nothing");
        second.Steps.Single(s => s.Name == "join").Outputs.Should().Equal(first.Steps.Single(s => s.Name == "join").Outputs);
        second.Steps.Single(s => s.Name == "join").Values["length"].Should().Be(6, "values come back from the cache, so 'when' still works");
        second.Steps.Single(s => s.Name == "report").Status.Should().Be(StepStatus.Cached);
    }

    [Fact]
    public async Task Run_ChangedParameter_RerunsOnlyThatStepAndDependents()
    {
        var runner = Runner();
        await runner.RunAsync(Spec(Chain), new RunOptions());
        _order.Clear();

        var second = await runner.RunAsync(Spec(Chain), new RunOptions { Params = new Dictionary<string, string> { ["word"] = "xy" } });

        second.Steps.Where(s => s.Cached).Select(s => s.Name).Should().BeEquivalentTo(["right", "report"]);
        second.Steps.Where(s => !s.Cached).Select(s => s.Name).Should().BeEquivalentTo(["left", "join"]);
        _order.Should().BeEquivalentTo(["xy", "parts"]);
    }

    [Fact]
    public async Task Run_NoCache_RunsEverything()
    {
        var runner = Runner();
        await runner.RunAsync(Spec(Chain), new RunOptions());

        var second = await runner.RunAsync(Spec(Chain), new RunOptions { NoCache = true });

        second.Steps.Should().OnlyContain(s => !s.Cached && s.Status == StepStatus.Succeeded);
    }

    [Fact]
    public async Task Run_WhenFalse_SkipsStep()
    {
        var result = await Runner().RunAsync(Spec(Chain), new RunOptions { Params = new Dictionary<string, string> { ["times"] = "1" } });

        result.Status.Should().Be(RunStatus.Succeeded);
        var report = result.Steps.Single(s => s.Name == "report");
        report.Status.Should().Be(StepStatus.Skipped);
        report.Error.Should().Contain("condition is false");
        _order.Should().NotContain("long");
    }

    [Fact]
    public async Task Run_IndependentSteps_RunInParallel_WithinTheLimit()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: wide
            steps:
              - { name: a, uses: test/slow, with: { text: a, count: 300 } }
              - { name: b, uses: test/slow, with: { text: b, count: 300 } }
              - { name: c, uses: test/slow, with: { text: c, count: 300 } }
              - { name: d, uses: test/slow, with: { text: d, count: 300 } }
            """;

        var result = await Runner().RunAsync(Spec(yaml), new RunOptions { MaxParallel = 3 });

        result.Status.Should().Be(RunStatus.Succeeded);
        _maxRunning.Should().Be(3, "four independent steps with a limit of three overlap three at a time");
    }

    [Fact]
    public async Task Run_MaxParallelOne_NeverOverlaps()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: wide
            steps:
              - { name: a, uses: test/slow, with: { text: a, count: 50 } }
              - { name: b, uses: test/slow, with: { text: b, count: 50 } }
            """;

        await Runner().RunAsync(Spec(yaml), new RunOptions { MaxParallel = 1 });

        _maxRunning.Should().Be(1);
    }

    [Fact]
    public async Task Run_TransientFailure_IsRetried()
    {
        _flakyFailures = 2;
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: flaky
            steps:
              - name: f
                uses: test/flaky
                retries: { count: 2, backoff: 10ms }
                with: { text: ok }
            """;

        var result = await Runner().RunAsync(Spec(yaml), new RunOptions());

        result.Status.Should().Be(RunStatus.Succeeded);
        result.Steps.Single().Attempts.Should().Be(3);
        File.ReadAllText(result.Steps.Single().LogPath!).Should().Contain("attempt 1 failed: transient failure");
    }

    [Fact]
    public async Task Run_RetriesExhausted_FailsFast_AndCancelsTheRest()
    {
        _flakyFailures = 10;
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: failing
            steps:
              - name: f
                uses: test/flaky
                retries: { count: 1, backoff: 1ms }
                with: { text: x }
              - name: long
                uses: test/slow
                with: { text: y, count: 30000 }
              - name: after
                uses: test/make
                needs: [f]
                with: { text: z }
            """;

        var result = await Runner().RunAsync(Spec(yaml), new RunOptions { MaxParallel = 2 });

        result.Status.Should().Be(RunStatus.Failed);
        result.Error.Should().Contain("step 'f' failed: transient failure");
        result.Steps.Single(s => s.Name == "f").Attempts.Should().Be(2);
        result.Steps.Single(s => s.Name == "long").Status.Should().Be(StepStatus.Cancelled, "fail-fast stops running steps");
        result.Steps.Single(s => s.Name == "after").Status.Should().Be(StepStatus.Cancelled);
        var details = await _workspace.Metadata.GetRunAsync(result.RunId);
        details!.Run.Status.Should().Be(RunStatus.Failed);
    }

    [Fact]
    public async Task Run_StepTimeout_FailsWithTimeoutMessage()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: slow
            steps:
              - name: s
                uses: test/slow
                timeout: 200ms
                with: { text: x, count: 30000 }
            """;

        var result = await Runner().RunAsync(Spec(yaml), new RunOptions());

        result.Status.Should().Be(RunStatus.Failed);
        result.Steps.Single().Error.Should().Be("timed out after 200ms");
    }

    [Fact]
    public async Task Run_CancelledByCaller_RecordsCancelledRun()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: slow
            steps:
              - { name: s, uses: test/slow, with: { text: x, count: 30000 } }
              - { name: t, uses: test/make, needs: [s], with: { text: y } }
            """;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var result = await Runner().RunAsync(Spec(yaml), new RunOptions(), cts.Token);

        result.Status.Should().Be(RunStatus.Cancelled);
        result.Steps.Should().OnlyContain(s => s.Status == StepStatus.Cancelled);
        (await _workspace.Metadata.GetRunAsync(result.RunId))!.Run.Status.Should().Be(RunStatus.Cancelled);
    }

    [Fact]
    public async Task Run_RunStep_PassesEnvironment_AndReadsValues()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: shell
            params: { greeting: hello }
            steps:
              - name: src
                uses: test/make
                with: { text: abc }
              - name: sh
                run: 'cat "$TOOLKIT_INPUT_DATA" > "$TOOLKIT_OUTPUT_OUT"; printf "%s" "${{ params.greeting }}" >> ${{ outputs.out }}; echo "{\"n\": 3}" > "$TOOLKIT_VALUES"'
                inputs: { data: src.data }
                outputs: [out]
              - name: gate
                uses: test/make
                when: steps.sh.outputs.n == 3
                with: { text: passed }
            """;

        var result = await Runner().RunAsync(Spec(yaml), new RunOptions());

        result.Status.Should().Be(RunStatus.Succeeded, result.Error);
        var sh = result.Steps.Single(s => s.Name == "sh");
        File.ReadAllText(_workspace.Artifacts.PathOf(sh.Outputs["out"])).Should().Be("abchello");
        sh.Values["n"].Should().Be(3);
        result.Steps.Single(s => s.Name == "gate").Status.Should().Be(StepStatus.Succeeded);
    }

    [Fact]
    public async Task Run_RunStep_CleanEnvironment_SecretsOnlyWhenNamed_AndMaskedInTheLog()
    {
        // Names unique to this test: the process environment is shared with the tests running beside it.
        var id = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var secretName = $"CALLER_API_TOKEN_{id}";
        var plainName = $"CALLER_SETTING_{id}";
        var secret = "tok-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(secretName, secret);
        Environment.SetEnvironmentVariable(plainName, "plain-value");
        try
        {
            var yaml = $$"""
                apiVersion: toolkit/v1
                kind: Pipeline
                name: shell
                steps:
                  - name: bare
                    run: 'env > "$TOOLKIT_OUTPUT_OUT"'
                    outputs: [out]
                  - name: named
                    run: 'env > "$TOOLKIT_OUTPUT_OUT"; echo "using ${{{secretName}}} for ${{{plainName}}}"'
                    outputs: [out]
                    env: [{{secretName}}, {{plainName}}]
                  - name: set
                    run: 'printf "%s" "$GREETING" > "$TOOLKIT_OUTPUT_OUT"'
                    outputs: [out]
                    env: { GREETING: hello }
                """;

            var result = await Runner().RunAsync(Spec(yaml), new RunOptions());

            result.Status.Should().Be(RunStatus.Succeeded, result.Error);
            string Output(string step) => File.ReadAllText(_workspace.Artifacts.PathOf(result.Steps.Single(s => s.Name == step).Outputs["out"]));
            var bare = Output("bare");
            bare.Should().NotContain(secretName).And.NotContain(plainName).And.NotContain(secret);
            bare.Should().Contain("PATH=").And.Contain("TOOLKIT_RUN_ID=");
            Output("named").Should().Contain($"{secretName}={secret}").And.Contain($"{plainName}=plain-value");
            Output("set").Should().Be("hello");
            var log = File.ReadAllText(result.Steps.Single(s => s.Name == "named").LogPath!);
            log.Should().Contain("using *** for plain-value");
            log.Should().NotContain(secret);
        }
        finally
        {
            Environment.SetEnvironmentVariable(secretName, null);
            Environment.SetEnvironmentVariable(plainName, null);
        }
    }

    [Fact]
    public async Task Run_RunStepNonZeroExit_FailsWithExitCode()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: shell
            steps:
              - name: sh
                run: echo boom >&2; exit 7
            """;

        var result = await Runner().RunAsync(Spec(yaml), new RunOptions());

        result.Status.Should().Be(RunStatus.Failed);
        result.Steps.Single().Error.Should().Be("command exited with code 7");
        File.ReadAllText(result.Steps.Single().LogPath!).Should().Contain("boom");
        (await _workspace.Metadata.GetRunAsync(result.RunId))!.Steps.Single().ExitCode.Should().Be(7);
    }

    [Fact]
    public async Task Run_Lineage_LeadsFromOutputBackToSources()
    {
        var result = await Runner().RunAsync(Spec(Chain), new RunOptions { GitCommit = "abc123" });
        var joined = result.Steps.Single(s => s.Name == "join").Outputs["joined"];

        var lineage = await _workspace.Metadata.GetLineageAsync(joined);

        lineage!.Steps.Select(s => s.Step).Should().BeEquivalentTo(["join", "left", "right"]);
        lineage.Steps.Should().OnlyContain(s => s.GitCommit == "abc123");
        lineage.Steps.Single(s => s.Step == "left").ParamsJson.Should().Contain("\"text\":\"ab\"");
    }

    [Fact]
    public void ResolveParams_UnknownOrMistyped_Throws()
    {
        var spec = Spec(Chain);

        var unknown = () => PipelineRunner.ResolveParams(spec, new Dictionary<string, string> { ["wrod"] = "x" });
        unknown.Should().Throw<PipelineParameterException>().WithMessage("*no parameter 'wrod'*did you mean 'word'*");
        var mistyped = () => PipelineRunner.ResolveParams(spec, new Dictionary<string, string> { ["times"] = "two" });
        mistyped.Should().Throw<PipelineParameterException>().WithMessage("*'times' must be a integer, not 'two'*");
    }

    [Fact]
    public async Task Plan_BeforeAndAfterARun_SaysWhatWouldRunAndRunsNothing()
    {
        var runner = Runner();
        var spec = Spec(Chain);

        var cold = await runner.PlanAsync(spec, new RunOptions());
        cold.Select(p => (p.Name, p.Action)).Should().Equal(
            ("left", PlannedAction.Run), ("right", PlannedAction.Run), ("join", PlannedAction.RunAfterUpstream), ("report", PlannedAction.RunAfterUpstream));
        (_make.Runs + _concat.Runs).Should().Be(0, "planning runs nothing");

        await runner.RunAsync(spec, new RunOptions());
        var warm = await runner.PlanAsync(spec, new RunOptions());
        warm.Should().OnlyContain(p => p.Action == PlannedAction.Cached);

        var changed = await runner.PlanAsync(spec, new RunOptions { Params = new Dictionary<string, string> { ["word"] = "zz" } });
        changed.Select(p => (p.Name, p.Action)).Should().Equal(
            ("left", PlannedAction.Run), ("right", PlannedAction.Cached), ("join", PlannedAction.RunAfterUpstream), ("report", PlannedAction.RunAfterUpstream));

        var skipped = await runner.PlanAsync(spec, new RunOptions { Params = new Dictionary<string, string> { ["times"] = "1" } });
        skipped.Single(p => p.Name == "left").Action.Should().Be(PlannedAction.Run);
    }
}
