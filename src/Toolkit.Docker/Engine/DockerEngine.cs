using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Polly;
using Polly.Retry;
using DotNet = Docker.DotNet;

namespace Toolkit.Docker.Engine;

/// <summary>What a call is about, so a 404 maps to the right exception.</summary>
internal enum DockerResource
{
    None,
    Image,
    Container,
}

/// <summary>
/// The one connection to the daemon, shared by the operation groups: Docker.DotNet's client (its
/// transport dials the unix socket or TCP), the API version negotiated once with the daemon, our
/// status → exception table over Docker.DotNet's exceptions, and retries for the calls that are safe
/// to repeat.
/// </summary>
internal sealed class DockerEngine : IDisposable
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

    private readonly DockerClientOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _versionLock = new(1, 1);

    // Unversioned: /_ping and /version are asked before the version is known.
    private readonly DotNet.DockerClient _unversioned;
    private DotNet.DockerClient? _client;
    private string? _apiVersion;

    public DockerEngine(DockerClientOptions options)
    {
        _options = options;
        _unversioned = Build(null);
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = new PredicateBuilder()
                    .Handle<DotNet.DockerApiException>(e => TransientStatuses.Contains(e.StatusCode))
                    .Handle<HttpRequestException>(e => !IsConnectError(e))
                    .Handle<IOException>(e => !IsConnectError(e)),
            })
            .Build();
    }

    public string Endpoint => _options.Describe();

    /// <summary>The API version in use: the lower of ours and the daemon's, asked once.</summary>
    public async Task<string> GetApiVersionAsync(CancellationToken cancellationToken)
    {
        await ClientAsync(cancellationToken);
        return _apiVersion!;
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

    /// <summary>A call that needs no API version (ping, version); always safe to repeat.</summary>
    public Task<T> CallUnversionedAsync<T>(Func<DotNet.DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        GuardAsync(ct => call(_unversioned, ct), DockerResource.None, idempotent: true, cancellationToken);

    /// <summary>
    /// A call with the negotiated version. <paramref name="idempotent"/> calls (inspect, list, remove) are retried on
    /// transient failures; the others (create, start, build, push) are sent once.
    /// </summary>
    public async Task<T> CallAsync<T>(
        Func<DotNet.DockerClient, CancellationToken, Task<T>> call, DockerResource resource, bool idempotent, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken);
        return await GuardAsync(ct => call(client, ct), resource, idempotent, cancellationToken);
    }

    public Task CallAsync(Func<DotNet.DockerClient, CancellationToken, Task> call, DockerResource resource, bool idempotent, CancellationToken cancellationToken) =>
        CallAsync(
            async (client, ct) =>
            {
                await call(client, ct);
                return true;
            },
            resource,
            idempotent,
            cancellationToken);

    public void Dispose()
    {
        _client?.Dispose();
        _unversioned.Dispose();
        _versionLock.Dispose();
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

    private async Task<DotNet.DockerClient> ClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { } known)
        {
            return known;
        }

        await _versionLock.WaitAsync(cancellationToken);
        try
        {
            if (_client is null)
            {
                var daemon = await CallUnversionedAsync((c, ct) => c.System.GetVersionAsync(ct), cancellationToken);
                _apiVersion = Negotiate(
                    DockerClientOptions.MaxApiVersion,
                    daemon.APIVersion is { Length: > 0 } v ? v : DockerClientOptions.MaxApiVersion,
                    daemon.MinAPIVersion is { Length: > 0 } m ? m : null);
                _client = Build(Version.Parse(_apiVersion));
            }

            return _client;
        }
        finally
        {
            _versionLock.Release();
        }
    }

    private DotNet.DockerClient Build(Version? apiVersion) =>
        new DotNet.DockerClientBuilder()
            .WithEndpoint(_options.Endpoint)
            .WithApiVersion(apiVersion)
            .WithTimeout(_options.RequestTimeout)
            .Build();

    private async Task<T> GuardAsync<T>(Func<CancellationToken, Task<T>> call, DockerResource resource, bool idempotent, CancellationToken cancellationToken)
    {
        try
        {
            return idempotent
                ? await _retry.ExecuteAsync(async ct => await call(ct), cancellationToken)
                : await call(cancellationToken);
        }
        catch (DotNet.DockerApiException ex)
        {
            // Docker.DotNet knows some resources itself (its own not-found types); else the caller's hint decides.
            var known = ex switch
            {
                DotNet.DockerImageNotFoundException => DockerResource.Image,
                DotNet.DockerContainerNotFoundException => DockerResource.Container,
                _ => resource,
            };
            throw MapError(ex.StatusCode, ex.ResponseBody ?? string.Empty, known);
        }
        catch (Exception ex) when (IsConnectError(ex))
        {
            // "Cannot assign requested address" is what a missing socket file looks like; say it plainly.
            var missingSocket = DockerClientOptions.IsUnix(_options.Endpoint) && !File.Exists(_options.Endpoint.AbsolutePath);
            throw new DockerNotReachableException(
                Endpoint, Innermost(ex), missingSocket ? $"the socket {_options.Endpoint.AbsolutePath} does not exist" : null);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Docker.DotNet cancels a short request after its timeout; the caller did not cancel.
            throw new DockerApiException(
                HttpStatusCode.RequestTimeout,
                string.Create(CultureInfo.InvariantCulture, $"Docker did not answer within {_options.RequestTimeout.TotalSeconds:0}s ({Endpoint})."),
                ex.Message);
        }
    }

    /// <summary>A refused connection or a missing socket: it will not heal in a second, so no retry.</summary>
    private static bool IsConnectError(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
                || e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported or SocketError.HostNotFound })
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception ex)
    {
        var e = ex;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
