using Microsoft.Data.Sqlite;
using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Tests.Embedded;

public sealed class EmbeddedRegistryTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly RegistryTestFolder _folder = new();
    private readonly ManualTimeProvider _time = new(Start);

    public void Dispose() => _folder.Dispose();

    private Task<EmbeddedRegistry> OpenAsync() => EmbeddedRegistry.OpenAsync(_folder.RegistryRoot, _time);

    private static RegisterRequest Request(string model, string file, string? actor = "alice") => new()
    {
        Model = model,
        ModelFile = file,
        Actor = actor,
        GatePassed = true,
    };

    [Fact]
    public async Task RegisterAsync_NewFile_StoresVersionOneWithEveryField()
    {
        var file = _folder.ModelFile(1);
        var digest = ModelFile.Load(file).Digest!;
        await using var registry = await OpenAsync();

        var result = await registry.RegisterAsync(new RegisterRequest
        {
            Model = "diabetes",
            ModelFile = file,
            RunId = "run-1",
            Pipeline = "train",
            DataDigest = "sha256:" + new string('d', 64),
            Parameters = new Dictionary<string, string> { ["alpha"] = "1.0", ["split"] = "0.8" },
            Metrics = new Dictionary<string, double> { ["evaluate.rmse"] = 0.25, ["evaluate.r2"] = double.NaN },
            GatePassed = false,
            GateReport = """{"passed":false}""",
            GitCommit = "abc123",
            GitBranch = "main",
            Actor = "alice",
        });

        result.Created.Should().BeTrue();
        var stored = await registry.GetVersionAsync("diabetes", 1) ?? throw new InvalidOperationException("version 1 was not stored");
        stored.Should().BeEquivalentTo(result.Version, o => o.ComparingByMembers<ModelVersion>());
        stored.Version.Should().Be(1);
        stored.Digest.Should().Be(digest);
        stored.CreatedAt.Should().Be(Start);
        stored.CreatedBy.Should().Be("alice");
        stored.RunId.Should().Be("run-1");
        stored.Pipeline.Should().Be("train");
        stored.DataDigest.Should().Be("sha256:" + new string('d', 64));
        stored.Parameters.Should().Equal(new Dictionary<string, string> { ["alpha"] = "1.0", ["split"] = "0.8" });
        stored.Metrics["evaluate.rmse"].Should().Be(0.25);
        double.IsNaN(stored.Metrics["evaluate.r2"]).Should().BeTrue();
        stored.GatePassed.Should().BeFalse();
        stored.GitCommit.Should().Be("abc123");
        stored.GitBranch.Should().Be("main");
        stored.Aliases.Should().BeEmpty();
        (await registry.GetGateReportAsync("diabetes", 1)).Should().Be("""{"passed":false}""");
    }

    [Fact]
    public async Task RegisterAsync_NewFile_StoresFileByDigestReadOnly()
    {
        var file = _folder.ModelFile(1);
        var hex = ModelFile.Load(file).Digest!["sha256:".Length..];
        await using var registry = await OpenAsync();

        await registry.RegisterAsync(Request("diabetes", file));

        var stored = Path.Combine(_folder.RegistryRoot, "models", "sha256", hex[..2], hex + ".tkm");
        File.ReadAllBytes(stored).Should().Equal(File.ReadAllBytes(file));
        File.GetAttributes(stored).HasFlag(FileAttributes.ReadOnly).Should().BeTrue();
        Directory.GetFiles(Path.GetDirectoryName(stored)!).Should().ContainSingle("no temporary file is left behind");
    }

    [Fact]
    public async Task RegisterAsync_SameFileTwice_ReturnsExistingVersionNotCreated()
    {
        var file = _folder.ModelFile(1);
        await using var registry = await OpenAsync();

        var first = await registry.RegisterAsync(Request("diabetes", file));
        _time.Advance(TimeSpan.FromHours(1));
        var copy = Path.Combine(_folder.Path, "copy.tkm");
        File.Copy(file, copy);
        var second = await registry.RegisterAsync(Request("diabetes", copy, actor: "bob"));

        second.Created.Should().BeFalse();
        second.Version.Version.Should().Be(1);
        second.Version.CreatedAt.Should().Be(Start, "the existing version is returned, not a new one");
        second.Version.CreatedBy.Should().Be("alice");
        (await registry.ListVersionsAsync("diabetes")).Should().ContainSingle();
        (await registry.HistoryAsync("diabetes")).Should().ContainSingle(e => e.Action == AuditAction.Register);
    }

    [Fact]
    public async Task RegisterAsync_DifferentFiles_NumbersVersionsPerModel()
    {
        await using var registry = await OpenAsync();

        var v1 = await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)));
        _time.Advance(TimeSpan.FromMinutes(1));
        var v2 = await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(2)));
        _time.Advance(TimeSpan.FromMinutes(1));
        var other = await registry.RegisterAsync(Request("churn", _folder.ModelFile(1)));
        _time.Advance(TimeSpan.FromMinutes(1));
        var v3 = await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(3)));

        new[] { v1.Version.Version, v2.Version.Version, v3.Version.Version }.Should().Equal(1, 2, 3);
        other.Version.Version.Should().Be(1, "each model numbers its own versions");
        other.Version.Digest.Should().Be(v1.Version.Digest, "the same file may be registered under another model");
        var versions = await registry.ListVersionsAsync("diabetes");
        versions.Select(v => v.Version).Should().Equal(1, 2, 3);
        versions.Select(v => v.CreatedAt).Should().Equal(Start, Start.AddMinutes(1), Start.AddMinutes(3));

        var models = await registry.ListModelsAsync();
        models.Select(m => (m.Name, m.LatestVersion, m.CreatedAt)).Should().Equal(
            ("churn", 1, Start.AddMinutes(2)),
            ("diabetes", 3, Start));
        (await registry.GetModelAsync("diabetes"))!.LatestVersion.Should().Be(3);
        (await registry.GetModelAsync("unknown")).Should().BeNull();
        (await registry.GetVersionAsync("diabetes", 4)).Should().BeNull();
        (await registry.ListVersionsAsync("unknown")).Should().BeEmpty();
    }

    [Fact]
    public async Task RegisterAsync_ChangedFile_IsRefusedAndNothingIsRegistered()
    {
        var file = _folder.ModelFile(1);
        var bytes = File.ReadAllBytes(file);
        bytes[^5] ^= 0x01;
        File.WriteAllBytes(file, bytes);
        await using var registry = await OpenAsync();

        var act = () => registry.RegisterAsync(Request("diabetes", file));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("was changed after it was written");
        (await registry.ListModelsAsync()).Should().BeEmpty();
        Directory.Exists(Path.Combine(_folder.RegistryRoot, "models")).Should().BeFalse("nothing is stored for a refused file");
    }

    [Fact]
    public async Task RegisterAsync_NotAModelOrMissing_IsRefused()
    {
        var text = Path.Combine(_folder.Path, "notes.tkm");
        File.WriteAllText(text, "hello\nworld\n");
        await using var registry = await OpenAsync();

        (await registry.Invoking(r => r.RegisterAsync(Request("diabetes", text))).Should().ThrowAsync<RegistryException>())
            .Which.Message.Should().Contain("is not a model file this toolkit reads");
        (await registry.Invoking(r => r.RegisterAsync(Request("diabetes", Path.Combine(_folder.Path, "absent.tkm")))).Should().ThrowAsync<RegistryException>())
            .Which.Message.Should().Contain("absent.tkm");
    }

    [Theory]
    [InlineData("Diabetes")]
    [InlineData("1model")]
    [InlineData("my_model")]
    [InlineData("-model")]
    [InlineData("model/../x")]
    [InlineData("")]
    public async Task RegisterAsync_InvalidModelName_IsRefused(string name)
    {
        var file = _folder.ModelFile(1);
        await using var registry = await OpenAsync();

        var act = () => registry.RegisterAsync(Request(name, file));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain($"model name '{name}' is invalid");
    }

    [Fact]
    public async Task RegisterAsync_WithoutActor_RecordsUnknownInVersionAndAudit()
    {
        await using var registry = await OpenAsync();

        await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1), actor: null));

        (await registry.GetVersionAsync("diabetes", 1))!.CreatedBy.Should().Be("unknown");
        var register = (await registry.HistoryAsync("diabetes")).Should().ContainSingle().Subject;
        register.Should().BeEquivalentTo(new { Action = AuditAction.Register, Version = 1, Stage = (string?)null, PreviousVersion = (int?)null, Actor = "unknown", At = Start });
    }

    [Fact]
    public async Task RegisterAsync_InvalidGateReport_IsRefused()
    {
        await using var registry = await OpenAsync();

        var act = () => registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)) with { GateReport = "{not json" });

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("not valid JSON");
        (await registry.ListModelsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task RegisterAsync_CardGiven_StoresItVerbatim_OtherwiseRendersOne()
    {
        await using var registry = await OpenAsync();

        await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)) with { ModelCard = "# my card\n" });
        await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(2)));

        (await registry.GetModelCardAsync("diabetes", 1)).Should().Be("# my card\n");
        var rendered = await registry.GetModelCardAsync("diabetes", 2);
        rendered.Should().StartWith("# diabetes v2\n");
        rendered.Should().Contain("| Algorithm | ridge |");
        (await registry.GetModelCardAsync("diabetes", 3)).Should().BeNull();
        (await registry.GetGateReportAsync("diabetes", 2)).Should().BeNull();
    }

    [Fact]
    public async Task SetAliasAsync_MovesAliasAndRecordsWhoWhenWhyAndPrevious()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)));
        await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(2)));

        _time.Advance(TimeSpan.FromMinutes(5));
        await registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", "first model") { Approvals = ["bob"] });
        _time.Advance(TimeSpan.FromMinutes(5));
        await registry.SetAliasAsync("diabetes", Stages.Dev, 2, AuditAction.Promote, new AuditInfo("carol", "better rmse"));
        await registry.SetAliasAsync("diabetes", Stages.Preprod, 1, AuditAction.Promote, new AuditInfo("carol", null));

        (await registry.GetByAliasAsync("diabetes", Stages.Dev))!.Version.Should().Be(2);
        (await registry.GetByAliasAsync("diabetes", Stages.Prod)).Should().BeNull();
        (await registry.GetVersionAsync("diabetes", 1))!.Aliases.Should().Equal(Stages.Preprod);
        (await registry.GetVersionAsync("diabetes", 2))!.Aliases.Should().Equal(Stages.Dev);
        (await registry.GetModelAsync("diabetes"))!.Aliases.Should().Equal(new Dictionary<string, int> { [Stages.Dev] = 2, [Stages.Preprod] = 1 });

        var history = await registry.HistoryAsync("diabetes");
        history.Select(e => e.Sequence).Should().BeInAscendingOrder();
        history.Select(e => (e.Action, e.Version, e.Stage, e.PreviousVersion, e.Actor, e.Reason, e.At)).Should().Equal(
            (AuditAction.Register, 1, null, null, "alice", null, Start),
            (AuditAction.Register, 2, null, null, "alice", null, Start),
            (AuditAction.Promote, 1, Stages.Dev, null, "alice", "first model", Start.AddMinutes(5)),
            (AuditAction.Promote, 2, Stages.Dev, 1, "carol", "better rmse", Start.AddMinutes(10)),
            (AuditAction.Promote, 1, Stages.Preprod, null, "carol", null, Start.AddMinutes(10)));
        history[2].Approvals.Should().Equal("bob");
        history.Should().OnlyContain(e => e.Model == "diabetes");
    }

    [Fact]
    public async Task SetAliasAsync_UnknownVersion_SaysWhichVersionsExist()
    {
        await using var registry = await OpenAsync();
        for (var seed = 1; seed <= 4; seed++)
        {
            await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(seed)));
        }

        var act = () => registry.SetAliasAsync("diabetes", Stages.Dev, 9, AuditAction.Promote, new AuditInfo("alice", null));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Be("model 'diabetes' has no version 9; versions: 1..4");
        (await registry.HistoryAsync("diabetes")).Should().OnlyContain(e => e.Action == AuditAction.Register);
    }

    [Fact]
    public async Task SetAliasAsync_UnknownModel_SaysWhichModelsExist()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync(Request("churn", _folder.ModelFile(1)));

        var act = () => registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", null));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Be("model 'diabetes' is not registered; registered models: churn");
    }

    [Fact]
    public async Task DownloadModelAsync_CopiesTheRegisteredBytes()
    {
        var file = _folder.ModelFile(1);
        await using var registry = await OpenAsync();
        await registry.RegisterAsync(Request("diabetes", file));
        var destination = Path.Combine(_folder.Path, "out", "model.tkm");

        await registry.DownloadModelAsync("diabetes", 1, destination);

        File.ReadAllBytes(destination).Should().Equal(File.ReadAllBytes(file));
        ModelFile.Load(destination).Digest.Should().Be((await registry.GetVersionAsync("diabetes", 1))!.Digest);
    }

    [Fact]
    public async Task DownloadModelAsync_StoredFileChanged_IsRefused()
    {
        var file = _folder.ModelFile(1);
        await using var registry = await OpenAsync();
        var version = (await registry.RegisterAsync(Request("diabetes", file))).Version;
        var stored = registry.StoredPathOf(version.Digest);
        File.SetAttributes(stored, FileAttributes.Normal);
        var bytes = File.ReadAllBytes(stored);
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(stored, bytes);
        var destination = Path.Combine(_folder.Path, "out.tkm");

        var act = () => registry.DownloadModelAsync("diabetes", 1, destination);

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("was changed after registration");
        File.Exists(destination).Should().BeFalse();
    }

    [Fact]
    public async Task DownloadModelAsync_StoredFileSwappedForAnotherModel_IsRefused()
    {
        await using var registry = await OpenAsync();
        var version = (await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)))).Version;
        var stored = registry.StoredPathOf(version.Digest);
        File.SetAttributes(stored, FileAttributes.Normal);

        // A valid model file, but not the registered one: its own header digest matches, the registry's does not.
        File.Copy(_folder.ModelFile(2), stored, overwrite: true);

        var act = () => registry.DownloadModelAsync("diabetes", 1, Path.Combine(_folder.Path, "out.tkm"));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain($"not the registered {version.Digest}");
    }

    [Fact]
    public async Task DownloadModelAsync_VersionRegisteredByItsBodyChecksum_StillDownloads()
    {
        // A registry written before the digest was the file's SHA-256 identified versions by the header's
        // body checksum: rewrite one version that way and its file must still come back (e.g. as prod champion).
        var file = _folder.ModelFile(1);
        var legacy = File.ReadLines(file).First().Split(' ')[2];
        await using (var registry = await OpenAsync())
        {
            var version = (await registry.RegisterAsync(Request("diabetes", file))).Version;
            version.Digest.Should().NotBe(legacy);
            var target = registry.StoredPathOf(legacy);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(registry.StoredPathOf(version.Digest), target);
        }

        await using (var raw = new SqliteConnection($"Data Source={Path.Combine(_folder.RegistryRoot, EmbeddedRegistry.DatabaseFileName)};Pooling=False"))
        {
            await raw.OpenAsync();
            await using var command = raw.CreateCommand();
            command.CommandText = $"UPDATE versions SET digest = '{legacy}'";
            (await command.ExecuteNonQueryAsync()).Should().Be(1);
        }

        await using var reopened = await OpenAsync();
        var destination = Path.Combine(_folder.Path, "legacy.tkm");
        await reopened.DownloadModelAsync("diabetes", 1, destination);

        File.ReadAllBytes(destination).Should().Equal(File.ReadAllBytes(file));
    }

    [Fact]
    public async Task DownloadModelAsync_UnknownVersion_IsRefused()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)));

        var act = () => registry.DownloadModelAsync("diabetes", 2, Path.Combine(_folder.Path, "out.tkm"));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Be("model 'diabetes' has no version 2; versions: 1");
    }

    [Fact]
    public async Task RegisterAsync_StoredFileDamaged_RegisteringTheFileAgainRepairsIt()
    {
        var file = _folder.ModelFile(1);
        await using var registry = await OpenAsync();
        var version = (await registry.RegisterAsync(Request("diabetes", file))).Version;
        var stored = registry.StoredPathOf(version.Digest);
        File.SetAttributes(stored, FileAttributes.Normal);
        File.WriteAllText(stored, "damaged");

        var again = await registry.RegisterAsync(Request("diabetes", file));

        again.Created.Should().BeFalse();
        File.ReadAllBytes(stored).Should().Equal(File.ReadAllBytes(file));
        var destination = Path.Combine(_folder.Path, "out.tkm");
        await registry.DownloadModelAsync("diabetes", 1, destination);
        File.ReadAllBytes(destination).Should().Equal(File.ReadAllBytes(file));
    }

    [Fact]
    public async Task OpenAsync_ExistingRegistry_KeepsEverythingAndUsesWal()
    {
        await using (var registry = await OpenAsync())
        {
            await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)));
            await registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", "ok"));
        }

        await using var reopened = await OpenAsync();
        (await reopened.SchemaVersionAsync()).Should().Be(RegistrySchema.Migrations.Length);
        (await reopened.GetByAliasAsync("diabetes", Stages.Dev))!.Version.Should().Be(1);
        (await reopened.HistoryAsync("diabetes")).Should().HaveCount(2);

        await using var raw = new SqliteConnection($"Data Source={Path.Combine(_folder.RegistryRoot, EmbeddedRegistry.DatabaseFileName)};Pooling=False");
        await raw.OpenAsync();
        await using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        (await command.ExecuteScalarAsync()).Should().Be("wal");
    }

    [Fact]
    public async Task OpenAsync_DatabaseFromNewerToolkit_IsRefused()
    {
        await using (var registry = await OpenAsync())
        {
            await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)));
        }

        await using (var raw = new SqliteConnection($"Data Source={Path.Combine(_folder.RegistryRoot, EmbeddedRegistry.DatabaseFileName)};Pooling=False"))
        {
            await raw.OpenAsync();
            await using var command = raw.CreateCommand();
            command.CommandText = "UPDATE schema_version SET version = 99";
            await command.ExecuteNonQueryAsync();
        }

        var act = () => OpenAsync();

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain($"schema version 99, newer than this toolkit knows ({RegistrySchema.Migrations.Length})");
    }

    [Fact]
    public async Task AppendDeploymentEventAsync_DeployThenUndeploy_InHistoryWithoutMovingTheAlias()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)));
        await registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("alice", null));

        await registry.AppendDeploymentEventAsync("diabetes", 1, Stages.Dev, AuditAction.Deploy, new AuditInfo("bob", "process on http://127.0.0.1:8081"));
        await registry.AppendDeploymentEventAsync("diabetes", 1, Stages.Dev, AuditAction.Undeploy, new AuditInfo("bob", null));

        var history = await registry.HistoryAsync("diabetes");
        history.Select(e => e.Action).Should().Equal(AuditAction.Register, AuditAction.Promote, AuditAction.Deploy, AuditAction.Undeploy);
        history[2].Should().Match<AuditEvent>(e => e.Stage == Stages.Dev && e.Version == 1 && e.Actor == "bob" && e.Reason == "process on http://127.0.0.1:8081");
        (await registry.GetByAliasAsync("diabetes", Stages.Dev))!.Version.Should().Be(1);
    }

    [Fact]
    public async Task AppendDeploymentEventAsync_PromoteAction_IsRefused()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync(Request("diabetes", _folder.ModelFile(1)));

        var act = () => registry.AppendDeploymentEventAsync("diabetes", 1, Stages.Dev, AuditAction.Promote, new AuditInfo("bob", null));

        await act.Should().ThrowAsync<ArgumentException>();
        (await registry.HistoryAsync("diabetes")).Should().ContainSingle();
    }

    [Fact]
    public async Task OpenAsync_SchemaVersionOneDatabase_KeepsItsEventsAndTakesDeployEvents()
    {
        // A registry written by the toolkit before deploy events existed: migration 1 only.
        var path = Path.Combine(_folder.RegistryRoot, EmbeddedRegistry.DatabaseFileName);
        Directory.CreateDirectory(_folder.RegistryRoot);
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            await Toolkit.Storage.Sql.MigrateAsync(raw, RegistrySchema.Migrations[..1], (f, k) => new InvalidOperationException(), CancellationToken.None);
            await using var insert = raw.CreateCommand();
            insert.CommandText = """
                INSERT INTO models (name, created_at) VALUES ('old', '2026-01-01T00:00:00.0000000Z');
                INSERT INTO audit_events (model, action, version, stage, previous_version, actor, reason, approvals_json, at)
                VALUES ('old', 'promote', 3, 'prod', 2, 'carol', 'release 9', '["dave"]', '2026-01-02T00:00:00.0000000Z');
                """;
            await insert.ExecuteNonQueryAsync();
        }

        await using (var first = await OpenAsync())
        {
            (await first.SchemaVersionAsync()).Should().Be(RegistrySchema.Migrations.Length);
            await first.RegisterAsync(Request("diabetes", _folder.ModelFile(1)));
            await first.AppendDeploymentEventAsync("diabetes", 1, Stages.Dev, AuditAction.Deploy, new AuditInfo("bob", null));
        }

        await using var reopened = await OpenAsync();
        var old = (await reopened.HistoryAsync("old")).Should().ContainSingle().Subject;
        old.Should().Match<AuditEvent>(e => e.Sequence == 1 && e.Action == AuditAction.Promote && e.PreviousVersion == 2 && e.Reason == "release 9" && e.Approvals.Single() == "dave");
        (await reopened.HistoryAsync("diabetes")).Select(e => (e.Sequence, e.Action)).Should().Equal((2L, AuditAction.Register), (3L, AuditAction.Deploy));
    }
}
