using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Toolkit.Serving.Tests;

/// <summary>
/// A test that needs a real headless Chromium (Debian's chromium): skipped with the reason where it
/// is missing, except in CI (CI=true), where .ci/run installs it and a skip would hide a gap.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Executable is null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "chromium not installed (apt-get install chromium)";
        }
    }
}

/// <summary>
/// A headless Chromium driven over the Chrome DevTools Protocol: one browser WebSocket, pages
/// attached as flat sessions (each command carries its page's sessionId).
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private const string ListeningPrefix = "DevTools listening on ";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiver;
    private readonly StringBuilder _log;
    private int _nextId;

    private Chromium(Process process, string profile, ClientWebSocket socket, StringBuilder log)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
        _log = log;
        _receiver = Task.Run(ReceiveAsync);
    }

    /// <summary>/usr/bin/chromium (Debian's package) when present, else null.</summary>
    public static string? Executable { get; } = File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null;

    public static async Task<Chromium> StartAsync(CancellationToken ct)
    {
        var executable = Executable ?? throw new InvalidOperationException("chromium is not installed at /usr/bin/chromium (apt-get install chromium)");
        var profile = Path.Combine(Path.GetTempPath(), "toolkit-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[]
        {
            "--headless=new", "--remote-debugging-port=0", "--user-data-dir=" + profile, "--no-sandbox",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "about:blank",
        })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        var log = new StringBuilder();
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Stderr is read to its end the whole time: a full pipe would stall the browser.
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                endpoint.TrySetException(new InvalidOperationException($"chromium exited before it listened:\n{log}"));
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            var at = e.Data.IndexOf(ListeningPrefix, StringComparison.Ordinal);
            if (at >= 0)
            {
                endpoint.TrySetResult(e.Data[(at + ListeningPrefix.Length)..].Trim());
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var url = await endpoint.Task.WaitAsync(ct);
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(url), ct);
            return new Chromium(process, profile, socket, log);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>What the browser wrote to stderr so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task<Page> NewPageAsync(CancellationToken ct)
    {
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, null, ct);
        var attached = await SendAsync("Target.attachToTarget", new JsonObject
        {
            ["targetId"] = target.GetProperty("targetId").GetString(),
            ["flatten"] = true,
        }, null, ct);
        return new Page(this, attached.GetProperty("sessionId").GetString()!);
    }

    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters, string? session, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        if (session is not null)
        {
            message["sessionId"] = session;
        }

        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _send.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _send.Release();
        }

        return await answer.Task.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var close = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await SendAsync("Browser.close", null, null, close.Token);
            await _process.WaitForExitAsync(close.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or InvalidOperationException)
        {
            // The browser did not close by itself: end it (the process this test started).
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _stop.CancelAsync();
        try
        {
            await _receiver;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The socket closed with the browser.
        }

        _socket.Dispose();
        _process.Dispose();
        _send.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A helper process may still hold a file in the profile for a moment; it is in the temp folder.
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var root = JsonDocument.Parse(message.ToArray()).RootElement;
                message.SetLength(0);

                // Events (no id) are not needed: the tests poll the page's state instead.
                if (root.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var answer))
                {
                    if (root.TryGetProperty("error", out var error))
                    {
                        answer.TrySetException(new InvalidOperationException($"CDP error: {error.GetRawText()}"));
                    }
                    else
                    {
                        answer.TrySetResult(root.GetProperty("result").Clone());
                    }
                }
            }
        }
        finally
        {
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new InvalidOperationException("the DevTools connection closed"));
            }
        }
    }

    /// <summary>One tab, addressed by its CDP session.</summary>
    public sealed class Page(Chromium browser, string session)
    {
        /// <summary>Navigates and waits until the document has loaded at <paramref name="url"/>.</summary>
        public async Task NavigateAsync(Uri url, CancellationToken ct)
        {
            await browser.SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }, session, ct);
            var expected = JsonSerializer.Serialize(url.ToString());
            await UntilAsync($"document.readyState === 'complete' && location.href === {expected}", ct);
        }

        /// <summary>Evaluates a JavaScript expression in the page (promises awaited) and returns its value.</summary>
        public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken ct)
        {
            var answer = await browser.SendAsync("Runtime.evaluate", new JsonObject
            {
                ["expression"] = expression,
                ["returnByValue"] = true,
                ["awaitPromise"] = true,
            }, session, ct);
            if (answer.TryGetProperty("exceptionDetails", out var exception))
            {
                throw new InvalidOperationException($"the page's script failed: {exception.GetRawText()}");
            }

            var result = answer.GetProperty("result");
            return result.TryGetProperty("value", out var value) ? value : default;
        }

        public async Task<string?> TextAsync(string expression, CancellationToken ct)
        {
            var value = await EvaluateAsync(expression, ct);
            return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }

        /// <summary>Polls until <paramref name="condition"/> is true in the page (bounded by the caller's token, not a clock).</summary>
        public async Task UntilAsync(string condition, CancellationToken ct)
        {
            while ((await EvaluateAsync($"Boolean({condition})", ct)).ValueKind != JsonValueKind.True)
            {
                await Task.Delay(20, ct);
            }
        }
    }
}
