using System.Diagnostics;
using System.Net;

namespace Toolkit.Serving.LoadTesting;

/// <summary>A load test the service refused or could not be reached for: nothing was measured.</summary>
public sealed class LoadTestException : Exception
{
    public LoadTestException(string message)
        : base(message)
    {
    }

    public LoadTestException()
    {
    }

    public LoadTestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Closed-loop load: <see cref="LoadTestOptions.Concurrency"/> connections each send a request, wait
/// for the whole answer, and send the next, until the duration or the request budget is spent.
/// Bodies are serialized before the clock starts so the client measures the service, not itself.
/// </summary>
public static class LoadTester
{
    public static async Task<LoadTestResult> RunAsync(LoadTestOptions options, IProgress<LoadTestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var url = options.Url.AbsoluteUri.EndsWith('/') ? options.Url : new Uri(options.Url.AbsoluteUri + "/");
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var http = new HttpClient(handler) { Timeout = options.RequestTimeout };

        var inputs = await LoadPayload.DiscoverAsync(http, url, cancellationToken);
        IReadOnlyList<RequestBody> bodies;
        if (options.DataPath is { } path)
        {
            bodies = LoadPayload.FromCsv(inputs, path, options.RowsPerRequest, cancellationToken);
        }
        else
        {
            var (columns, rows) = options.Rows is { } given ? (options.Columns!, given) : LoadPayload.Synthesize(inputs);
            bodies = LoadPayload.FromRows(inputs, columns, rows, options.RowsPerRequest);
        }

        var target = new Uri(url, "invocations");
        await ProbeAsync(http, target, bodies[0], cancellationToken);

        var run = new Run(http, target, bodies, options);
        var started = Stopwatch.GetTimestamp();
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporter = progress is null ? Task.CompletedTask : ReportAsync(run, started, progress, reporting.Token);
        var workers = Enumerable.Range(0, options.Concurrency).Select(_ => run.WorkAsync(started, cancellationToken)).ToArray();
        var histograms = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await reporting.CancelAsync();
        await reporter;
        cancellationToken.ThrowIfCancellationRequested();

        var all = new LatencyHistogram();
        foreach (var h in histograms)
        {
            all.Merge(h);
        }

        var requests = all.Count;
        return new LoadTestResult
        {
            Requests = requests,
            Errors = Interlocked.Read(ref run.Errors),
            Rps = requests / elapsed,
            RowsPerSecond = requests * (double)options.RowsPerRequest / elapsed,
            P50Ms = all.PercentileMs(0.50),
            P95Ms = all.PercentileMs(0.95),
            P99Ms = all.PercentileMs(0.99),
            MaxMs = all.MaxMs,
            ElapsedSeconds = elapsed,
            Concurrency = options.Concurrency,
            RowsPerRequest = options.RowsPerRequest,
            FirstError = run.FirstError,
        };
    }

    // One request before the clock starts: a body the service refuses would only measure errors.
    private static async Task ProbeAsync(HttpClient http, Uri target, RequestBody body, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = Content(body) };
            CheckTraffic.Mark(request, "load");
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                throw new LoadTestException($"{target} refused the load test's request ({(int)response.StatusCode}): {Shorten(text)}");
            }
        }
        catch (HttpRequestException ex)
        {
            throw new LoadTestException($"cannot reach {target}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new LoadTestException($"{target} did not answer the first request within {http.Timeout.TotalSeconds:0} s");
        }
    }

    private static async Task ReportAsync(Run run, long started, IProgress<LoadTestProgress> progress, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                progress.Report(new LoadTestProgress(Stopwatch.GetElapsedTime(started), Interlocked.Read(ref run.Completed), Interlocked.Read(ref run.Errors)));
            }
        }
        catch (OperationCanceledException)
        {
            // The test is over.
        }
    }

    private static ByteArrayContent Content(RequestBody body)
    {
        var content = new ByteArrayContent(body.Bytes);
        content.Headers.ContentType = body.ContentType;
        return content;
    }

    private static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 300), "…");
    }

    private sealed class Run(HttpClient http, Uri target, IReadOnlyList<RequestBody> bodies, LoadTestOptions options)
    {
        public long Issued;
        public long Completed;
        public long Errors;
        private string? _firstError;

        public string? FirstError => Volatile.Read(ref _firstError);

        public async Task<LatencyHistogram> WorkAsync(long started, CancellationToken ct)
        {
            // Off the caller's context at once, so the workers start together.
            await Task.Yield();
            var histogram = new LatencyHistogram();
            var sink = new byte[16 * 1024];
            while (!ct.IsCancellationRequested && Stopwatch.GetElapsedTime(started) < options.Duration)
            {
                var n = Interlocked.Increment(ref Issued);
                if (n > options.MaxRequests)
                {
                    break;
                }

                var body = bodies[(int)(n % bodies.Count)];
                var sent = Stopwatch.GetTimestamp();
                string? error = null;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = Content(body) };
                    CheckTraffic.Mark(request, "load");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    if (response.IsSuccessStatusCode)
                    {
                        await using var stream = await response.Content.ReadAsStreamAsync(ct);
                        while (await stream.ReadAsync(sink, ct) > 0)
                        {
                            // Drain: the latency includes the whole answer.
                        }
                    }
                    else
                    {
                        error = $"{(int)response.StatusCode}: {Shorten(await response.Content.ReadAsStringAsync(ct))}";
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }
                catch (TaskCanceledException)
                {
                    error = $"no answer within {options.RequestTimeout.TotalSeconds:0.#} s";
                }
                catch (HttpRequestException ex)
                {
                    error = ex.Message;
                }

                histogram.Add(Stopwatch.GetElapsedTime(sent).TotalSeconds);
                Interlocked.Increment(ref Completed);
                if (error is not null)
                {
                    Interlocked.Increment(ref Errors);
                    Interlocked.CompareExchange(ref _firstError, error, null);
                }
            }

            return histogram;
        }
    }
}
