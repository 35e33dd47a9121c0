using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;

namespace Toolkit.Docker.Http;

/// <summary>What a request is about, so a 404 maps to the right exception.</summary>
internal enum DockerResource
{
    None,
    Image,
    Container,
}

/// <summary>
/// The one connection to the daemon: an <see cref="HttpClient"/> whose handler dials the unix socket
/// (or TCP), the negotiated API version, the status → exception table and the retry policy. Every
/// operation group goes through here.
/// </summary>
internal sealed class DockerConnection : IDisposable
{
    /// <summary>Status codes → exceptions, in one place; anything else is a plain <see cref="DockerApiException"/>.</summary>
    private static readonly IReadOnlyList<(HttpStatusCode Status, DockerResource Resource, Func<string, string, DockerApiException> Create)> ErrorTable =
    [
        (HttpStatusCode.NotFound, DockerResource.Image, (message, body) => new DockerImageNotFoundException(message, body)),
        (HttpStatusCode.NotFound, DockerResource.Container, (message, body) => new DockerContainerNotFoundException(message, body)),
    ];

    // Not 500: dockerd answers 500 for many lasting errors, where retrying only delays the message.
    private static readonly HashSet<HttpStatusCode> TransientStatuses =
        [HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout];

    private readonly HttpClient _http;
    private readonly DockerClientOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly SemaphoreSlim _versionLock = new(1, 1);
    private string? _apiVersion;

    public DockerConnection(DockerClientOptions options)
    {
        _options = options;
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
        if (DockerClientOptions.IsUnix(options.Endpoint))
        {
            var socketPath = options.Endpoint.AbsolutePath;
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        var baseAddress = DockerClientOptions.IsUnix(options.Endpoint)
            ? new Uri("http://docker/")
            : new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{options.Endpoint.Host}:{options.Endpoint.Port}/"));

        // Streams (build, wait, logs) may run for a long time; short requests get their own timeout.
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>(IsTransientConnectionError)
                    .Handle<IOException>()
                    .HandleResult(r => TransientStatuses.Contains(r.StatusCode)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public string Endpoint => _options.Describe();

    public TimeSpan RequestTimeout => _options.RequestTimeout;

    /// <summary>The API version in use: the lower of ours and the daemon's, asked once.</summary>
    public async Task<string> GetApiVersionAsync(CancellationToken cancellationToken)
    {
        if (_apiVersion is { } known)
        {
            return known;
        }

        await _versionLock.WaitAsync(cancellationToken);
        try
        {
            if (_apiVersion is null)
            {
                using var doc = await GetJsonUnversionedAsync("version", cancellationToken);
                var daemon = doc.RootElement.Str("ApiVersion") is { Length: > 0 } v ? v : DockerClientOptions.MaxApiVersion;
                var minimum = doc.RootElement.Str("MinAPIVersion") is { Length: > 0 } m ? m : null;
                _apiVersion = Negotiate(DockerClientOptions.MaxApiVersion, daemon, minimum);
            }

            return _apiVersion;
        }
        finally
        {
            _versionLock.Release();
        }
    }

    /// <summary>
    /// The lower of ours and the daemon's newest, compared as numbers ("1.9" &lt; "1.10"), but never below the
    /// daemon's oldest: newer daemons (Docker 29: 1.44) refuse older versions outright.
    /// </summary>
    internal static string Negotiate(string ours, string daemon, string? daemonMinimum = null)
    {
        var chosen = Version.Parse(daemon) < Version.Parse(ours) ? daemon : ours;
        return daemonMinimum is not null && Version.Parse(chosen) < Version.Parse(daemonMinimum) ? daemonMinimum : chosen;
    }

    /// <summary>GET without version prefix (/_ping, /version), used before negotiation.</summary>
    public async Task<JsonDocument> GetJsonUnversionedAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), DockerResource.None, idempotent: true, streaming: false, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return JsonDocument.Parse(bytes);
    }

    public async Task<string> GetStringUnversionedAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), DockerResource.None, idempotent: true, streaming: false, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Sends a short request with a JSON (or no) body and returns the parsed answer (null for 204/empty).</summary>
    public async Task<JsonDocument?> SendJsonAsync(
        HttpMethod method, string pathAndQuery, object? body, DockerResource resource, CancellationToken cancellationToken)
    {
        var version = await GetApiVersionAsync(cancellationToken);
        var idempotent = method == HttpMethod.Get || method == HttpMethod.Delete || method == HttpMethod.Head;
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(method, $"v{version}/{pathAndQuery}");
                if (body is not null)
                {
                    request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
                }

                return request;
            },
            resource,
            idempotent,
            streaming: false,
            cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return bytes.Length == 0 ? null : JsonDocument.Parse(bytes);
    }

    /// <summary>Sends a request whose answer is a stream (build output, logs, archives); not retried once sent.</summary>
    public async Task<HttpResponseMessage> SendStreamingAsync(
        HttpMethod method,
        string pathAndQuery,
        HttpContent? content,
        DockerResource resource,
        IReadOnlyDictionary<string, string>? headers,
        CancellationToken cancellationToken)
    {
        var version = await GetApiVersionAsync(cancellationToken);
        return await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(method, $"v{version}/{pathAndQuery}") { Content = content };
                foreach (var (k, v) in headers ?? new Dictionary<string, string>())
                {
                    request.Headers.TryAddWithoutValidation(k, v);
                }

                return request;
            },
            resource,
            idempotent: false,
            streaming: true,
            cancellationToken);
    }

    /// <summary>Reads newline-delimited JSON objects as they arrive (build, pull, push progress).</summary>
    public static async IAsyncEnumerable<JsonElement> ReadJsonLinesAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            yield return doc.RootElement.Clone();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _versionLock.Dispose();
    }

    private async Task<HttpResponseMessage> SendAsync(
        Func<HttpRequestMessage> createRequest, DockerResource resource, bool idempotent, bool streaming, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            if (idempotent)
            {
                response = await _retry.ExecuteAsync(async ct => await SendOnceAsync(createRequest, streaming, ct), cancellationToken);
            }
            else
            {
                response = await SendOnceAsync(createRequest, streaming, cancellationToken);
            }
        }
        catch (HttpRequestException ex) when (IsConnectError(ex))
        {
            // "Cannot assign requested address" is what a missing socket file looks like; say it plainly.
            var missingSocket = DockerClientOptions.IsUnix(_options.Endpoint) && !File.Exists(_options.Endpoint.AbsolutePath);
            throw new DockerNotReachableException(
                Endpoint, ex.InnerException ?? ex, missingSocket ? $"the socket {_options.Endpoint.AbsolutePath} does not exist" : null);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DockerApiException(
                HttpStatusCode.RequestTimeout,
                string.Create(CultureInfo.InvariantCulture, $"Docker did not answer within {RequestTimeout.TotalSeconds:0}s ({Endpoint})."),
                ex.Message);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
            throw MapError(response.StatusCode, body, resource);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> createRequest, bool streaming, CancellationToken cancellationToken)
    {
        using var request = createRequest();
        if (streaming)
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
        return response;
    }

    internal static DockerApiException MapError(HttpStatusCode status, string body, DockerResource resource)
    {
        var message = ErrorMessage(body);
        foreach (var (s, r, create) in ErrorTable)
        {
            if (s == status && r == resource)
            {
                return create(message, body);
            }
        }

        return new DockerApiException(
            status, string.Create(CultureInfo.InvariantCulture, $"Docker API error {(int)status} ({status}): {message}"), body);
    }

    /// <summary>The daemon's error bodies are <c>{"message": "..."}</c>; fall back to the raw text.</summary>
    internal static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m))
            {
                return m.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
            // Not JSON: use the text as is.
        }

        return body.Trim();
    }

    private static bool IsConnectError(HttpRequestException ex) =>
        ex.HttpRequestError == HttpRequestError.ConnectionError
        || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported };

    // A missing socket or refused connection will not heal in a second: fail fast with the clear message.
    private static bool IsTransientConnectionError(HttpRequestException ex) => !IsConnectError(ex);
}
