using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Toolkit.Registry.Mlflow.Tests;

/// <summary>A request the fake received, as sent on the wire.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, string? Authorization, string Body);

/// <summary>
/// A real HTTP server on 127.0.0.1 (free port) that answers the MLflow REST API 2.0 endpoints the
/// client calls, the way MLflow's tracking server does (mlflow/protos/service.proto,
/// model_registry.proto, mlflow_artifacts.proto, mlflow/exceptions.py): snake_case JSON, int64
/// timestamps as JSON strings (the proto3 JSON mapping; switchable to numbers as the OSS server
/// sends them), versions as strings, errors as <c>{"error_code","message"}</c> with MLflow's status
/// codes (404 RESOURCE_DOES_NOT_EXIST, 400 RESOURCE_ALREADY_EXISTS / INVALID_PARAMETER_VALUE), an
/// unset alias answered with 400 INVALID_PARAMETER_VALUE as the SQL and file stores do, new model
/// versions PENDING_REGISTRATION for a few <c>model-versions/get</c> polls, MLflow's log-batch and
/// tag-length limits, paging, injectable faults and a request recorder.
/// </summary>
public sealed class FakeMlflowServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Queue<(string? PathContains, int Status, string? Code, string? Body)> _faults = new();
    private readonly Dictionary<string, (string Id, string Name, long Created)> _experiments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeRun> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeModel> _models = new(StringComparer.Ordinal);
    private long _clock = 1_700_000_000_000;
    private int _nextId = 1;

    public FakeMlflowServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _listener.Prefixes.Add(BaseUri.AbsoluteUri);
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>How many <c>model-versions/get</c> calls a new version answers PENDING_REGISTRATION.</summary>
    public int PendingPolls { get; set; } = 2;

    /// <summary>When set, the next created version ends FAILED_REGISTRATION with this status_message.</summary>
    public string? FailNextRegistration { get; set; }

    /// <summary>int64 fields as JSON strings (proto3 JSON) or as numbers (the OSS server).</summary>
    public bool Int64AsStrings { get; set; } = true;

    /// <summary>Largest page the search endpoints return, whatever max_results asks.</summary>
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>The expected Authorization header; requests without it get 401.</summary>
    public string? RequiredAuthorization { get; set; }

    public Dictionary<string, byte[]> Artifacts { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public IEnumerable<RecordedRequest> RequestsTo(string endpoint) =>
        Requests.Where(r => r.PathAndQuery.Split('?')[0].EndsWith(endpoint, StringComparison.Ordinal));

    /// <summary>The next <paramref name="count"/> requests (to paths containing <paramref name="pathContains"/>, or any) fail.</summary>
    public void FailNext(int count, int status = 503, string? pathContains = null, string? errorCode = "TEMPORARILY_UNAVAILABLE", string? rawBody = null)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _faults.Enqueue((pathContains, status, errorCode, rawBody));
            }
        }
    }

    /// <summary>Makes the next version number of <paramref name="model"/> start at <paramref name="next"/> (as if earlier versions were deleted).</summary>
    public void SkipVersionsTo(string model, int next)
    {
        lock (_gate)
        {
            _models[model].NextVersion = next;
        }
    }

    public FakeRun Run(string runId)
    {
        lock (_gate)
        {
            return _runs[runId];
        }
    }

    public IReadOnlyList<FakeRun> AllRuns()
    {
        lock (_gate)
        {
            return [.. _runs.Values];
        }
    }

    public IReadOnlyDictionary<string, string> ModelTags(string model)
    {
        lock (_gate)
        {
            return new Dictionary<string, string>(_models[model].Tags);
        }
    }

    public IReadOnlyDictionary<string, string> VersionTags(string model, int version)
    {
        lock (_gate)
        {
            return new Dictionary<string, string>(_models[model].Versions.Single(v => v.Version == version).Tags);
        }
    }

    public string VersionSource(string model, int version)
    {
        lock (_gate)
        {
            return _models[model].Versions.Single(v => v.Version == version).Source;
        }
    }

    public string? VersionRunId(string model, int version)
    {
        lock (_gate)
        {
            return _models[model].Versions.Single(v => v.Version == version).RunId;
        }
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

    private async Task AcceptLoopAsync()
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

            _ = Task.Run(() => Serve(context));
        }
    }

    private void Serve(HttpListenerContext context)
    {
        var request = context.Request;
        byte[] raw;
        using (var buffer = new MemoryStream())
        {
            request.InputStream.CopyTo(buffer);
            raw = buffer.ToArray();
        }

        var body = Encoding.UTF8.GetString(raw);

        var pathAndQuery = request.Url!.PathAndQuery;
        int status;
        byte[] payload;
        string contentType = "application/json";
        lock (_gate)
        {
            _requests.Add(new RecordedRequest(request.HttpMethod, pathAndQuery, request.Headers["Authorization"], body));
            (status, payload, contentType) = Handle(request, body, raw);
        }

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = payload.Length;
        response.OutputStream.Write(payload);
        response.Close();
    }

    private (int Status, byte[] Body, string ContentType) Handle(HttpListenerRequest request, string body, byte[] raw)
    {
        var path = Uri.UnescapeDataString(request.Url!.AbsolutePath);
        if (_faults.Count > 0 && (_faults.Peek().PathContains is null || path.Contains(_faults.Peek().PathContains!, StringComparison.Ordinal)))
        {
            var fault = _faults.Dequeue();
            var text = fault.Body ?? Error(fault.Code ?? "INTERNAL_ERROR", "Injected fault.").ToJsonString();
            return (fault.Status, Encoding.UTF8.GetBytes(text), fault.Body is null ? "application/json" : "text/html");
        }

        if (RequiredAuthorization is not null && request.Headers["Authorization"] != RequiredAuthorization)
        {
            return Json(401, Error("UNAUTHENTICATED", "You are not authenticated."));
        }

        const string artifactsPrefix = "/api/2.0/mlflow-artifacts/artifacts/";
        if (path.StartsWith(artifactsPrefix, StringComparison.Ordinal))
        {
            var artifact = path[artifactsPrefix.Length..];
            if (request.HttpMethod == "PUT")
            {
                Artifacts[artifact] = raw;
                return Json(200, new JsonObject());
            }

            if (request.HttpMethod == "GET")
            {
                return Artifacts.TryGetValue(artifact, out var bytes)
                    ? (200, bytes, "application/octet-stream")
                    : Json(404, Error("RESOURCE_DOES_NOT_EXIST", $"File {artifact} not found."));
            }
        }

        var query = ParseQuery(request.Url!.Query);
        JsonObject json;
        try
        {
            json = request.HttpMethod is "POST" or "DELETE" or "PATCH" && body.Length > 0
                ? JsonNode.Parse(body)!.AsObject()
                : new JsonObject();
        }
        catch (JsonException)
        {
            return Json(400, Error("MALFORMED_REQUEST", "Malformed JSON."));
        }

        try
        {
            return (request.HttpMethod, path) switch
            {
                ("GET", "/api/2.0/mlflow/experiments/get-by-name") => GetExperimentByName(Required(query, "experiment_name")),
                ("POST", "/api/2.0/mlflow/experiments/create") => CreateExperiment(Str(json, "name")),
                ("POST", "/api/2.0/mlflow/runs/create") => CreateRun(json),
                ("POST", "/api/2.0/mlflow/runs/log-batch") => LogBatch(json),
                ("POST", "/api/2.0/mlflow/runs/update") => UpdateRun(json),
                ("POST", "/api/2.0/mlflow/registered-models/create") => CreateModel(json),
                ("GET", "/api/2.0/mlflow/registered-models/get") => Json(200, new JsonObject { ["registered_model"] = ModelJson(Model(Required(query, "name"))) }),
                ("GET", "/api/2.0/mlflow/registered-models/search") => SearchModels(query),
                ("POST", "/api/2.0/mlflow/registered-models/set-tag") => SetModelTag(json),
                ("POST", "/api/2.0/mlflow/registered-models/alias") => SetAlias(json),
                ("DELETE", "/api/2.0/mlflow/registered-models/alias") => DeleteAlias(json),
                ("GET", "/api/2.0/mlflow/registered-models/alias") => GetByAlias(Required(query, "name"), Required(query, "alias")),
                ("POST", "/api/2.0/mlflow/model-versions/create") => CreateVersion(json),
                ("GET", "/api/2.0/mlflow/model-versions/get") => GetVersion(Required(query, "name"), Required(query, "version")),
                ("GET", "/api/2.0/mlflow/model-versions/search") => SearchVersions(query),
                ("POST", "/api/2.0/mlflow/model-versions/set-tag") => SetVersionTag(json),
                _ => Json(404, Error("ENDPOINT_NOT_FOUND", $"No endpoint {request.HttpMethod} {path}.")),
            };
        }
        catch (FakeError e)
        {
            return Json(e.Status, Error(e.Code, e.Message));
        }
    }

    private (int, byte[], string) GetExperimentByName(string name) =>
        _experiments.TryGetValue(name, out var e)
            ? Json(200, new JsonObject
            {
                ["experiment"] = new JsonObject
                {
                    ["experiment_id"] = e.Id,
                    ["name"] = e.Name,
                    ["artifact_location"] = $"mlflow-artifacts:/{e.Id}",
                    ["lifecycle_stage"] = "active",
                    ["creation_time"] = Int64(e.Created),
                    ["last_update_time"] = Int64(e.Created),
                },
            })
            : throw new FakeError(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with name {name}");

    private (int, byte[], string) CreateExperiment(string name)
    {
        if (_experiments.ContainsKey(name))
        {
            throw new FakeError(400, "RESOURCE_ALREADY_EXISTS", $"Experiment(name={name}) already exists.");
        }

        var id = (_nextId++).ToString(CultureInfo.InvariantCulture);
        _experiments[name] = (id, name, Tick());
        return Json(200, new JsonObject { ["experiment_id"] = id });
    }

    private (int, byte[], string) CreateRun(JsonObject json)
    {
        var experimentId = Str(json, "experiment_id");
        if (!_experiments.Values.Any(e => e.Id == experimentId))
        {
            throw new FakeError(404, "RESOURCE_DOES_NOT_EXIST", $"No Experiment with id={experimentId} exists");
        }

        var id = Guid.NewGuid().ToString("N");
        var run = new FakeRun
        {
            RunId = id,
            ExperimentId = experimentId,
            RunName = json["run_name"]?.GetValue<string>(),
            StartTime = ReadInt64(json["start_time"]) ?? Tick(),
        };
        foreach (var tag in Pairs(json["tags"]))
        {
            run.Tags[tag.Key] = tag.Value;
        }

        _runs[id] = run;
        return Json(200, new JsonObject { ["run"] = new JsonObject { ["info"] = RunInfo(run), ["data"] = new JsonObject() } });
    }

    private (int, byte[], string) LogBatch(JsonObject json)
    {
        var run = RunOf(Str(json, "run_id"));
        var metrics = json["metrics"]?.AsArray() ?? [];
        var parameters = Pairs(json["params"]).ToList();
        var tags = Pairs(json["tags"]).ToList();

        // mlflow/utils/validation.py: MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH, MAX_ENTITIES_PER_BATCH.
        if (metrics.Count > 1000)
        {
            throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"A batch logging request can contain at most 1000 metrics. Got {metrics.Count} metrics.");
        }

        if (parameters.Count > 100 || tags.Count > 100)
        {
            throw new FakeError(400, "INVALID_PARAMETER_VALUE", "A batch logging request can contain at most 100 params and 100 tags.");
        }

        if (metrics.Count + parameters.Count + tags.Count > 1000)
        {
            throw new FakeError(400, "INVALID_PARAMETER_VALUE", "A batch logging request can contain at most 1000 metrics, params, and tags in total.");
        }

        foreach (var p in parameters)
        {
            if (p.Value.Length > 6000)
            {
                throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"Param value '{p.Value[..20]}…' had length {p.Value.Length}, which exceeded length limit of 6000");
            }

            if (run.Params.TryGetValue(p.Key, out var old) && old != p.Value)
            {
                throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"Changing param values is not allowed. Param with key='{p.Key}' was already logged with value='{old}'.");
            }

            run.Params[p.Key] = p.Value;
        }

        foreach (var t in tags)
        {
            run.Tags[t.Key] = t.Value;
        }

        foreach (var m in metrics)
        {
            var o = m!.AsObject();
            run.Metrics.Add((Str(o, "key"), o["value"]!.GetValue<double>(), ReadInt64(o["timestamp"]) ?? throw new FakeError(400, "INVALID_PARAMETER_VALUE", "Metric timestamp is required."), ReadInt64(o["step"]) ?? 0));
        }

        run.BatchSizes.Add((parameters.Count, metrics.Count, tags.Count));
        return Json(200, new JsonObject());
    }

    private (int, byte[], string) UpdateRun(JsonObject json)
    {
        var run = RunOf(Str(json, "run_id"));
        var status = json["status"]?.GetValue<string>();
        if (status is not null)
        {
            if (status is not ("RUNNING" or "SCHEDULED" or "FINISHED" or "FAILED" or "KILLED"))
            {
                throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"Invalid value {status} for parameter 'status'.");
            }

            run.Status = status;
        }

        run.EndTime = ReadInt64(json["end_time"]) ?? run.EndTime;
        return Json(200, new JsonObject { ["run_info"] = RunInfo(run) });
    }

    private (int, byte[], string) CreateModel(JsonObject json)
    {
        var name = Str(json, "name");
        if (_models.ContainsKey(name))
        {
            throw new FakeError(400, "RESOURCE_ALREADY_EXISTS", $"Registered Model (name={name}) already exists.");
        }

        var model = new FakeModel { Name = name, Created = Tick() };
        foreach (var t in Pairs(json["tags"]))
        {
            model.Tags[t.Key] = CheckTag(t.Key, t.Value);
        }

        _models[name] = model;
        return Json(200, new JsonObject { ["registered_model"] = ModelJson(model) });
    }

    private (int, byte[], string) SearchModels(Dictionary<string, string> query)
    {
        var all = _models.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        var (page, next) = Page(all, query);
        var result = new JsonObject { ["registered_models"] = new JsonArray([.. page.Select(m => (JsonNode)ModelJson(m))]) };
        if (next is not null)
        {
            result["next_page_token"] = next;
        }

        return Json(200, result);
    }

    private (int, byte[], string) SetModelTag(JsonObject json)
    {
        var model = Model(Str(json, "name"));
        var key = Str(json, "key");
        model.Tags[key] = CheckTag(key, Str(json, "value"));
        model.Updated = Tick();
        return Json(200, new JsonObject());
    }

    private (int, byte[], string) SetAlias(JsonObject json)
    {
        var model = Model(Str(json, "name"));
        var version = Version(model, Str(json, "version"));
        model.Aliases[Str(json, "alias")] = version.Version;
        return Json(200, new JsonObject());
    }

    private (int, byte[], string) DeleteAlias(JsonObject json)
    {
        var model = Model(Str(json, "name"));
        model.Aliases.Remove(Str(json, "alias"));
        return Json(200, new JsonObject());
    }

    private (int, byte[], string) GetByAlias(string name, string alias)
    {
        var model = Model(name);

        // What MLflow's SQL and file stores answer for an alias that is not set.
        return model.Aliases.TryGetValue(alias, out var v)
            ? Json(200, new JsonObject { ["model_version"] = VersionJson(model, model.Versions.Single(x => x.Version == v)) })
            : throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"Registered model alias {alias} not found.");
    }

    private (int, byte[], string) CreateVersion(JsonObject json)
    {
        var model = Model(Str(json, "name"));
        var source = Str(json, "source");
        var version = new FakeVersion
        {
            Version = model.NextVersion++,
            Created = Tick(),
            Source = source,
            RunId = json["run_id"]?.GetValue<string>(),
            PollsLeft = PendingPolls,
            FailWith = FailNextRegistration,
            Status = PendingPolls > 0 ? "PENDING_REGISTRATION" : FailNextRegistration is null ? "READY" : "FAILED_REGISTRATION",
            StatusMessage = PendingPolls > 0 ? null : FailNextRegistration,
        };
        FailNextRegistration = null;
        foreach (var t in Pairs(json["tags"]))
        {
            version.Tags[t.Key] = CheckTag(t.Key, t.Value);
        }

        if (version.RunId is not null && !_runs.ContainsKey(version.RunId))
        {
            throw new FakeError(404, "RESOURCE_DOES_NOT_EXIST", $"Run with id={version.RunId} not found");
        }

        model.Versions.Add(version);
        return Json(200, new JsonObject { ["model_version"] = VersionJson(model, version) });
    }

    private (int, byte[], string) GetVersion(string name, string versionText)
    {
        var model = Model(name);
        var version = Version(model, versionText);
        if (version.Status == "PENDING_REGISTRATION" && --version.PollsLeft <= 0)
        {
            version.Status = version.FailWith is null ? "READY" : "FAILED_REGISTRATION";
            version.StatusMessage = version.FailWith;
        }

        return Json(200, new JsonObject { ["model_version"] = VersionJson(model, version) });
    }

    private (int, byte[], string) SearchVersions(Dictionary<string, string> query)
    {
        var filter = query.GetValueOrDefault("filter") ?? string.Empty;

        // The one filter form the client uses; MLflow parses the full grammar.
        if (!filter.StartsWith("name='", StringComparison.Ordinal) || !filter.EndsWith('\'') || filter.Length < 8)
        {
            throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"Invalid filter '{filter}'.");
        }

        var name = filter[6..^1];
        var versions = _models.TryGetValue(name, out var model)
            ? model.Versions.OrderByDescending(v => v.Version).Select(v => (model, v)).ToList()
            : [];
        var (page, next) = Page(versions, query);
        var result = new JsonObject { ["model_versions"] = new JsonArray([.. page.Select(p => (JsonNode)VersionJson(p.model, p.v))]) };
        if (next is not null)
        {
            result["next_page_token"] = next;
        }

        return Json(200, result);
    }

    private (int, byte[], string) SetVersionTag(JsonObject json)
    {
        var model = Model(Str(json, "name"));
        var version = Version(model, Str(json, "version"));
        var key = Str(json, "key");
        version.Tags[key] = CheckTag(key, Str(json, "value"));
        return Json(200, new JsonObject());
    }

    private (List<T> Page, string? Next) Page<T>(List<T> all, Dictionary<string, string> query)
    {
        var max = query.TryGetValue("max_results", out var m) ? int.Parse(m, CultureInfo.InvariantCulture) : 100;
        var size = Math.Min(max, MaxPageSize);
        var offset = query.TryGetValue("page_token", out var t) ? int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(t)), CultureInfo.InvariantCulture) : 0;
        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + size < all.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + size).ToString(CultureInfo.InvariantCulture))) : null;
        return (page, next);
    }

    private JsonObject ModelJson(FakeModel model)
    {
        var latest = model.Versions.Where(v => v.Status == "READY").OrderByDescending(v => v.Version).Take(1);
        return new JsonObject
        {
            ["name"] = model.Name,
            ["creation_timestamp"] = Int64(model.Created),
            ["last_updated_timestamp"] = Int64(model.Updated ?? model.Created),
            ["latest_versions"] = new JsonArray([.. latest.Select(v => (JsonNode)VersionJson(model, v))]),
            ["tags"] = new JsonArray([.. model.Tags.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["value"] = t.Value })]),
            ["aliases"] = new JsonArray([.. model.Aliases.Select(a => (JsonNode)new JsonObject { ["alias"] = a.Key, ["version"] = a.Value.ToString(CultureInfo.InvariantCulture) })]),
        };
    }

    private JsonObject VersionJson(FakeModel model, FakeVersion v)
    {
        var json = new JsonObject
        {
            ["name"] = model.Name,
            ["version"] = v.Version.ToString(CultureInfo.InvariantCulture),
            ["creation_timestamp"] = Int64(v.Created),
            ["last_updated_timestamp"] = Int64(v.Created),
            ["current_stage"] = "None",
            ["description"] = string.Empty,
            ["source"] = v.Source,
            ["status"] = v.Status,
            ["tags"] = new JsonArray([.. v.Tags.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["value"] = t.Value })]),
            ["aliases"] = new JsonArray([.. model.Aliases.Where(a => a.Value == v.Version).Select(a => (JsonNode)JsonValue.Create(a.Key))]),
        };
        if (v.RunId is not null)
        {
            json["run_id"] = v.RunId;
        }

        if (v.StatusMessage is not null)
        {
            json["status_message"] = v.StatusMessage;
        }

        return json;
    }

    private JsonObject RunInfo(FakeRun run)
    {
        var info = new JsonObject
        {
            ["run_id"] = run.RunId,
            ["run_uuid"] = run.RunId,
            ["experiment_id"] = run.ExperimentId,
            ["status"] = run.Status,
            ["start_time"] = Int64(run.StartTime),
            ["artifact_uri"] = $"mlflow-artifacts:/{run.ExperimentId}/{run.RunId}/artifacts",
            ["lifecycle_stage"] = "active",
        };
        if (run.RunName is not null)
        {
            info["run_name"] = run.RunName;
        }

        if (run.EndTime is { } end)
        {
            info["end_time"] = Int64(end);
        }

        return info;
    }

    private FakeModel Model(string name) =>
        _models.TryGetValue(name, out var m) ? m : throw new FakeError(404, "RESOURCE_DOES_NOT_EXIST", $"Registered Model with name={name} not found");

    private static FakeVersion Version(FakeModel model, string version) =>
        int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && model.Versions.SingleOrDefault(v => v.Version == n) is { } found
            ? found
            : throw new FakeError(404, "RESOURCE_DOES_NOT_EXIST", $"Model Version (name={model.Name}, version={version}) not found");

    private FakeRun RunOf(string id) =>
        _runs.TryGetValue(id, out var r) ? r : throw new FakeError(404, "RESOURCE_DOES_NOT_EXIST", $"Run with id={id} not found");

    private static string CheckTag(string key, string value)
    {
        // mlflow/utils/validation.py: MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH.
        if (key.Length > 250 || value.Length > 5000)
        {
            throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"Tag '{key}' exceeds the length limit (key 250, value 5000).");
        }

        return value;
    }

    private static IEnumerable<KeyValuePair<string, string>> Pairs(JsonNode? array) =>
        (array?.AsArray() ?? []).Select(n => new KeyValuePair<string, string>(Str(n!.AsObject(), "key"), Str(n!.AsObject(), "value")));

    private static string Str(JsonObject json, string field) =>
        json[field] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0
            ? s
            : throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"Missing value for required parameter '{field}'.");

    private static string Required(Dictionary<string, string> query, string field) =>
        query.TryGetValue(field, out var v) && v.Length > 0 ? v : throw new FakeError(400, "INVALID_PARAMETER_VALUE", $"Missing value for required parameter '{field}'.");

    private static long? ReadInt64(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<long>(out var n) => n,
        JsonValue v when v.TryGetValue<string>(out var s) => long.Parse(s, CultureInfo.InvariantCulture),
        _ => throw new FakeError(400, "INVALID_PARAMETER_VALUE", "Expected an int64."),
    };

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            result[key] = eq < 0 ? string.Empty : Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' '));
        }

        return result;
    }

    private static JsonObject Error(string code, string message) => new() { ["error_code"] = code, ["message"] = message };

    private static (int, byte[], string) Json(int status, JsonNode body) => (status, Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json");

    private JsonNode Int64(long value) => Int64AsStrings ? JsonValue.Create(value.ToString(CultureInfo.InvariantCulture)) : JsonValue.Create(value);

    private long Tick() => _clock += 1000;

    public sealed class FakeRun
    {
        public required string RunId { get; init; }

        public required string ExperimentId { get; init; }

        public string? RunName { get; init; }

        public string Status { get; set; } = "RUNNING";

        public long StartTime { get; init; }

        public long? EndTime { get; set; }

        public Dictionary<string, string> Params { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

        public List<(string Key, double Value, long Timestamp, long Step)> Metrics { get; } = [];

        public List<(int Params, int Metrics, int Tags)> BatchSizes { get; } = [];
    }

    private sealed class FakeModel
    {
        public required string Name { get; init; }

        public long Created { get; init; }

        public long? Updated { get; set; }

        public int NextVersion { get; set; } = 1;

        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> Aliases { get; } = new(StringComparer.Ordinal);

        public List<FakeVersion> Versions { get; } = [];
    }

    private sealed class FakeVersion
    {
        public int Version { get; init; }

        public long Created { get; init; }

        public required string Source { get; init; }

        public string? RunId { get; init; }

        public string Status { get; set; } = "PENDING_REGISTRATION";

        public string? StatusMessage { get; set; }

        public int PollsLeft { get; set; }

        public string? FailWith { get; init; }

        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);
    }

    private sealed class FakeError(int status, string code, string message) : Exception(message)
    {
        public int Status { get; } = status;

        public string Code { get; } = code;
    }
}
