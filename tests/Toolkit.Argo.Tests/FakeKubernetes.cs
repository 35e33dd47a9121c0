using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Toolkit.Argo.Tests;

/// <summary>
/// A stand-in for the Kubernetes API on 127.0.0.1 that implements exactly what submit uses, after the
/// API conventions: <c>POST</c> (201, <c>generateName</c> → name, uid, resourceVersion; 409 AlreadyExists
/// as a <c>Status</c>), <c>GET</c> by name (404 NotFound) and <c>GET ?watch=true&amp;fieldSelector=metadata.name=X</c>
/// (a stream of JSON watch events, one per line, from after the given resourceVersion) of
/// <c>workflows.argoproj.io/v1alpha1</c> in a namespace. Anything else is a 404 and is recorded.
/// Status snapshots to play back come from <see cref="Script"/>.
/// </summary>
internal sealed partial class FakeKubernetes : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, JsonObject> _workflows = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private int _counter;
    private int _version = 100;

    public FakeKubernetes()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Every request as "METHOD path?query", in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Headers of every request (to check what credentials were sent).</summary>
    public ConcurrentQueue<string> Authorization { get; } = new();

    /// <summary>The status snapshots a workflow goes through once created (each one a watch event).</summary>
    public Func<JsonObject, IReadOnlyList<JsonObject>> Script { get; set; } = _ => [];

    public JsonObject? Created(string ns, string name) => _workflows.TryGetValue(ns + "/" + name, out var w) ? w : null;

    public IReadOnlyList<JsonObject> All => [.. _workflows.Values];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        Requests.Enqueue($"{request.HttpMethod} {path}{request.Url.Query}");
        Authorization.Enqueue(request.Headers["Authorization"] ?? "");
        try
        {
            var m = CollectionPath().Match(path);
            if (!m.Success)
            {
                await WriteStatusAsync(response, 404, "NotFound", $"the server could not find the requested resource ({path})");
                return;
            }

            var ns = m.Groups[1].Value;
            var name = m.Groups[2].Success ? m.Groups[2].Value : null;
            if (request.HttpMethod == "POST" && name is null)
            {
                await CreateAsync(request, response, ns);
            }
            else if (request.HttpMethod == "GET" && name is not null)
            {
                if (_workflows.TryGetValue(ns + "/" + name, out var wf))
                {
                    await WriteJsonAsync(response, 200, wf.ToJsonString());
                }
                else
                {
                    await WriteStatusAsync(response, 404, "NotFound", $"workflows.argoproj.io \"{name}\" not found");
                }
            }
            else if (request.HttpMethod == "GET" && request.QueryString["watch"] == "true")
            {
                await WatchAsync(request, response, ns);
            }
            else
            {
                await WriteStatusAsync(response, 405, "MethodNotAllowed", $"{request.HttpMethod} is not supported here");
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (a cancelled watch).
        }
    }

    private async Task CreateAsync(HttpListenerRequest request, HttpListenerResponse response, string ns)
    {
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        if (body["apiVersion"]?.GetValue<string>() != "argoproj.io/v1alpha1" || body["kind"]?.GetValue<string>() != "Workflow")
        {
            await WriteStatusAsync(response, 400, "BadRequest", "the object is not an argoproj.io/v1alpha1 Workflow");
            return;
        }

        var metadata = body["metadata"]!.AsObject();
        if (metadata["namespace"] is { } given && given.GetValue<string>() != ns)
        {
            await WriteStatusAsync(response, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
            return;
        }

        var name = metadata["name"]?.GetValue<string>();
        if (name is null)
        {
            var prefix = metadata["generateName"]?.GetValue<string>();
            if (prefix is null)
            {
                await WriteStatusAsync(response, 422, "Invalid", "metadata.name: Required value: name or generateName is required");
                return;
            }

            name = prefix + Suffix(Interlocked.Increment(ref _counter));
        }

        metadata["name"] = name;
        metadata["namespace"] = ns;
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["resourceVersion"] = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);
        metadata["creationTimestamp"] = "2026-12-01T12:00:00Z";
        if (!_workflows.TryAdd(ns + "/" + name, body))
        {
            await WriteStatusAsync(response, 409, "AlreadyExists", $"workflows.argoproj.io \"{name}\" already exists", name);
            return;
        }

        await WriteJsonAsync(response, 201, body.ToJsonString());
    }

    private async Task WatchAsync(HttpListenerRequest request, HttpListenerResponse response, string ns)
    {
        var selector = request.QueryString["fieldSelector"] ?? "";
        var name = selector.StartsWith("metadata.name=", StringComparison.Ordinal) ? selector["metadata.name=".Length..] : null;
        if (name is null || !_workflows.TryGetValue(ns + "/" + name, out var workflow))
        {
            await WriteStatusAsync(response, 400, "BadRequest", "this stand-in watches one workflow by metadata.name");
            return;
        }

        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.SendChunked = true;
        var since = long.TryParse(request.QueryString["resourceVersion"], CultureInfo.InvariantCulture, out var rv) ? rv : 0;
        var baseVersion = long.Parse(workflow["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        await using var writer = new StreamWriter(response.OutputStream, new UTF8Encoding(false));
        var snapshots = Script(workflow);
        for (var i = 0; i < snapshots.Count; i++)
        {
            var version = baseVersion + i + 1;
            if (version <= since)
            {
                continue;
            }

            var copy = workflow.DeepClone().AsObject();
            copy["metadata"]!["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
            copy["status"] = snapshots[i].DeepClone();
            var line = new JsonObject { ["type"] = "MODIFIED", ["object"] = copy };
            await writer.WriteAsync(line.ToJsonString() + "\n");
            await writer.FlushAsync();
        }

        response.Close();
    }

    private static async Task WriteStatusAsync(HttpListenerResponse response, int code, string reason, string message, string? name = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (name is not null)
        {
            status["details"] = new JsonObject { ["name"] = name, ["group"] = "argoproj.io", ["kind"] = "workflows" };
        }

        await WriteJsonAsync(response, code, status.ToJsonString());
    }

    private static async Task WriteJsonAsync(HttpListenerResponse response, int code, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        response.StatusCode = code;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    /// <summary>Kubernetes-style 5-character suffix (consonants and digits), deterministic per workflow.</summary>
    private static string Suffix(int n)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var sb = new StringBuilder();
        var x = (uint)n * 2654435761u;
        for (var i = 0; i < 5; i++)
        {
            sb.Append(alphabet[(int)(x % (uint)alphabet.Length)]);
            x /= (uint)alphabet.Length;
            x += 7919;
        }

        return sb.ToString();
    }

    /// <summary>Status snapshots for a workflow whose tasks (in order) run one by one; <paramref name="failing"/> fails and stops it.</summary>
    public static IReadOnlyList<JsonObject> Progress(JsonObject workflow, string? failing = null)
    {
        var entry = workflow["spec"]!["entrypoint"]!.GetValue<string>();
        var tasks = workflow["spec"]!["templates"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == entry)!["dag"]!["tasks"]!.AsArray()
            .Select(t => t!["name"]!.GetValue<string>()).ToList();
        var name = workflow["metadata"]!["name"]!.GetValue<string>();
        var phases = new Dictionary<string, string>(StringComparer.Ordinal);
        var snapshots = new List<JsonObject> { Snapshot(name, "Running", null, phases) };
        foreach (var task in tasks)
        {
            phases[task] = "Running";
            snapshots.Add(Snapshot(name, "Running", null, phases));
            if (task == failing)
            {
                phases[task] = "Failed";
                snapshots.Add(Snapshot(name, "Failed", $"child '{name}-{task}' failed", phases));
                return snapshots;
            }

            phases[task] = "Succeeded";
            snapshots.Add(Snapshot(name, "Running", null, phases));
        }

        snapshots.Add(Snapshot(name, "Succeeded", null, phases));
        return snapshots;
    }

    private static JsonObject Snapshot(string workflow, string phase, string? message, Dictionary<string, string> tasks)
    {
        var nodes = new JsonObject
        {
            [workflow] = new JsonObject { ["id"] = workflow, ["name"] = workflow, ["displayName"] = workflow, ["type"] = "DAG", ["phase"] = phase },
        };
        foreach (var (task, p) in tasks)
        {
            var id = workflow + "-" + task;
            var node = new JsonObject
            {
                ["id"] = id, ["name"] = workflow + "." + task, ["displayName"] = task, ["type"] = "Pod", ["phase"] = p,
                ["boundaryID"] = workflow, ["startedAt"] = "2026-12-01T12:00:01Z",
            };
            if (p is "Succeeded" or "Failed")
            {
                node["finishedAt"] = "2026-12-01T12:00:09Z";
            }

            if (p == "Failed")
            {
                node["message"] = "Error (exit code 1)";
            }

            nodes[id] = node;
        }

        var status = new JsonObject { ["phase"] = phase, ["nodes"] = nodes };
        if (message is not null)
        {
            status["message"] = message;
        }

        return status;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    [GeneratedRegex(@"^/apis/argoproj\.io/v1alpha1/namespaces/([a-z0-9-]+)/workflows(?:/([a-z0-9.-]+))?$")]
    private static partial Regex CollectionPath();
}
