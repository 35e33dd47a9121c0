using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Serving.Tests;

/// <summary>
/// A real <c>mlops serve</c> process sent SIGTERM while a request is half-way through its body: the
/// server stops listening, still answers that request, exits 0 and leaves the prediction log complete.
/// </summary>
public sealed class GracefulShutdownTests(ClassifierServer fixture) : IClassFixture<ClassifierServer>
{
    [Fact]
    public async Task Sigterm_RequestInFlight_IsAnswered200ProcessExits0AndLogIsFlushed()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // SIGTERM is a POSIX signal
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        var log = Path.Combine(fixture.Folder, "sigterm-" + Guid.NewGuid().ToString("N"), "predictions.jsonl");
        var indices = Enumerable.Range(0, 50).SelectMany(_ => Enumerable.Range(0, fixture.Rows.RowCount)).ToArray();
        var rows = new DataTable(fixture.Rows.Columns.Select(c => c.Take(indices)));
        var body = Encoding.UTF8.GetBytes(fixture.DataframeSplit(rows));

        using var mlops = Start("serve", "--file", fixture.ModelPath, "--port", "0", "--max-batch", "100000", "--log", log, "--log-sample", "1");
        var stderr = new StringBuilder();
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        mlops.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data?.Contains("stopping", StringComparison.Ordinal) == true)
            {
                stopping.TrySetResult();
            }
        };
        mlops.BeginErrorReadLine();
        try
        {
            var url = await ServingUrlAsync(mlops, ct);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var content = new HeldContent(body);
            var answer = http.PostAsync(new Uri(url, "/invocations"), content, ct);

            // Headers and half the body are on the wire, and the server has begun the request (the gauge counts
            // it besides the scrape): it is in flight when the signal lands, not a connection still to be read.
            await content.HalfSent.WaitAsync(ct);
            await UntilInFlightAsync(url, 2, ct);
            Signal(mlops.Id);
            await stopping.Task.WaitAsync(ct);
            await UntilRefusedAsync(url, ct);
            content.Release();

            using var response = await answer;
            var text = await response.Content.ReadAsStringAsync(ct);
            response.StatusCode.Should().Be(HttpStatusCode.OK, text);
            var predictions = JsonDocument.Parse(text).RootElement.GetProperty("predictions").EnumerateArray().Select(p => p.GetString()).ToList();
            predictions.Should().Equal(fixture.Model.Predict(rows).Classes);

            await mlops.WaitForExitAsync(ct);
            mlops.ExitCode.Should().Be(0, Stderr(stderr));
            var logged = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("prediction").GetString()).ToList();
            logged.Should().Equal(predictions);
        }
        finally
        {
            if (!mlops.HasExited)
            {
                mlops.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Stderr(StringBuilder stderr)
    {
        lock (stderr)
        {
            return stderr.ToString();
        }
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlops.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    private static async Task<Uri> ServingUrlAsync(Process mlops, CancellationToken ct)
    {
        while (await mlops.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            var url = ServeCommandTests.UrlPattern().Match(line);
            if (line.StartsWith("serving ", StringComparison.Ordinal) && url.Success)
            {
                return new Uri(url.Value);
            }
        }

        throw new InvalidOperationException($"mlops serve ended before it listened: {await mlops.StandardError.ReadToEndAsync(ct)}");
    }

    private static void Signal(int pid)
    {
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        kill.ExitCode.Should().Be(0);
    }

    /// <summary>Polls /metrics until <c>toolkit_http_requests_in_flight</c> is at least <paramref name="count"/>.</summary>
    private static async Task UntilInFlightAsync(Uri url, int count, CancellationToken ct)
    {
        using var http = new HttpClient();
        while (true)
        {
            var metrics = await http.GetStringAsync(new Uri(url, "/metrics"), ct);
            var line = metrics.Split('\n').Single(l => l.StartsWith("toolkit_http_requests_in_flight ", StringComparison.Ordinal));
            if (int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) >= count)
            {
                return;
            }

            await Task.Delay(20, ct);
        }
    }

    /// <summary>Polls until the server no longer takes connections (it has begun its shutdown).</summary>
    private static async Task UntilRefusedAsync(Uri url, CancellationToken ct)
    {
        while (true)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(url.Host, url.Port, ct);
            }
            catch (SocketException)
            {
                return;
            }

            await Task.Delay(20, ct);
        }
    }

    /// <summary>A body sent in two halves: the second only after <see cref="Release"/>.</summary>
    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly TaskCompletionSource _halfSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldContent(byte[] body)
        {
            _body = body;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public Task HalfSent => _halfSent.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var half = _body.Length / 2;
            await stream.WriteAsync(_body.AsMemory(0, half));
            await stream.FlushAsync();
            _halfSent.TrySetResult();
            await _release.Task;
            await stream.WriteAsync(_body.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }
}
