using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;

namespace Toolkit.Registry.Mlflow;

/// <summary>
/// The one HTTP connection the resource clients share: base address, authentication, JSON, error
/// mapping and retries. Every attempt builds a fresh request, so a retried call re-sends its body.
/// </summary>
internal sealed class MlflowConnection : IDisposable
{
    private const string ApiPrefix = "api/2.0/";

    private readonly HttpClient _http;
    private readonly ResiliencePipeline _idempotent;
    private readonly ResiliencePipeline _notIdempotent;

    public MlflowConnection(MlflowClientOptions options, TimeProvider timeProvider, HttpMessageHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        TimeProvider = timeProvider;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        var baseText = options.TrackingUri.AbsoluteUri;
        _http.BaseAddress = new Uri(baseText.EndsWith('/') ? baseText : baseText + "/", UriKind.Absolute);
        _http.Timeout = options.Timeout;
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("toolkit-mlflow", "1.0"));
        if (options.Token is { } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (options.Username is { } user)
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + options.Password));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }

        _idempotent = BuildPipeline(options, timeProvider, anyTransient: true);
        _notIdempotent = BuildPipeline(options, timeProvider, anyTransient: false);
    }

    public MlflowClientOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public Task<T> GetAsync<T>(string endpoint, IEnumerable<KeyValuePair<string, string?>> query, CancellationToken cancellationToken)
        where T : class
    {
        var path = ApiPrefix + endpoint + QueryString(query);
        return SendAsync<T>(HttpMethod.Get, path, endpoint, content: null, idempotent: true, cancellationToken);
    }

    public Task<T> SendJsonAsync<T>(HttpMethod method, string endpoint, object body, bool idempotent, CancellationToken cancellationToken)
        where T : class
    {
        // DELETE with a JSON body is how MLflow's own client deletes aliases and tags.
        return SendAsync<T>(method, ApiPrefix + endpoint, endpoint, () => JsonContent.Create(body, body.GetType(), options: MlflowJson.Options), idempotent, cancellationToken);
    }

    public async Task PutBytesAsync(string artifactPath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var path = ApiPrefix + "mlflow-artifacts/artifacts/" + EscapePath(artifactPath);
        await _idempotent.ExecuteAsync(
            async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ReadOnlyMemoryContent(content) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                using var response = await _http.SendAsync(request, ct);
                await EnsureSuccessAsync(response, "PUT", "mlflow-artifacts/artifacts/" + artifactPath, ct);
            },
            cancellationToken);
    }

    public async Task<byte[]> GetBytesAsync(string artifactPath, CancellationToken cancellationToken)
    {
        var path = ApiPrefix + "mlflow-artifacts/artifacts/" + EscapePath(artifactPath);
        return await _idempotent.ExecuteAsync(
            async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
                using var response = await _http.SendAsync(request, ct);
                await EnsureSuccessAsync(response, "GET", "mlflow-artifacts/artifacts/" + artifactPath, ct);
                return await response.Content.ReadAsByteArrayAsync(ct);
            },
            cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, string endpoint, Func<HttpContent>? content, bool idempotent, CancellationToken cancellationToken)
        where T : class
    {
        var pipeline = idempotent ? _idempotent : _notIdempotent;
        return await pipeline.ExecuteAsync(
            async ct =>
            {
                using var request = new HttpRequestMessage(method, path) { Content = content?.Invoke() };
                using var response = await _http.SendAsync(request, ct);
                await EnsureSuccessAsync(response, method.Method, endpoint, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                try
                {
                    return JsonSerializer.Deserialize<T>(string.IsNullOrWhiteSpace(text) ? "{}" : text, MlflowJson.Options)
                        ?? throw new MlflowApiException($"MLflow {method.Method} {endpoint} returned an empty body.", response.StatusCode, null, text);
                }
                catch (JsonException ex)
                {
                    throw new MlflowApiException($"MLflow {method.Method} {endpoint} returned a body that is not the expected JSON: {ex.Message}", response.StatusCode, null, text, ex);
                }
            },
            cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string method, string endpoint, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw MlflowErrors.FromResponse(response.StatusCode, body, method, endpoint);
    }

    private static ResiliencePipeline BuildPipeline(MlflowClientOptions options, TimeProvider timeProvider, bool anyTransient)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxRetries == 0)
        {
            return builder.Build();
        }

        return builder
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,

                // Deterministic delays: a build tool's retries should be reproducible in tests.
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(IsRetryable(args.Outcome.Exception, args.Context.CancellationToken, anyTransient)),
            })
            .Build();
    }

    /// <summary>
    /// Idempotent calls retry any transient failure. A call that creates something (a run, a model
    /// version) retries only answers that say the server did not act on it (429, 503); after a 500,
    /// a timeout or a dropped connection it might have, and a retry could create a duplicate.
    /// </summary>
    private static bool IsRetryable(Exception? exception, CancellationToken cancellationToken, bool anyTransient) => exception switch
    {
        null => false,
        MlflowApiException api when api.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable => true,
        MlflowApiException api => anyTransient && api.IsTransient,
        HttpRequestException => anyTransient,
        OperationCanceledException when !cancellationToken.IsCancellationRequested => anyTransient, // HttpClient's timeout
        _ => false,
    };

    private static string QueryString(IEnumerable<KeyValuePair<string, string?>> query)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in query)
        {
            if (value is null)
            {
                continue;
            }

            sb.Append(sb.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return sb.ToString();
    }

    private static string EscapePath(string artifactPath)
    {
        var segments = artifactPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0 || segments.Any(s => s is "." or ".."))
        {
            throw new ArgumentException($"'{artifactPath}' is not a valid artifact path.", nameof(artifactPath));
        }

        return string.Join('/', segments.Select(Uri.EscapeDataString));
    }
}
