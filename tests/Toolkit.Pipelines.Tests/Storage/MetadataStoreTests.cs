using Microsoft.Data.Sqlite;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Tests.Storage;

public sealed class MetadataStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 6, 45, 1, TimeSpan.Zero);

    private readonly TempFolder _temp = new();
    private readonly ManualTimeProvider _clock = new(T0);

    public void Dispose() => _temp.Dispose();

    private string DbPath => _temp.Combine(".toolkit", "metadata.db");

    private Task<MetadataStore> OpenAsync(int seed = 1) => MetadataStore.OpenAsync(DbPath, _clock, new Random(seed));

    private static string D(char c) => "sha256:" + new string(c, 64);

    private static NewRun Run(string pipeline = "churn") => new()
    {
        Pipeline = pipeline,
        PipelineDigest = D('f'),
        ParamsJson = """{"seed":7}""",
        GitCommit = "0123abc",
        GitBranch = "main",
    };

    private static StepRecord Step(string runId, string step, StepStatus status = StepStatus.Succeeded, string paramsJson = "{}") => new()
    {
        RunId = runId,
        Step = step,
        Component = step + "@1.0.0",
        Status = status,
        Attempts = 1,
        ParamsJson = paramsJson,
    };

    [Fact]
    public async Task Open_NewFile_CreatesSchemaInWalMode_AndReopenKeepsData()
    {
        string runId;
        await using (var store = await OpenAsync())
        {
            (await store.SchemaVersionAsync()).Should().Be(1);
            runId = (await store.CreateRunAsync(Run())).RunId;
        }

        await using (var raw = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await raw.OpenAsync();
            using var command = raw.CreateCommand();
            command.CommandText = "PRAGMA journal_mode";
            (await command.ExecuteScalarAsync()).Should().Be("wal");
        }

        await using var reopened = await OpenAsync();
        (await reopened.GetRunAsync(runId)).Should().NotBeNull();
        (await reopened.SchemaVersionAsync()).Should().Be(1);
    }

    [Fact]
    public async Task Open_DatabaseFromNewerToolkit_ThrowsNamingVersions()
    {
        await (await OpenAsync()).DisposeAsync();
        await using (var raw = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await raw.OpenAsync();
            using var command = raw.CreateCommand();
            command.CommandText = "UPDATE schema_version SET version = 99";
            await command.ExecuteNonQueryAsync();
        }

        var open = () => OpenAsync();

        await open.Should().ThrowAsync<InvalidOperationException>().WithMessage("*schema version 99*newer*");
    }

    [Fact]
    public async Task CreateRun_IdIsStartSecondPlusSeededHex_AndRoundTrips()
    {
        await using var store = await OpenAsync(seed: 42);

        var run = await store.CreateRunAsync(Run());

        run.RunId.Should().MatchRegex("^20261122-064501-[0-9a-f]{6}$");
        var expectedSuffix = new Random(42).Next(0, 1 << 24).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
        run.RunId.Should().EndWith(expectedSuffix, "the suffix flows from the injected seed");
        var stored = (await store.GetRunAsync(run.RunId))!.Run;
        stored.Should().Be(run);
        stored.Status.Should().Be(RunStatus.Running);
        stored.StartedAt.Should().Be(T0);
        stored.FinishedAt.Should().BeNull();
        stored.GitCommit.Should().Be("0123abc");
        stored.ParamsJson.Should().Be("""{"seed":7}""");
    }

    [Fact]
    public async Task UpdateRunStatus_Final_StampsFinishTimeAndError_RunningClearsThem_UnknownRunThrows()
    {
        await using var store = await OpenAsync();
        var run = await store.CreateRunAsync(Run());
        _clock.Advance(TimeSpan.FromSeconds(90));

        await store.UpdateRunStatusAsync(run.RunId, RunStatus.Failed, "step train failed");

        var stored = (await store.GetRunAsync(run.RunId))!.Run;
        stored.Status.Should().Be(RunStatus.Failed);
        stored.FinishedAt.Should().Be(T0.AddSeconds(90));
        stored.Error.Should().Be("step train failed");

        await store.UpdateRunStatusAsync(run.RunId, RunStatus.Running);
        var resumed = (await store.GetRunAsync(run.RunId))!.Run;
        resumed.FinishedAt.Should().BeNull();
        resumed.Error.Should().BeNull();
        await store.Invoking(s => s.UpdateRunStatusAsync("nope", RunStatus.Failed)).Should().ThrowAsync<KeyNotFoundException>();
    }

    [Fact]
    public async Task UpsertStep_InsertThenUpdate_KeepsOneRowWithLatestFields()
    {
        await using var store = await OpenAsync();
        var run = await store.CreateRunAsync(Run());
        var running = new StepRecord
        {
            RunId = run.RunId,
            Step = "train",
            Component = "train-gbm@1.2.0",
            Status = StepStatus.Running,
            StartedAt = T0.AddSeconds(1),
            Attempts = 1,
            CacheKey = "key-1",
            ParamsJson = """{"lr":0.1}""",
        };
        await store.UpsertStepAsync(running);
        var failed = running with
        {
            Status = StepStatus.Failed,
            FinishedAt = T0.AddSeconds(5),
            Attempts = 2,
            ExitCode = 3,
            Error = "out of memory",
        };

        await store.UpsertStepAsync(failed);

        var details = (await store.GetRunAsync(run.RunId))!;
        details.Steps.Should().ContainSingle().Which.Should().Be(failed);
    }

    [Fact]
    public async Task UpsertStep_UnknownRun_Throws()
    {
        await using var store = await OpenAsync();

        await store.Invoking(s => s.UpsertStepAsync(Step("20260101-000000-000000", "x")))
            .Should().ThrowAsync<KeyNotFoundException>().WithMessage("*20260101-000000-000000*");
    }

    [Fact]
    public async Task GetRun_ReturnsStepsInputsOutputsAndMetrics()
    {
        await using var store = await OpenAsync();
        var run = await store.CreateRunAsync(Run());
        await store.UpsertStepAsync(Step(run.RunId, "train"));

        await store.RecordStepIoAsync(
            run.RunId, "train", new Dictionary<string, string> { ["data"] = D('a') }, new Dictionary<string, string> { ["model"] = D('b'), ["report"] = D('c') });
        await store.RecordMetricsAsync(run.RunId, "train", new Dictionary<string, double> { ["auc"] = 0.91, ["logloss"] = 0.25 });
        await store.RecordMetricsAsync(run.RunId, "train", new Dictionary<string, double> { ["auc"] = 0.93 });

        var details = (await store.GetRunAsync(run.RunId))!;
        details.Inputs.Should().ContainSingle().Which.Should().Be(new StepIoRecord { RunId = run.RunId, Step = "train", Name = "data", Digest = D('a') });
        details.Outputs.Select(o => (o.Name, o.Digest)).Should().Equal(("model", D('b')), ("report", D('c')));
        details.Metrics.Select(m => (m.Name, m.Value)).Should().Equal(("auc", 0.93), ("logloss", 0.25));
        (await store.GetRunAsync("missing")).Should().BeNull();
    }

    [Fact]
    public async Task RecordStepIoAndMetrics_UnrecordedStepOrBadInput_WriteNothing()
    {
        await using var store = await OpenAsync();
        var run = await store.CreateRunAsync(Run());
        await store.UpsertStepAsync(Step(run.RunId, "train"));

        await store.Invoking(s => s.RecordStepIoAsync(run.RunId, "ghost", new Dictionary<string, string> { ["x"] = D('a') }, new Dictionary<string, string>()))
            .Should().ThrowAsync<KeyNotFoundException>();
        await store.Invoking(s => s.RecordStepIoAsync(run.RunId, "train", new Dictionary<string, string> { ["x"] = D('a') }, new Dictionary<string, string> { ["y"] = "md5:00" }))
            .Should().ThrowAsync<ArgumentException>();
        await store.Invoking(s => s.RecordMetricsAsync(run.RunId, "train", new Dictionary<string, double> { ["ok"] = 1, ["bad"] = double.NaN }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*bad*NaN*");

        var details = (await store.GetRunAsync(run.RunId))!;
        details.Inputs.Should().BeEmpty();
        details.Outputs.Should().BeEmpty();
        details.Metrics.Should().BeEmpty();
    }

    [Fact]
    public async Task RecordArtifact_FirstRecordWins()
    {
        await using var store = await OpenAsync();

        var first = await store.RecordArtifactAsync(new ArtifactInfo(D('a'), 10), "dataset", "text/csv");
        _clock.Advance(TimeSpan.FromHours(1));
        var again = await store.RecordArtifactAsync(new ArtifactInfo(D('a'), 10), "file");

        again.Should().Be(first);
        first.Should().Be(new ArtifactRecord { Digest = D('a'), Size = 10, Kind = "dataset", MediaType = "text/csv", CreatedAt = T0 });
        (await store.GetArtifactAsync(D('a'))).Should().Be(first);
        (await store.GetArtifactAsync(D('b'))).Should().BeNull();
    }

    [Fact]
    public async Task ListRuns_NewestFirst_WithLimitAndPipelineFilter()
    {
        await using var store = await OpenAsync();
        var a1 = await store.CreateRunAsync(Run("a"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        var b1 = await store.CreateRunAsync(Run("b"));
        _clock.Advance(TimeSpan.FromMinutes(3));
        var a2 = await store.CreateRunAsync(Run("a"));

        (await store.ListRunsAsync()).Select(r => r.RunId).Should().Equal(a2.RunId, b1.RunId, a1.RunId);
        (await store.ListRunsAsync(limit: 2)).Select(r => r.RunId).Should().Equal(a2.RunId, b1.RunId);
        (await store.ListRunsAsync(pipeline: "a")).Select(r => r.RunId).Should().Equal(a2.RunId, a1.RunId);
        (await store.ListRunsAsync(pipeline: "zzz")).Should().BeEmpty();
    }

    [Fact]
    public async Task GetLineage_ModelOfThreeStepChain_GoesBackToIngestSourceWithParams()
    {
        await using var store = await OpenAsync();
        var run = await store.CreateRunAsync(Run());
        string raw = D('0'), dataset = D('1'), train = D('2'), test = D('3'), model = D('4');
        await store.RecordArtifactAsync(new ArtifactInfo(dataset, 100), "dataset");
        await store.RecordArtifactAsync(new ArtifactInfo(model, 7), "model", "application/json");
        var chain = new (string Step, string Params, Dictionary<string, string> In, Dictionary<string, string> Out)[]
        {
            ("ingest", """{"url":"file:data.csv"}""", new() { ["source"] = raw }, new() { ["dataset"] = dataset }),
            ("split", """{"ratio":0.8}""", new() { ["dataset"] = dataset }, new() { ["train"] = train, ["test"] = test }),
            ("train", """{"lr":0.1}""", new() { ["train"] = train }, new() { ["model"] = model }),
        };
        foreach (var (step, parameters, inputs, outputs) in chain)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await store.UpsertStepAsync(Step(run.RunId, step, paramsJson: parameters) with { StartedAt = _clock.Now });
            await store.RecordStepIoAsync(run.RunId, step, inputs, outputs);
        }

        var lineage = (await store.GetLineageAsync(model))!;

        lineage.Root.Should().Be(model);
        lineage.Steps.Select(s => (s.Step, s.ParamsJson)).Should().Equal(
            ("train", """{"lr":0.1}"""), ("split", """{"ratio":0.8}"""), ("ingest", """{"url":"file:data.csv"}"""));
        lineage.Steps.Should().AllSatisfy(s =>
        {
            s.RunId.Should().Be(run.RunId);
            s.Pipeline.Should().Be("churn");
            s.GitCommit.Should().Be("0123abc");
            s.Component.Should().Be(s.Step + "@1.0.0");
        });
        lineage.Artifacts.Select(a => a.Digest).Should().Equal(model, train, dataset, raw);
        lineage.Artifacts[0].Kind.Should().Be("model");
        lineage.Artifacts[3].Kind.Should().BeNull("the raw source was never recorded as an artifact");
        var id = (string step) => run.RunId + "/" + step;
        lineage.Edges.Select(e => (e.From, e.To, e.Name, e.Kind)).Should().Equal(
            (id("train"), model, "model", LineageEdgeKind.Output),
            (train, id("train"), "train", LineageEdgeKind.Input),
            (id("split"), train, "train", LineageEdgeKind.Output),
            (dataset, id("split"), "dataset", LineageEdgeKind.Input),
            (id("ingest"), dataset, "dataset", LineageEdgeKind.Output),
            (raw, id("ingest"), "source", LineageEdgeKind.Input));

        var ofRun = (await store.GetLineageAsync(run.RunId))!;
        ofRun.Steps.Select(s => s.Step).Should().Equal("ingest", "split", "train");
        ofRun.Artifacts.Select(a => a.Digest).Should().BeEquivalentTo(new[] { raw, dataset, train, test, model });
        ofRun.Edges.Should().HaveCount(7);

        (await store.GetLineageAsync(D('9'))).Should().BeNull();
        (await store.GetLineageAsync("20000101-000000-000000")).Should().BeNull();
    }

    [Fact]
    public async Task TryGetCache_HitsOnlyWhileEveryOutputArtifactExists()
    {
        await using var store = await OpenAsync();
        var artifacts = new ArtifactStore(_temp.Combine("artifacts"));
        var model = await artifacts.PutBytesAsync(new byte[] { 1, 2, 3 });
        var report = await artifacts.PutBytesAsync(new byte[] { 4, 5, 6 });
        var run = await store.CreateRunAsync(Run());
        var outputs = new Dictionary<string, string> { ["model"] = model.Digest, ["report"] = report.Digest };

        await store.PutCacheAsync("k1", outputs, run.RunId, "train");

        (await store.TryGetCacheAsync("k1", artifacts)).Should().BeEquivalentTo(outputs);
        (await store.TryGetCacheAsync("k2", artifacts)).Should().BeNull();

        await artifacts.CollectGarbageAsync(new HashSet<string> { model.Digest }, dryRun: false);

        (await store.TryGetCacheAsync("k1", artifacts)).Should().BeNull("the report was collected, so the step must run again");
    }

    [Fact]
    public async Task ReferencedDigests_UnionOfInputsOutputsCacheEntriesAndPipelineFiles()
    {
        await using var store = await OpenAsync();
        var run = await store.CreateRunAsync(Run());
        await store.UpsertStepAsync(Step(run.RunId, "s"));
        await store.RecordStepIoAsync(run.RunId, "s", new Dictionary<string, string> { ["i"] = D('a') }, new Dictionary<string, string> { ["o"] = D('b') });
        await store.PutCacheAsync("k", new Dictionary<string, string> { ["o"] = D('b'), ["p"] = D('c') }, run.RunId, "s");
        await store.RecordArtifactAsync(new ArtifactInfo(D('d'), 1), "file");

        // D('f') is the run's pipeline file digest; D('d') is only recorded as an artifact, which keeps nothing alive.
        (await store.ReferencedDigestsAsync()).Should().BeEquivalentTo(new[] { D('a'), D('b'), D('c'), D('f') });
    }

    [Fact]
    public async Task MarkAbandonedRuns_DeadOwnerOrTooOld_FailsRunAndSettlesSteps()
    {
        await using var writer = await OpenAsync();
        var dead = await writer.CreateRunAsync(Run());
        await writer.UpsertStepAsync(Step(dead.RunId, "done"));
        await writer.UpsertStepAsync(Step(dead.RunId, "busy", StepStatus.Running));
        await writer.UpsertStepAsync(Step(dead.RunId, "next", StepStatus.Pending));
        writer.Owner = "some-other-host:123";
        var remote = await writer.CreateRunAsync(Run());

        await using var live = await OpenAsync();
        (await live.MarkAbandonedRunsAsync()).Should().BeEmpty("this test process, the owner, is alive; the other host cannot be checked");

        await using var checker = await OpenAsync();
        checker.IsProcessAlive = _ => false;
        _clock.Advance(TimeSpan.FromMinutes(30));
        (await checker.MarkAbandonedRunsAsync(olderThan: TimeSpan.FromHours(1))).Should().Equal(dead.RunId);

        var details = (await checker.GetRunAsync(dead.RunId))!;
        details.Run.Status.Should().Be(RunStatus.Failed);
        details.Run.FinishedAt.Should().Be(T0.AddMinutes(30));
        details.Run.Error.Should().Contain("abandoned");
        details.Steps.ToDictionary(s => s.Step, s => s.Status).Should().Equal(new Dictionary<string, StepStatus>
        {
            ["done"] = StepStatus.Succeeded,
            ["busy"] = StepStatus.Failed,
            ["next"] = StepStatus.Cancelled,
        });
        (await checker.GetRunAsync(remote.RunId))!.Run.Status.Should().Be(RunStatus.Running);

        _clock.Advance(TimeSpan.FromHours(1));
        (await checker.MarkAbandonedRunsAsync(olderThan: TimeSpan.FromHours(1))).Should().Equal(remote.RunId);
    }

    [Fact]
    public async Task ConcurrentWriters_EachWithOwnConnection_LoseNothing()
    {
        const int Writers = 8, RunsEach = 25;
        await (await OpenAsync()).DisposeAsync();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            // Real clock and a shared seed: ids collide within a second and must be retried, not lost.
            await using var store = await MetadataStore.OpenAsync(DbPath, random: new Random(5));
            for (var i = 0; i < RunsEach; i++)
            {
                var run = await store.CreateRunAsync(Run("w" + w));
                await store.UpsertStepAsync(Step(run.RunId, "s"));
                await store.RecordMetricsAsync(run.RunId, "s", new Dictionary<string, double> { ["i"] = i, ["w"] = w });
                await store.PutCacheAsync($"key-{w}-{i}", new Dictionary<string, string> { ["o"] = D('a') }, run.RunId, "s");
                await store.UpdateRunStatusAsync(run.RunId, RunStatus.Succeeded);
            }
        })));

        await using var reader = await OpenAsync();
        var runs = await reader.ListRunsAsync(limit: 1000);
        runs.Should().HaveCount(Writers * RunsEach);
        runs.Select(r => r.RunId).Should().OnlyHaveUniqueItems();
        runs.Should().AllSatisfy(r => r.Status.Should().Be(RunStatus.Succeeded));
        for (var w = 0; w < Writers; w++)
        {
            var mine = await reader.ListRunsAsync(limit: 1000, pipeline: "w" + w);
            var values = new List<double>();
            foreach (var run in mine)
            {
                var details = (await reader.GetRunAsync(run.RunId))!;
                details.Steps.Should().ContainSingle();
                details.Metrics.Should().HaveCount(2);
                values.Add(details.Metrics.Single(m => m.Name == "i").Value);
            }

            values.Should().BeEquivalentTo(Enumerable.Range(0, RunsEach).Select(i => (double)i));
        }

        foreach (var key in Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, RunsEach).Select(i => $"key-{w}-{i}")))
        {
            (await reader.TryGetCacheAsync(key, _ => true)).Should().NotBeNull(key);
        }
    }
}
