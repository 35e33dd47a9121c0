using System.Net;
using System.Net.Sockets;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Serving.Checks;

namespace Toolkit.Serving.Tests.Checks;

/// <summary>Two forests that differ only in their seed, the first served by a real Kestrel on 127.0.0.1 port 0; and a served regressor.</summary>
public sealed class SmokeServers : IAsyncLifetime
{
    public Model Served { get; private set; } = null!;

    public Model OtherSeed { get; private set; } = null!;

    public Model Regressor { get; private set; } = null!;

    /// <summary>Held-out patients (with the label, as a test split has it).</summary>
    public DataTable HeldOut { get; private set; } = null!;

    public DataTable HeldOutHouses { get; private set; } = null!;

    public ModelServer Server { get; private set; } = null!;

    public ModelServer RegressionServer { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        var train = SyntheticData.Generate("diabetes", 400, 7);
        var request = new TrainRequest { Algorithm = "random-forest", Label = SyntheticData.LabelOf("diabetes"), Parameters = new Dictionary<string, string> { ["trees"] = "20" } };
        Served = Reload(ModelTrainer.Train(train, request, new TrainContext { Seed = 1 }));
        OtherSeed = Reload(ModelTrainer.Train(train, request, new TrainContext { Seed = 2 }));
        HeldOut = SyntheticData.Generate("diabetes", 2500, 99);
        var houses = SyntheticData.Generate("housing", 300, 3);
        Regressor = Reload(ModelTrainer.Train(houses, new TrainRequest { Algorithm = "ridge", Label = SyntheticData.LabelOf("housing") }, new TrainContext { Seed = 1 }));
        HeldOutHouses = SyntheticData.Generate("housing", 100, 4);

        // MaxRows 1000: a sample of 2500 rows passes only when it is sent in batches.
        Server = await ModelServer.StartAsync(new ServedModel { Model = Served, Name = "diabetes", Version = 1 }, new ServerOptions { Port = 0, MaxRows = 1000 });
        RegressionServer = await ModelServer.StartAsync(new ServedModel { Model = Regressor, Name = "housing" }, new ServerOptions { Port = 0 });
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        await RegressionServer.DisposeAsync();
    }

    /// <summary>Through the model file, as a registered version is served.</summary>
    private static Model Reload(Model model)
    {
        using var buffer = new MemoryStream();
        ModelFile.Write(model, buffer);
        buffer.Position = 0;
        return ModelFile.Read(buffer, "test model");
    }
}

public sealed class SmokeTestTests(SmokeServers servers) : IClassFixture<SmokeServers>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task RunAsync_ServedModelsOwnSample_Passes()
    {
        var sample = SmokeSample.Take(servers.Served, servers.HeldOut, 200, seed: 1);

        var result = await SmokeTest.RunAsync(servers.Http, servers.Server.Url, sample, None);

        result.Passed.Should().BeTrue(result.Describe());
        result.Rows.Should().Be(200);
        result.Mismatches.Should().BeEmpty();
        result.Error.Should().BeNull();
    }

    [Fact]
    public async Task RunAsync_SampleLargerThanOneRequest_IsSentInBatchesAndPasses()
    {
        // The server takes at most 1000 rows per request; 2500 rows need three.
        var sample = SmokeSample.Take(servers.Served, servers.HeldOut, 2500, seed: 1);

        var result = await SmokeTest.RunAsync(servers.Http, servers.Server.Url, sample, None);

        result.Passed.Should().BeTrue(result.Describe());
        result.Rows.Should().Be(2500);
    }

    [Fact]
    public async Task RunAsync_RegressorsOwnSample_Passes()
    {
        var sample = SmokeSample.Take(servers.Regressor, servers.HeldOutHouses, 50, seed: 2);

        var result = await SmokeTest.RunAsync(servers.Http, servers.RegressionServer.Url, sample, None);

        result.Passed.Should().BeTrue(result.Describe());
        result.Rows.Should().Be(50);
    }

    [Fact]
    public async Task RunAsync_SampleOfAModelWithAnotherSeed_FailsNamingTheRowAndBothValues()
    {
        var sample = SmokeSample.Take(servers.OtherSeed, servers.HeldOut, 100, seed: 1);
        var ownSample = SmokeSample.Take(servers.Served, servers.HeldOut, 100, seed: 1);
        var differing = Enumerable.Range(0, 100).Where(i => sample.Probabilities![i] != ownSample.Probabilities![i]).ToList();
        differing.Should().NotBeEmpty("forests with other seeds give other probabilities");
        var first = differing[0];

        var result = await SmokeTest.RunAsync(servers.Http, servers.Server.Url, sample, None);

        result.Passed.Should().BeFalse();
        result.Error.Should().BeNull();
        result.MismatchedRows.Should().Be(differing.Count);
        result.Mismatches.Should().HaveCount(Math.Min(differing.Count, SmokeResult.MaxMismatchLines));
        result.Mismatches[0].Should().StartWith($"row {first}: ")
            .And.Contain($"probability expected {sample.Probabilities![first].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, got {ownSample.Probabilities![first].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
    }

    [Fact]
    public async Task RunAsync_OnePredictionChanged_FailsOnThatRowOnly()
    {
        var sample = SmokeSample.Take(servers.Served, servers.HeldOut, 30, seed: 4);
        var predictions = sample.Predictions.ToArray();
        var wrong = predictions[7] == servers.Served.Classes![0] ? servers.Served.Classes[1] : servers.Served.Classes[0];
        var truth = predictions[7];
        predictions[7] = wrong;

        var result = await SmokeTest.RunAsync(servers.Http, servers.Server.Url, sample with { Predictions = predictions }, None);

        result.Passed.Should().BeFalse();
        result.MismatchedRows.Should().Be(1);
        result.Mismatches.Should().Equal($"row 7: prediction expected \"{wrong}\", got \"{truth}\"");
        result.Describe().Should().Contain("1 of 30 rows answered differently");
    }

    [Fact]
    public async Task RunAsync_ServiceRefusesTheRows_FailsWithItsStatusAndError()
    {
        // The diabetes sample sent to the housing service: the service answers 400 naming a column.
        var sample = SmokeSample.Take(servers.Served, servers.HeldOut, 5, seed: 1);

        var result = await SmokeTest.RunAsync(servers.Http, servers.RegressionServer.Url, sample, None);

        result.Passed.Should().BeFalse();
        result.Error.Should().Contain("answered 400").And.Contain("unknown column").And.Contain("/invocations");
        result.Mismatches.Should().BeEmpty("no row was answered");
        result.Describe().Should().Be("smoke test failed: " + result.Error);
    }

    [Fact]
    public async Task RunAsync_NothingListening_FailsWithTheConnectionError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var sample = SmokeSample.Take(servers.Served, servers.HeldOut, 5, seed: 1);

        var result = await SmokeTest.RunAsync(servers.Http, new Uri($"http://127.0.0.1:{port}"), sample, None);

        result.Passed.Should().BeFalse();
        result.Error.Should().Contain($"POST http://127.0.0.1:{port}/invocations failed");
    }

    [Fact]
    public async Task RunAsync_Cancelled_Throws()
    {
        var sample = SmokeSample.Take(servers.Served, servers.HeldOut, 5, seed: 1);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var act = () => SmokeTest.RunAsync(servers.Http, servers.Server.Url, sample, cancelled.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task RunAsync_SampleWithoutTypes_SendsNumbersThatLookLikeNumbers()
    {
        var sample = SmokeSample.Take(servers.Served, servers.HeldOut, 40, seed: 8) with { Types = null };

        var result = await SmokeTest.RunAsync(servers.Http, servers.Server.Url, sample, None);

        result.Passed.Should().BeTrue(result.Describe());
    }
}
