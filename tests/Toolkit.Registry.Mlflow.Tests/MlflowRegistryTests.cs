using System.Text;
using Toolkit.Ml.Models;

namespace Toolkit.Registry.Mlflow.Tests;

public sealed class MlflowRegistryTests
{
    private static RegisterRequest Request(string file, string model = "diabetes") => new()
    {
        Model = model,
        ModelFile = file,
        RunId = "run-42",
        Pipeline = "train",
        DataDigest = "sha256:data",
        Parameters = new Dictionary<string, string> { ["alpha"] = "1.0", ["algorithm"] = "ridge" },
        Metrics = new Dictionary<string, double> { ["rmse"] = 0.25, ["r2"] = 0.9 },
        GatePassed = true,
        GateReport = "{\"passed\":true}",
        GitCommit = "abc123",
        GitBranch = "main",
        Actor = "ci",
        ModelCard = "# Diabetes\nRidge regression.",
    };

    [Fact]
    public async Task RegisterAsync_NewFile_CreatesReadyVersionWithTagsArtifactsAndLineageRun()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);
        var digest = ModelFile.Load(file).Digest!;

        var result = await f.Registry.RegisterAsync(Request(file));

        result.Created.Should().BeTrue();
        result.Version.Version.Should().Be(1);
        result.Version.Digest.Should().Be(digest);
        result.Version.RunId.Should().Be("run-42");
        result.Version.Pipeline.Should().Be("train");
        result.Version.DataDigest.Should().Be("sha256:data");
        result.Version.GatePassed.Should().BeTrue();
        result.Version.GitCommit.Should().Be("abc123");
        result.Version.GitBranch.Should().Be("main");
        result.Version.CreatedBy.Should().Be("ci");
        result.Version.Parameters.Should().BeEquivalentTo(new Dictionary<string, string> { ["alpha"] = "1.0", ["algorithm"] = "ridge" });
        result.Version.Metrics.Should().BeEquivalentTo(new Dictionary<string, double> { ["rmse"] = 0.25, ["r2"] = 0.9 });

        // The fake's clock starts at 1_700_000_000_000 ms and ticks 1 s per created registered model,
        // experiment and version (the run carries the client's start_time): the version is the third
        // tick. The fake sends it as the JSON string "1700000003000".
        result.Version.CreatedAt.Should().Be(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_003_000));

        var hex = digest["sha256:".Length..];
        var folder = $"toolkit/models/diabetes/{hex}";
        f.Server.VersionSource("diabetes", 1).Should().Be($"mlflow-artifacts:/{folder}");
        f.Server.Artifacts[$"{folder}/model.tkm"].Should().Equal(await File.ReadAllBytesAsync(file));
        Encoding.UTF8.GetString(f.Server.Artifacts[$"{folder}/model_card.md"]).Should().Be("# Diabetes\nRidge regression.");
        f.Server.VersionTags("diabetes", 1)[MlflowRegistry.DigestTag].Should().Be(digest);

        // Lineage: a finished run in the "toolkit" experiment, named after the pipeline run.
        var runId = f.Server.VersionRunId("diabetes", 1);
        runId.Should().NotBeNull();
        var run = f.Server.Run(runId!);
        run.Status.Should().Be("FINISHED");
        run.Tags["mlflow.runName"].Should().Be("run-42");
        run.Params["alpha"].Should().Be("1.0");

        // It waited for READY by polling model-versions/get (2 pending polls in the fake).
        f.Server.RequestsTo("model-versions/get").Should().HaveCount(2);
        (await f.Registry.GetModelCardAsync("diabetes", 1)).Should().Be("# Diabetes\nRidge regression.");
        (await f.Registry.GetGateReportAsync("diabetes", 1)).Should().Be("{\"passed\":true}");
    }

    [Fact]
    public async Task RegisterAsync_SameFileTwice_ReturnsTheExistingVersionWithoutCreatingAnother()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);

        var first = await f.Registry.RegisterAsync(Request(file));
        var second = await f.Registry.RegisterAsync(Request(file) with { Actor = "someone-else" });

        first.Created.Should().BeTrue();
        second.Created.Should().BeFalse();
        second.Version.Version.Should().Be(1);
        second.Version.CreatedBy.Should().Be("ci");
        f.Server.RequestsTo("model-versions/create").Should().HaveCount(1);
        (await f.Registry.HistoryAsync("diabetes")).Should().ContainSingle(e => e.Action == AuditAction.Register);
    }

    [Fact]
    public async Task RegisterAsync_VersionNumbersPastNine_AreParsedFromStringsAndOrderedNumerically()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));
        f.Server.SkipVersionsTo("diabetes", 9);
        var nine = await f.Registry.RegisterAsync(Request(f.ModelFile(2)));
        var ten = await f.Registry.RegisterAsync(Request(f.ModelFile(3)));

        nine.Version.Version.Should().Be(9);
        ten.Version.Version.Should().Be(10);
        var versions = await f.Registry.ListVersionsAsync("diabetes");
        versions.Select(v => v.Version).Should().Equal(1, 9, 10);
        (await f.Registry.GetModelAsync("diabetes"))!.LatestVersion.Should().Be(10);
    }

    [Fact]
    public async Task RegisterAsync_PendingRegistration_PollsAtTheIntervalUntilReady()
    {
        await using var f = new MlflowFixture();
        f.Server.PendingPolls = 4;

        var result = await f.Registry.RegisterAsync(Request(f.ModelFile(2)));

        result.Created.Should().BeTrue();
        f.Server.RequestsTo("model-versions/get").Should().HaveCount(4);

        // One poll interval (2 s in the fixture) before each get; no retries happened.
        f.Time.Delays.Should().Equal(Enumerable.Repeat(TimeSpan.FromSeconds(2), 4));
    }

    [Fact]
    public async Task RegisterAsync_FailedRegistration_ThrowsWithMlflowsStatusMessage()
    {
        await using var f = new MlflowFixture();
        f.Server.FailNextRegistration = "Unable to copy artifacts: bucket not found";

        var act = () => f.Registry.RegisterAsync(Request(f.ModelFile(2)));

        (await act.Should().ThrowAsync<RegistryException>())
            .Which.Message.Should().Contain("failed to register version 1").And.Contain("bucket not found");
    }

    [Fact]
    public async Task RegisterAsync_NeverReady_TimesOutOnTheInjectedClock()
    {
        await using var f = new MlflowFixture();
        f.Server.PendingPolls = 1000;

        var act = () => f.Registry.RegisterAsync(Request(f.ModelFile(2)));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("PENDING_REGISTRATION");

        // 30 s timeout / 2 s interval: 15 polls, then it gives up.
        f.Server.RequestsTo("model-versions/get").Should().HaveCount(15);
    }

    [Fact]
    public async Task RegisterAsync_ChangedModelFile_IsRefusedBeforeAnyUpload()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[^2] = bytes[^2] == (byte)'1' ? (byte)'2' : (byte)'1';
        await File.WriteAllBytesAsync(file, bytes);

        var act = () => f.Registry.RegisterAsync(Request(file));

        await act.Should().ThrowAsync<RegistryException>();
        f.Server.Artifacts.Should().BeEmpty();
    }

    [Fact]
    public async Task SetAliasAsync_PromotionsAndRollback_MoveAliasesAndAppendAuditTags()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));
        await f.Registry.RegisterAsync(Request(f.ModelFile(2)));

        await f.Registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", "first"));
        await f.Registry.SetAliasAsync("diabetes", Stages.Prod, 1, AuditAction.Promote, new AuditInfo("bob", "ship") { Approvals = ["carol"] });
        await f.Registry.SetAliasAsync("diabetes", Stages.Dev, 2, AuditAction.Promote, new AuditInfo("alice", null));
        await f.Registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Rollback, new AuditInfo("alice", "bad"));

        (await f.Registry.GetByAliasAsync("diabetes", Stages.Dev))!.Version.Should().Be(1);
        (await f.Registry.GetByAliasAsync("diabetes", Stages.Prod))!.Version.Should().Be(1);
        (await f.Registry.GetVersionAsync("diabetes", 1))!.Aliases.Should().Equal(Stages.Dev, Stages.Prod);
        (await f.Registry.GetVersionAsync("diabetes", 2))!.Aliases.Should().BeEmpty();
        (await f.Registry.GetModelAsync("diabetes"))!.Aliases.Should().BeEquivalentTo(new Dictionary<string, int> { ["dev"] = 1, ["prod"] = 1 });

        var history = await f.Registry.HistoryAsync("diabetes");
        history.Select(e => (e.Sequence, e.Action, e.Version, e.Stage, e.PreviousVersion)).Should().Equal(
            (1L, AuditAction.Register, 1, (string?)null, (int?)null),
            (2L, AuditAction.Register, 2, null, null),
            (3L, AuditAction.Promote, 1, "dev", null),
            (4L, AuditAction.Promote, 1, "prod", null),
            (5L, AuditAction.Promote, 2, "dev", 1),
            (6L, AuditAction.Rollback, 1, "dev", 2));
        history[3].Approvals.Should().Equal("carol");
        history[3].Actor.Should().Be("bob");
        history[5].Reason.Should().Be("bad");
        f.Server.ModelTags("diabetes").Keys.Where(k => k.StartsWith("toolkit.audit.", StringComparison.Ordinal))
            .Should().BeEquivalentTo(["toolkit.audit.000001", "toolkit.audit.000002", "toolkit.audit.000003", "toolkit.audit.000004", "toolkit.audit.000005", "toolkit.audit.000006"]);
        (await f.Registry.VerifyAuditAsync("diabetes")).Should().BeEmpty();
    }

    [Fact]
    public async Task AppendDeploymentEventAsync_Deploy_IsAnAuditTagThatMovesNoAliasAndKeepsTheChainVerified()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));
        await f.Registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", null));

        await f.Registry.AppendDeploymentEventAsync("diabetes", 1, Stages.Dev, AuditAction.Deploy, new AuditInfo("bob", "docker on http://127.0.0.1:8081"));
        await f.Registry.AppendDeploymentEventAsync("diabetes", 1, Stages.Dev, AuditAction.Undeploy, new AuditInfo("bob", null));

        var history = await f.Registry.HistoryAsync("diabetes");
        history.Select(e => (e.Sequence, e.Action, e.Version, e.Stage)).Should().Equal(
            (1L, AuditAction.Register, 1, (string?)null),
            (2L, AuditAction.Promote, 1, "dev"),
            (3L, AuditAction.Deploy, 1, "dev"),
            (4L, AuditAction.Undeploy, 1, "dev"));
        history[2].Reason.Should().Be("docker on http://127.0.0.1:8081");
        f.Server.ModelTags("diabetes").Should().ContainKey("toolkit.audit.000003");
        (await f.Registry.GetByAliasAsync("diabetes", Stages.Dev))!.Version.Should().Be(1);
        (await f.Registry.VerifyAuditAsync("diabetes")).Should().BeEmpty();
    }

    [Fact]
    public async Task AppendDeploymentEventAsync_UnknownVersion_IsRefused()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));

        var act = () => f.Registry.AppendDeploymentEventAsync("diabetes", 7, Stages.Dev, AuditAction.Deploy, new AuditInfo("bob", null));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("no version 7");
    }

    [Fact]
    public async Task GetByAliasAsync_UnsetAlias_ReturnsNullThoughMlflowAnswers400()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));

        (await f.Registry.GetByAliasAsync("diabetes", Stages.Prod)).Should().BeNull();
        f.Server.RequestsTo("registered-models/alias").Should().NotBeEmpty();
        (await f.Registry.GetByAliasAsync("unknown-model", Stages.Prod)).Should().BeNull();
    }

    [Fact]
    public async Task SetAliasAsync_AuditWriteFails_PutsTheAliasBackAndThrows()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));
        await f.Registry.RegisterAsync(Request(f.ModelFile(2)));
        await f.Registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", null));
        f.Server.FailNext(1, 400, pathContains: "registered-models/set-tag", errorCode: "INVALID_PARAMETER_VALUE");

        var act = () => f.Registry.SetAliasAsync("diabetes", Stages.Dev, 2, AuditAction.Promote, new AuditInfo("alice", null));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("was not moved");
        (await f.Registry.GetByAliasAsync("diabetes", Stages.Dev))!.Version.Should().Be(1);
        (await f.Registry.HistoryAsync("diabetes")).Should().HaveCount(3);
        (await f.Registry.VerifyAuditAsync("diabetes")).Should().BeEmpty();
    }

    [Fact]
    public async Task VerifyAuditAsync_AliasMovedWithoutEvent_ReportsTheStage()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));
        await f.Registry.RegisterAsync(Request(f.ModelFile(2)));
        await f.Registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", null));

        // What a process killed between the alias call and the audit tag leaves behind.
        await f.Client.RegisteredModels.SetAliasAsync("diabetes", Stages.Dev, "2");
        await f.Client.RegisteredModels.SetAliasAsync("diabetes", Stages.Prod, "2");

        (await f.Registry.VerifyAuditAsync("diabetes")).Select(m => (m.Stage, m.AliasVersion, m.AuditedVersion)).Should().Equal(
            ("dev", 2, 1),
            ("prod", 2, (int?)null));
    }

    [Fact]
    public async Task VerifyAuditAsync_EventOverwrittenByAConcurrentWriter_ReportsTheGapInTheStageChain()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));
        await f.Registry.RegisterAsync(Request(f.ModelFile(2)));
        await f.Registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", null));
        await f.Registry.SetAliasAsync("diabetes", Stages.Dev, 2, AuditAction.Promote, new AuditInfo("alice", null));
        (await f.Registry.VerifyAuditAsync("diabetes")).Should().BeEmpty();

        // Another writer took sequence 3 too and its set-tag landed last: "dev -> 1" is gone.
        var tags = f.Server.ModelTags("diabetes");
        await f.Client.RegisteredModels.SetTagAsync("diabetes", "toolkit.audit.000003", tags["toolkit.audit.000002"].Replace("\"sequence\":2", "\"sequence\":3", StringComparison.Ordinal));

        var problems = await f.Registry.VerifyAuditAsync("diabetes");

        problems.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Stage = "dev", AuditedVersion = (int?)null });
        problems[0].Problem.Should().Contain("an event is missing");
    }

    [Fact]
    public async Task SetAliasAsync_UnknownVersion_ThrowsRegistryException()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(1)));

        var act = () => f.Registry.SetAliasAsync("diabetes", Stages.Dev, 7, AuditAction.Promote, new AuditInfo("alice", null));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("no version 7");
    }

    [Fact]
    public async Task DownloadModelAsync_StoredFile_IsCopiedAndLoads()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);
        await f.Registry.RegisterAsync(Request(file));
        var destination = Path.Combine(f.Directory, "out", "downloaded.tkm");

        await f.Registry.DownloadModelAsync("diabetes", 1, destination);

        (await File.ReadAllBytesAsync(destination)).Should().Equal(await File.ReadAllBytesAsync(file));
        ModelFile.Load(destination).Digest.Should().Be(ModelFile.Load(file).Digest);
    }

    [Fact]
    public async Task DownloadModelAsync_ArtifactReplacedByAnotherValidModel_IsRefusedAndNothingWritten()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);
        var registered = await f.Registry.RegisterAsync(Request(file));
        var path = $"toolkit/models/diabetes/{registered.Version.Digest["sha256:".Length..]}/model.tkm";

        // A valid model file, but not the registered one: its own header digest checks out.
        f.Server.Artifacts[path] = await File.ReadAllBytesAsync(f.ModelFile(5));
        var destination = Path.Combine(f.Directory, "downloaded.tkm");

        var act = () => f.Registry.DownloadModelAsync("diabetes", 1, destination);

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain(registered.Version.Digest);
        File.Exists(destination).Should().BeFalse();
    }

    [Fact]
    public async Task DownloadModelAsync_CorruptedArtifact_IsRefused()
    {
        await using var f = new MlflowFixture();
        var registered = await f.Registry.RegisterAsync(Request(f.ModelFile(2)));
        var path = $"toolkit/models/diabetes/{registered.Version.Digest["sha256:".Length..]}/model.tkm";
        var bytes = (byte[])f.Server.Artifacts[path].Clone();
        bytes[^3] ^= 0x01;
        f.Server.Artifacts[path] = bytes;

        var act = () => f.Registry.DownloadModelAsync("diabetes", 1, Path.Combine(f.Directory, "x.tkm"));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("damaged");
    }

    [Fact]
    public async Task RegisterAsync_ManyParameters_StoredAsArtifactAndReadBack()
    {
        await using var f = new MlflowFixture();
        var parameters = Enumerable.Range(0, 400).ToDictionary(i => $"param_{i:D3}", i => new string('x', 20));

        var result = await f.Registry.RegisterAsync(Request(f.ModelFile(2)) with { Parameters = parameters, ModelCard = null, GateReport = null });

        f.Server.VersionTags("diabetes", 1)[MlflowRegistry.ParametersTag].Should().Be("artifact:parameters.json");
        result.Version.Parameters.Should().BeEquivalentTo(parameters);
        (await f.Registry.GetVersionAsync("diabetes", 1))!.Parameters.Should().HaveCount(400);
        (await f.Registry.GetModelCardAsync("diabetes", 1)).Should().StartWith("# diabetes v1", "without a card of its own the version gets the default card").And.Contain("param_399");
    }

    [Fact]
    public async Task RegisterAsync_WithTrackedRun_LinksTheVersionToThatRun()
    {
        await using var f = new MlflowFixture();
        var mlflowRunId = await f.Registry.TrackAsync(new TrackedRun
        {
            RunId = "run-42",
            Pipeline = "train",
            Status = "running",
            StartedAt = f.Time.GetUtcNow(),
        });

        await f.Registry.RegisterAsync(Request(f.ModelFile(2)));

        f.Server.VersionRunId("diabetes", 1).Should().Be(mlflowRunId);
        f.Server.AllRuns().Should().ContainSingle();
    }

    [Fact]
    public async Task ListModelsAsync_PagedSearch_ReturnsEveryModel()
    {
        await using var f = new MlflowFixture();
        f.Server.MaxPageSize = 2;
        foreach (var name in new[] { "c-model", "a-model", "b-model" })
        {
            await f.Registry.RegisterAsync(Request(f.ModelFile(name.Length + name[0]), name));
        }

        var models = await f.Registry.ListModelsAsync();

        models.Select(m => m.Name).Should().Equal("a-model", "b-model", "c-model");
        models.Should().OnlyContain(m => m.LatestVersion == 1);
        f.Server.RequestsTo("registered-models/search").Should().HaveCount(2);
    }

    [Fact]
    public async Task Reads_UnknownModelOrVersion_ReturnEmptyOrNull()
    {
        await using var f = new MlflowFixture();

        (await f.Registry.GetModelAsync("nothing")).Should().BeNull();
        (await f.Registry.ListVersionsAsync("nothing")).Should().BeEmpty();
        (await f.Registry.HistoryAsync("nothing")).Should().BeEmpty();
        (await f.Registry.GetVersionAsync("nothing", 1)).Should().BeNull();
        f.Registry.Backend.Should().Be("mlflow");
    }

    [Fact]
    public async Task RegisterAsync_InvalidModelName_IsRefusedBeforeAnyRequest()
    {
        await using var f = new MlflowFixture();

        var act = () => f.Registry.RegisterAsync(Request(f.ModelFile(1), "x' OR name='y"));

        await act.Should().ThrowAsync<RegistryException>();
        f.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task RegisterAsync_ConcurrentRegistrationsFromTwoClients_GetDistinctVersionsAndConvergeOnOneVersionPerFile()
    {
        await using var f = new MlflowFixture();
        using var otherClient = new MlflowClient(f.Options, f.Time);
        await using var other = new MlflowRegistry(otherClient, f.Time);
        var fileA = f.ModelFile(1);
        var fileB = f.ModelFile(2);
        var fileC = f.ModelFile(3);

        // Different files at once: each gets its own version number.
        var distinct = await Task.WhenAll(f.Registry.RegisterAsync(Request(fileA)), other.RegisterAsync(Request(fileB)));
        distinct.Select(r => r.Version.Version).Should().BeEquivalentTo([1, 2]);

        // The same file at once: whatever the interleaving, both answer the lowest version holding
        // the digest, and only one of them reports it as created.
        var same = await Task.WhenAll(f.Registry.RegisterAsync(Request(fileC)), other.RegisterAsync(Request(fileC)));
        same.Select(r => r.Version.Version).Distinct().Should().ContainSingle();
        same.Count(r => r.Created).Should().Be(1);
        (await f.Registry.RegisterAsync(Request(fileC))).Version.Version.Should().Be(same[0].Version.Version);
    }
}
