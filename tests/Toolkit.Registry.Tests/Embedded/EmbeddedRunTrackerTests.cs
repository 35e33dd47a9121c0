using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Tests.Embedded;

public sealed class EmbeddedRunTrackerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly RegistryTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task TrackAsync_NewRun_ReturnsIdAndStoresEverything()
    {
        await using var tracker = await EmbeddedRunTracker.OpenAsync(_folder.RegistryRoot);
        var run = new TrackedRun
        {
            RunId = "20260301-093000-abcdef",
            Pipeline = "train",
            Status = "succeeded",
            StartedAt = Start,
            FinishedAt = Start.AddMinutes(3),
            Parameters = new Dictionary<string, string> { ["alpha"] = "0.5" },
            Metrics = new Dictionary<string, double> { ["evaluate.rmse"] = 1.25, ["evaluate.r2"] = double.NaN },
            Tags = new Dictionary<string, string> { ["git.branch"] = "main" },
        };

        var id = await tracker.TrackAsync(run);

        id.Should().Be("20260301-093000-abcdef");
        var stored = await tracker.GetRunAsync(id);
        stored.Should().BeEquivalentTo(run);
        (await tracker.GetRunAsync("other")).Should().BeNull();
    }

    [Fact]
    public async Task TrackAsync_SameRunAgain_ReplacesTheRecord()
    {
        await using var tracker = await EmbeddedRunTracker.OpenAsync(_folder.RegistryRoot);
        var running = new TrackedRun { RunId = "r1", Pipeline = "train", Status = "running", StartedAt = Start };
        await tracker.TrackAsync(running);

        await tracker.TrackAsync(running with { Status = "failed", FinishedAt = Start.AddSeconds(10), Metrics = new Dictionary<string, double> { ["m"] = 2 } });

        var stored = await tracker.GetRunAsync("r1");
        stored!.Status.Should().Be("failed");
        stored.FinishedAt.Should().Be(Start.AddSeconds(10));
        stored.Metrics.Should().Equal(new Dictionary<string, double> { ["m"] = 2 });
    }

    [Fact]
    public async Task TrackAsync_SharesTheRegistryDatabase()
    {
        await using (var tracker = await EmbeddedRunTracker.OpenAsync(_folder.RegistryRoot))
        {
            await tracker.TrackAsync(new TrackedRun { RunId = "r1", Pipeline = "train", Status = "succeeded", StartedAt = Start });
        }

        await using var registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);
        await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(1), RunId = "r1" });
        await using var again = await EmbeddedRunTracker.OpenAsync(_folder.RegistryRoot);

        File.Exists(Path.Combine(_folder.RegistryRoot, EmbeddedRegistry.DatabaseFileName)).Should().BeTrue();
        Directory.GetFiles(_folder.RegistryRoot, "*.db").Should().ContainSingle();
        (await again.GetRunAsync("r1"))!.Pipeline.Should().Be("train");
    }

    [Fact]
    public async Task TrackAsync_NoRunId_IsRefused()
    {
        await using var tracker = await EmbeddedRunTracker.OpenAsync(_folder.RegistryRoot);

        var act = () => tracker.TrackAsync(new TrackedRun { RunId = " ", Pipeline = "train", Status = "running", StartedAt = Start });

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("needs a run id");
    }
}
