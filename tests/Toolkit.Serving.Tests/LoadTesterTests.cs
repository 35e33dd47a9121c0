using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Toolkit.Cli;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Serving.LoadTesting;

namespace Toolkit.Serving.Tests;

/// <summary>The load tester against a real model server on 127.0.0.1: counts checked against the server's own /metrics.</summary>
public sealed partial class LoadTesterTests(ClassifierServer fixture) : IClassFixture<ClassifierServer>
{
    private LoadTestOptions Options(int maxRequests) => new()
    {
        Url = fixture.Server.Url,
        Duration = TimeSpan.FromMinutes(5),
        Concurrency = 4,
        MaxRequests = maxRequests,
    };

    private async Task<long> InvocationsServedAsync()
    {
        var metrics = await fixture.Http.GetStringAsync("/metrics");
        return InvocationsLine().Matches(metrics).Sum(m => long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task RunAsync_RequestBudget_SendsExactlyThatManyAndTheServerCountsThem()
    {
        var before = await InvocationsServedAsync();

        var result = await LoadTester.RunAsync(Options(300));

        result.Requests.Should().Be(300);
        result.Errors.Should().Be(0, result.FirstError);
        (await InvocationsServedAsync() - before).Should().Be(301, "the budget plus the one probe before the clock starts");
        result.Rps.Should().BeGreaterThan(0);
        result.P50Ms.Should().BeGreaterThan(0);
        result.P50Ms.Should().BeLessThanOrEqualTo(result.P95Ms);
        result.P95Ms.Should().BeLessThanOrEqualTo(result.P99Ms);
        result.P99Ms.Should().BeLessThanOrEqualTo(result.MaxMs);
    }

    [Fact]
    public async Task RunAsync_RowsFromCsv_SendsBatchesTheServerScores()
    {
        var csv = Path.Combine(fixture.Folder, "load.csv");
        CsvWriter.Write(fixture.Rows, csv);

        var result = await LoadTester.RunAsync(Options(40) with { DataPath = csv, RowsPerRequest = 25 });

        result.Requests.Should().Be(40);
        result.Errors.Should().Be(0, result.FirstError);
        result.RowsPerSecond.Should().BeApproximately(result.Rps * 25, result.Rps * 25 * 1e-9);
    }

    [Fact]
    public async Task RunAsync_RowsTheServiceRefuses_FailsBeforeMeasuringWithItsMessage()
    {
        var columns = fixture.Model.Signature.Columns.Select(c => c.Name).ToArray();
        var numeric = fixture.Model.Signature.Columns.First(c => c.Type != ColumnType.Categorical).Name;
        var row = fixture.Model.Signature.Columns.Select(c => c.Name == numeric ? "abc" : c.Categories?.FirstOrDefault() ?? "1").ToArray<string?>();

        var act = () => LoadTester.RunAsync(Options(10) with { Columns = columns, Rows = [row] });

        var error = (await act.Should().ThrowAsync<LoadTestException>()).Which.Message;
        error.Should().Contain("400").And.Contain(numeric);
    }

    [Fact]
    public async Task RunAsync_RowsWithoutAModelColumn_NamesTheColumn()
    {
        var columns = fixture.Model.Signature.Columns.Skip(1).Select(c => c.Name).ToArray();
        var row = columns.Select(_ => (string?)"1").ToArray();

        var act = () => LoadTester.RunAsync(Options(10) with { Columns = columns, Rows = [row] });

        (await act.Should().ThrowAsync<LoadTestException>()).Which.Message.Should().Contain(fixture.Model.Signature.Columns[0].Name);
    }

    [Fact]
    public async Task RunAsync_NothingListening_SaysItCannotReachTheService()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var act = () => LoadTester.RunAsync(Options(10) with { Url = new Uri($"http://127.0.0.1:{port}") });

        (await act.Should().ThrowAsync<LoadTestException>()).Which.Message.Should().Contain("cannot reach").And.Contain(port.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task RepositoryIndex_Post_ListsTheServedModelReady()
    {
        using var response = await fixture.Http.PostAsync("/v2/repository/index", new StringContent("{}"));
        var index = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        index.GetArrayLength().Should().Be(1);
        index[0].GetProperty("name").GetString().Should().Be("demo");
        index[0].GetProperty("version").GetString().Should().Be("3");
        index[0].GetProperty("state").GetString().Should().Be("READY");
        var server = JsonDocument.Parse(await fixture.Http.GetStringAsync("/v2")).RootElement;
        server.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).Should().Contain("model_repository");
    }

    [Fact]
    public async Task ModelMetadata_CategoricalInputs_CarryTheirCategories()
    {
        var inputs = JsonDocument.Parse(await fixture.Http.GetStringAsync("/v2/models/demo")).RootElement.GetProperty("inputs");
        var categorical = fixture.Model.Signature.Columns.Where(c => c.Categories is { Count: > 0 }).ToList();
        categorical.Should().NotBeEmpty("the diabetes data has categorical columns");

        foreach (var column in categorical)
        {
            var input = inputs.EnumerateArray().Single(i => i.GetProperty("name").GetString() == column.Name);
            input.GetProperty("parameters").GetProperty("categories").EnumerateArray().Select(e => e.GetString()).Should().Equal(column.Categories!);
        }
    }

    [Fact]
    public async Task LoadtestCommand_Json_ReportsTheFiguresItMeasured()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await CliApp.RunAsync(
            ["loadtest", "--url", fixture.Server.Url.ToString(), "--duration", "5m", "--max-requests", "50", "--concurrency", "2", "--json"],
            output, error, fixture.Folder);

        code.Should().Be(0, error.ToString());
        var json = JsonDocument.Parse(output.ToString()).RootElement;
        json.GetProperty("requests").GetInt64().Should().Be(50);
        json.GetProperty("errors").GetInt64().Should().Be(0);
        json.GetProperty("concurrency").GetInt32().Should().Be(2);
        foreach (var field in new[] { "rps", "p50_ms", "p95_ms", "p99_ms" })
        {
            json.GetProperty(field).GetDouble().Should().BeGreaterThan(0, field);
        }
    }

    [Theory]
    [InlineData("--duration", "forever")]
    [InlineData("--duration", "2h")]
    [InlineData("--concurrency", "0")]
    [InlineData("--rows", "0")]
    public async Task LoadtestCommand_OutOfRangeFlag_Exits2NamingIt(string flag, string value)
    {
        var error = new StringWriter();

        var code = await CliApp.RunAsync(["loadtest", "--url", fixture.Server.Url.ToString(), flag, value], new StringWriter(), error, fixture.Folder);

        code.Should().Be(2);
        error.ToString().Should().Contain(flag);
    }

    [GeneratedRegex("""toolkit_http_requests_total\{route="/invocations",status="200"\} (?<n>\d+)""")]
    private static partial Regex InvocationsLine();
}

public sealed class LatencyHistogramTests
{
    [Fact]
    public void PercentileMs_KnownLatencies_WithinOnePercentOfExact()
    {
        var histogram = new LatencyHistogram();
        var exact = Enumerable.Range(1, 10_000).Select(i => i * 1e-5).ToArray(); // 10 µs … 100 ms
        foreach (var seconds in exact.Reverse())
        {
            histogram.Add(seconds);
        }

        foreach (var q in new[] { 0.5, 0.95, 0.99 })
        {
            var truth = exact[(int)Math.Ceiling(q * exact.Length) - 1] * 1e3;
            histogram.PercentileMs(q).Should().BeInRange(truth, truth * 1.0101, $"q={q}");
        }

        histogram.MaxMs.Should().BeApproximately(100, 1e-9);
        histogram.Count.Should().Be(10_000);
    }

    [Fact]
    public void Merge_TwoHalves_EqualsOneHistogramOfAll()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        for (var i = 1; i <= 1000; i++)
        {
            (i % 2 == 0 ? a : b).Add(i * 1e-4);
            all.Add(i * 1e-4);
        }

        a.Merge(b);

        a.Count.Should().Be(all.Count);
        a.PercentileMs(0.99).Should().Be(all.PercentileMs(0.99));
        a.MaxMs.Should().Be(all.MaxMs);
    }
}
