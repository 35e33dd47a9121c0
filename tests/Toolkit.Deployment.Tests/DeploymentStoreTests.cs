using Toolkit.Deployment.Records;

namespace Toolkit.Deployment.Tests;

/// <summary>The deployments database: a real SQLite file in a temp folder.</summary>
public sealed class DeploymentStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "toolkit-deploy-store-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task RecordAsync_SecondDeploymentOfAStage_ReplacesTheFirstAndKeepsBoth()
    {
        await using (var store = await DeploymentStore.OpenAsync(_folder))
        {
            await store.RecordAsync(Record(1, "dev") with { Smoke = new SmokeOutcome(true, 20, []) });
            await store.RecordAsync(Record(1, "prod"));
            await store.RecordAsync(Record(2, "dev") with { Load = Load(812.5) });
        }

        await using var reopened = await DeploymentStore.OpenAsync(_folder);
        var dev = await reopened.ActiveAsync("diabetes", "dev");
        dev!.Version.Should().Be(2);
        dev.Load!.Rps.Should().Be(812.5);
        dev.Load.P99Ms.Should().Be(4.5);
        (await reopened.ActiveAsync()).Select(r => (r.Stage, r.Version)).Should().Equal(("dev", 2), ("prod", 1));
        var history = await reopened.HistoryAsync("diabetes");
        history.Select(r => (r.Stage, r.Version, r.Status)).Should().Equal(("dev", 1, "replaced"), ("dev", 2, "active"), ("prod", 1, "active"));
        history[0].Smoke.Should().Match<SmokeOutcome>(s => s.Passed && s.Rows == 20);
        history[0].StoppedAt.Should().NotBeNull();
    }

    [Fact]
    public async Task MarkStoppedAsync_ActiveDeployment_LeavesTheStageWithoutOne()
    {
        await using var store = await DeploymentStore.OpenAsync(_folder);
        var recorded = await store.RecordAsync(Record(3, "preprod") with { Pid = 4242, PidStartedAt = DateTimeOffset.UnixEpoch.AddDays(1) });

        await store.MarkStoppedAsync(recorded.Id);

        (await store.ActiveAsync("diabetes", "preprod")).Should().BeNull();
        var history = (await store.HistoryAsync("diabetes")).Should().ContainSingle().Subject;
        history.Status.Should().Be(DeploymentStatus.Stopped);
        history.Pid.Should().Be(4242);
        history.PidStartedAt.Should().Be(DateTimeOffset.UnixEpoch.AddDays(1));
    }

    private static DeploymentRecord Record(int version, string stage) => new()
    {
        Model = "diabetes",
        Version = version,
        Stage = stage,
        Target = DeploymentTarget.Process,
        Url = "http://127.0.0.1:8081",
        Port = 8081,
        Digest = "sha256:" + new string('a', 64),
        DeployedAt = DateTimeOffset.UnixEpoch,
        DeployedBy = "alice",
    };

    private static LoadFigures Load(double rps) => new() { Requests = 100, Errors = 0, ErrorRate = 0, Rps = rps, P50Ms = 1, P95Ms = 3, P99Ms = 4.5 };
}
