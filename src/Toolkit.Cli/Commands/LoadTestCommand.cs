using System.CommandLine;
using System.Globalization;
using Toolkit.Serving.LoadTesting;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops loadtest</c>: closed-loop load against a prediction service, bounded in time and count.</summary>
internal static class LoadTestCommand
{
    public static Command Create(CliContext context)
    {
        var url = new Option<string>("--url") { Description = "The service's base address, e.g. http://127.0.0.1:8081.", Required = true };
        var duration = new Option<string>("--duration") { Description = "How long to send (20s, 500ms, 2m; at most 1h).", DefaultValueFactory = _ => "20s" };
        var concurrency = new Option<int>("--concurrency") { Description = "Connections, each with one request in flight.", DefaultValueFactory = _ => 8 };
        var rows = new Option<int>("--rows") { Description = "Rows per request.", DefaultValueFactory = _ => 1 };
        var data = new Option<string?>("--data") { Description = "A CSV whose rows to send (default: a row built from the service's model metadata)." };
        var maxRequests = new Option<long>("--max-requests") { Description = "Stop after this many requests even before --duration.", DefaultValueFactory = _ => 10_000_000 };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };

        var command = new Command("loadtest", "Load-tests a prediction service (POST /invocations): throughput, p50/p95/p99 latency, errors.")
        {
            url, duration, concurrency, rows, data, maxRequests, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var durationText = parse.GetValue(duration)!;
            if (!Quantities.TryParseDuration(durationText, out var length))
            {
                throw new UsageException($"--duration '{durationText}' is not a duration such as 20s, 500ms or 2m");
            }

            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var address))
            {
                throw new UsageException($"--url '{parse.GetValue(url)}' is not an absolute address such as http://127.0.0.1:8081");
            }

            var dataPath = parse.GetValue(data) is { } d ? context.PathOf(d) : null;
            if (dataPath is not null && !File.Exists(dataPath))
            {
                throw new UsageException($"--data {dataPath}: no such file");
            }

            var options = new LoadTestOptions
            {
                Url = address,
                Duration = length,
                Concurrency = parse.GetValue(concurrency),
                RowsPerRequest = parse.GetValue(rows),
                MaxRequests = parse.GetValue(maxRequests),
                DataPath = dataPath,
            };

            LoadTestResult result;
            try
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"load test of {address}: {options.Concurrency} connections, {options.RowsPerRequest} row(s) per request, {length.TotalSeconds:0.###} s"));
                result = await LoadTester.RunAsync(options, new LoadProgressLines(context.Error), ct);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
            catch (LoadTestException ex)
            {
                throw new CommandFailedException(ex.Message);
            }

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, Json(address, result), ct);
            }
            else
            {
                await context.Output.WriteLineAsync(Text(result));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The <c>--json</c> figures; <c>mlops deploy</c> reports the same names under <c>load</c>.</summary>
    public static object Json(Uri url, LoadTestResult r) => new
    {
        url = url.ToString(),
        duration_s = Math.Round(r.ElapsedSeconds, 3),
        concurrency = r.Concurrency,
        rows = r.RowsPerRequest,
        requests = r.Requests,
        errors = r.Errors,
        error_rate = r.ErrorRate,
        rps = Math.Round(r.Rps, 1),
        rows_per_s = Math.Round(r.RowsPerSecond, 1),
        p50_ms = Math.Round(r.P50Ms, 3),
        p95_ms = Math.Round(r.P95Ms, 3),
        p99_ms = Math.Round(r.P99Ms, 3),
        max_ms = Math.Round(r.MaxMs, 3),
        first_error = r.FirstError,
    };

    private static string Text(LoadTestResult r)
    {
        var lines = string.Create(CultureInfo.InvariantCulture,
            $"requests {r.Requests} in {r.ElapsedSeconds:0.0} s: {r.Rps:0.0} req/s ({r.RowsPerSecond:0.0} rows/s)\nlatency p50 {r.P50Ms:0.000} ms, p95 {r.P95Ms:0.000} ms, p99 {r.P99Ms:0.000} ms, max {r.MaxMs:0.000} ms\nerrors {r.Errors} ({r.ErrorRate:P2})");
        return r.FirstError is { } first ? $"{lines}; first: {first}" : lines;
    }

    private sealed class LoadProgressLines(TextWriter writer) : IProgress<LoadTestProgress>
    {
        public void Report(LoadTestProgress value) =>
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {value.Elapsed.TotalSeconds:0} s: {value.Requests} requests, {value.Errors} errors"));
    }
}
