namespace Toolkit.Registry.Mlflow.Tests;

public sealed class MlflowRunTrackingTests
{
    private static TrackedRun Run(DateTimeOffset start, int parameters, int metrics, string status = "succeeded") => new()
    {
        RunId = "20260102-0304-abcd",
        Pipeline = "train",
        Status = status,
        StartedAt = start,
        FinishedAt = start.AddMinutes(3),
        Parameters = Enumerable.Range(0, parameters).ToDictionary(i => $"p{i:D4}", i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Metrics = Enumerable.Range(0, metrics).ToDictionary(i => $"step.m{i:D4}", i => i / 10.0),
        Tags = new Dictionary<string, string> { ["git.commit"] = "abc" },
    };

    [Fact]
    public async Task TrackAsync_ManyParamsAndMetrics_ChunkedToMlflowLimitsAndFinished()
    {
        await using var f = new MlflowFixture();
        var start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var runId = await f.Registry.TrackAsync(Run(start, parameters: 250, metrics: 2500));

        var run = f.Server.Run(runId);
        run.Status.Should().Be("FINISHED");
        run.RunName.Should().Be("20260102-0304-abcd");
        run.Tags["mlflow.runName"].Should().Be("20260102-0304-abcd");
        run.Tags[MlflowRegistry.PipelineTag].Should().Be("train");
        run.Tags["git.commit"].Should().Be("abc");
        run.StartTime.Should().Be(start.ToUnixTimeMilliseconds());
        run.EndTime.Should().Be(start.AddMinutes(3).ToUnixTimeMilliseconds());
        run.Params.Should().HaveCount(250);
        run.Metrics.Should().HaveCount(2500);
        run.Metrics.Should().OnlyContain(m => m.Timestamp == start.AddMinutes(3).ToUnixTimeMilliseconds() && m.Step == 0);
        run.Metrics.Single(m => m.Key == "step.m0042").Value.Should().Be(4.2);

        // 250 params -> 100 + 100 + 50; 2500 metrics -> 1000 + 1000 + 500; 1 tag; one kind per request.
        run.BatchSizes.Should().Equal((100, 0, 0), (100, 0, 0), (50, 0, 0), (0, 0, 1), (0, 1000, 0), (0, 1000, 0), (0, 500, 0));
        f.Server.RequestsTo("experiments/create").Should().HaveCount(1);
    }

    [Fact]
    public async Task TrackAsync_LongParamValue_IsCutToMlflowsLimit()
    {
        await using var f = new MlflowFixture();
        var run = Run(f.Time.GetUtcNow(), 0, 0) with { Parameters = new Dictionary<string, string> { ["features"] = new string('f', 9000) } };

        var runId = await f.Registry.TrackAsync(run);

        f.Server.Run(runId).Params["features"].Should().HaveLength(6000);
    }

    [Theory]
    [InlineData("failed", "FAILED")]
    [InlineData("cancelled", "KILLED")]
    [InlineData("succeeded", "FINISHED")]
    public async Task TrackAsync_Status_MapsToMlflowRunStatus(string status, string expected)
    {
        await using var f = new MlflowFixture();

        var runId = await f.Registry.TrackAsync(Run(f.Time.GetUtcNow(), 1, 1, status));

        f.Server.Run(runId).Status.Should().Be(expected);
    }

    [Fact]
    public async Task TrackAsync_RunningThenFinished_ReusesTheSameMlflowRun()
    {
        await using var f = new MlflowFixture();
        var start = f.Time.GetUtcNow();
        var running = Run(start, 2, 0, "running") with { FinishedAt = null };

        var first = await f.Registry.TrackAsync(running);
        f.Server.Run(first).Status.Should().Be("RUNNING");
        var second = await f.Registry.TrackAsync(Run(start, 2, 3));

        second.Should().Be(first);
        f.Server.AllRuns().Should().ContainSingle();
        f.Server.Run(first).Status.Should().Be("FINISHED");
        f.Server.Run(first).Metrics.Should().HaveCount(3);
    }

    [Fact]
    public async Task TrackAsync_NonFiniteMetric_IsLeftOut()
    {
        await using var f = new MlflowFixture();
        var run = Run(f.Time.GetUtcNow(), 0, 0) with { Metrics = new Dictionary<string, double> { ["auc"] = 0.8, ["bad"] = double.NaN } };

        var runId = await f.Registry.TrackAsync(run);

        f.Server.Run(runId).Metrics.Select(m => m.Key).Should().Equal("auc");
    }

    [Fact]
    public async Task TrackAsync_Transient503DuringLogBatch_IsRetriedAndTheRunCompletes()
    {
        await using var f = new MlflowFixture();
        f.Server.FailNext(2, 503, pathContains: "runs/log-batch");

        var runId = await f.Registry.TrackAsync(Run(f.Time.GetUtcNow(), 5, 5));

        f.Server.Run(runId).Params.Should().HaveCount(5);
        f.Server.Run(runId).Status.Should().Be("FINISHED");
        f.Time.Delays.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }
}
