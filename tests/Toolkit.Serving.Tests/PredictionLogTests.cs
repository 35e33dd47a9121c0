using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;

namespace Toolkit.Serving.Tests;

/// <summary>The prediction log on real files: line format, seeded sampling, dropping when full, rotation, and the server hook.</summary>
public sealed class PredictionLogTests(ClassifierServer fixture) : IClassFixture<ClassifierServer>
{
    private ServedModel Served => new() { Model = fixture.Model, Name = "demo", Version = 3 };

    private string NewPath() => Path.Combine(fixture.Folder, "log-" + Guid.NewGuid().ToString("N"), "predictions.jsonl");

    [Fact]
    public async Task Append_SampleRateOne_WritesEveryRowWithItsInputsPredictionAndProbability()
    {
        var path = NewPath();
        var prediction = fixture.Model.Predict(fixture.Rows);
        await using (var log = new PredictionLog(new PredictionLogOptions { Path = path, SampleRate = 1 }, Served))
        {
            log.Append(fixture.Rows, prediction);
        }

        var lines = ReadLines(path);
        lines.Should().HaveCount(fixture.Rows.RowCount);
        for (var r = 0; r < lines.Count; r++)
        {
            var line = lines[r];
            line.GetProperty("model").GetString().Should().Be("demo");
            line.GetProperty("version").GetInt32().Should().Be(3);
            line.GetProperty("digest").GetString().Should().Be(fixture.Model.Digest);
            DateTimeOffset.Parse(line.GetProperty("time").GetString()!, CultureInfo.InvariantCulture).Offset.Should().Be(TimeSpan.Zero);
            line.GetProperty("prediction").GetString().Should().Be(prediction.Classes![r]);
            line.GetProperty("probability").GetDouble().Should().Be(prediction.Scores[r]);
            var inputs = line.GetProperty("inputs");
            inputs.EnumerateObject().Select(p => p.Name).Should().Equal(fixture.Rows.Columns.Select(c => c.Name));
            foreach (var column in fixture.Rows.Columns)
            {
                Text(inputs.GetProperty(column.Name)).Should().Be(Text(column, r), $"row {r}, column {column.Name}");
            }
        }
    }

    [Fact]
    public async Task Append_SameSeed_SamplesTheSameRowsAndAboutTheRate()
    {
        var rows = Repeat(fixture.Rows, 20);
        var prediction = fixture.Model.Predict(rows);
        var first = await SampleAsync(rows, prediction, seed: 42);
        var second = await SampleAsync(rows, prediction, seed: 42);
        var other = await SampleAsync(rows, prediction, seed: 43);

        second.Should().Equal(first);
        other.Should().NotEqual(first);

        // 1200 rows at 0.25: far outside 200..400 only with odds below one in a million.
        first.Count.Should().BeInRange(200, 400);
    }

    [Fact]
    public async Task Append_QueueFull_DropsTheRestAndCountsThem()
    {
        var path = NewPath();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var prediction = fixture.Model.Predict(fixture.Rows);
        var log = new PredictionLog(new PredictionLogOptions { Path = path, SampleRate = 1, Capacity = 4 }, Served, gate.Task);
        log.Append(fixture.Rows, prediction);
        log.Dropped.Should().Be(fixture.Rows.RowCount - 4);

        gate.SetResult();
        await log.DisposeAsync();
        log.Written.Should().Be(4);
        ReadLines(path).Select(l => l.GetProperty("prediction").GetString()).Should().Equal(prediction.Classes!.Take(4));
    }

    [Fact]
    public async Task Append_PastMaxBytes_RotatesAndKeepsTheNewestFiles()
    {
        var path = NewPath();
        var rows = Repeat(fixture.Rows, 3);
        var prediction = fixture.Model.Predict(rows);
        const long maxBytes = 2000;
        await using (var log = new PredictionLog(new PredictionLogOptions { Path = path, SampleRate = 1, MaxBytes = maxBytes, Files = 2 }, Served))
        {
            log.Append(rows, prediction);
        }

        var older = PredictionLog.RotatedPath(path, 2);
        var newer = PredictionLog.RotatedPath(path, 1);
        Path.GetFileName(newer).Should().Be("predictions.1.jsonl");
        File.Exists(PredictionLog.RotatedPath(path, 3)).Should().BeFalse();
        foreach (var file in new[] { older, newer, path })
        {
            new FileInfo(file).Length.Should().BeInRange(1, maxBytes, file);
        }

        // Oldest to newest, the kept lines are the last rows in order.
        var kept = ReadLines(older).Concat(ReadLines(newer)).Concat(ReadLines(path)).Select(l => l.GetProperty("probability").GetDouble()).ToList();
        kept.Count.Should().BeLessThan(rows.RowCount);
        kept.Should().Equal(prediction.Scores.Skip(rows.RowCount - kept.Count));
    }

    [Fact]
    public async Task Server_WithLog_LogsTheRowsItAnsweredAndCountsThemInMetrics()
    {
        var path = NewPath();
        var server = await ModelServer.StartAsync(Served, new ServerOptions
        {
            Port = 0,
            PredictionLog = new PredictionLogOptions { Path = path, SampleRate = 1 },
        });
        await using (server)
        {
            using var http = new HttpClient { BaseAddress = server.Url };
            using var response = await http.PostAsync("/invocations", new StringContent(fixture.DataframeSplit(fixture.Rows), Encoding.UTF8, "application/json"));
            response.IsSuccessStatusCode.Should().BeTrue();
            var answered = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement
                .GetProperty("predictions").EnumerateArray().Select(e => e.GetString()).ToList();

            // The writer is behind the answer by design; wait until it has caught up.
            var expected = string.Create(CultureInfo.InvariantCulture, $"toolkit_prediction_log_rows_total {answered.Count}\n");
            string metrics;
            do
            {
                metrics = await http.GetStringAsync("/metrics");
            }
            while (!metrics.Contains(expected, StringComparison.Ordinal));

            metrics.Should().Contain("toolkit_prediction_log_dropped_total 0\n");
            await server.StopAsync();
            ReadLines(path).Select(l => l.GetProperty("prediction").GetString()).Should().Equal(answered);
        }
    }

    [Fact]
    public async Task Server_ChecksAndLoadTests_AreNotLoggedLiveTrafficIs()
    {
        var path = NewPath();
        var server = await ModelServer.StartAsync(Served, new ServerOptions
        {
            Port = 0,
            PredictionLog = new PredictionLogOptions { Path = path, SampleRate = 1 },
        });
        await using (server)
        {
            using var http = new HttpClient { BaseAddress = server.Url };
            var sample = SmokeSample.Take(fixture.Model, fixture.Rows, 5, seed: 1);
            (await Serving.Checks.SmokeTest.RunAsync(http, server.Url, sample, CancellationToken.None)).Passed.Should().BeTrue();
            var load = await Serving.LoadTesting.LoadTester.RunAsync(new Serving.LoadTesting.LoadTestOptions { Url = server.Url, Duration = TimeSpan.FromMinutes(1), MaxRequests = 20, Concurrency = 2 });
            load.Errors.Should().Be(0);
            using var live = await http.PostAsync("/invocations", new StringContent(fixture.DataframeSplit(fixture.Rows), Encoding.UTF8, "application/json"));
            live.IsSuccessStatusCode.Should().BeTrue();

            // The writer is behind the answers by design: wait until it has at least the live rows.
            long logged;
            do
            {
                var metrics = await http.GetStringAsync("/metrics");
                var line = metrics.Split('\n').Single(l => l.StartsWith("toolkit_prediction_log_rows_total ", StringComparison.Ordinal));
                logged = long.Parse(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
            }
            while (logged < fixture.Rows.RowCount);

            await server.StopAsync();
            logged.Should().Be(fixture.Rows.RowCount);
            ReadLines(path).Should().HaveCount(fixture.Rows.RowCount, "only the live request's rows are logged; the smoke rows and the 21 load-test requests are not");
        }
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Constructor_SampleRateOutside0To1_IsRefusedNamingIt(double rate)
    {
        var create = () => new PredictionLog(new PredictionLogOptions { Path = NewPath(), SampleRate = rate }, Served);
        create.Should().Throw<ArgumentException>().WithMessage("*sample rate*");
    }

    private async Task<List<string>> SampleAsync(DataTable rows, Ml.Models.Prediction prediction, long seed)
    {
        var path = NewPath();
        await using (var log = new PredictionLog(new PredictionLogOptions { Path = path, SampleRate = 0.25, Seed = seed }, Served))
        {
            log.Append(rows, prediction);
        }

        return [.. ReadLines(path).Select(l => l.GetProperty("inputs").GetRawText())];
    }

    private static List<JsonElement> ReadLines(string path) =>
        [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement)];

    private static DataTable Repeat(DataTable rows, int times)
    {
        var indices = Enumerable.Range(0, times).SelectMany(_ => Enumerable.Range(0, rows.RowCount)).ToArray();
        return new DataTable(rows.Columns.Select(c => c.Take(indices)));
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetSingle().ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Text(Column column, int row) => column switch
    {
        Float32Column f => float.IsNaN(f[row]) ? "" : f[row].ToString("R", CultureInfo.InvariantCulture),
        CategoricalColumn k => k[row] ?? "",
        _ => column.IsMissing(row) ? "" : ((float)column.GetDouble(row)).ToString("R", CultureInfo.InvariantCulture),
    };
}
