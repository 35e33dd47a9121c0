using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Toolkit.GitHub.Tests;

/// <summary>One request the fake received.</summary>
internal sealed record FakeRequest(string Method, string Path, string? Authorization, string? Accept, string Body);

/// <summary>An answer the fake gives instead of the real one, once (to test retries and errors).</summary>
internal sealed record CannedAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A small stateful GitHub on 127.0.0.1 (Kestrel, port 0) for the sequences Prism cannot play (it does not keep
/// state): comments that are listed, created and edited, check runs found again by external id, commit statuses,
/// run approvals, deployments and their statuses. Bodies follow GitHub's documented responses, trimmed to the
/// fields the toolkit reads. Everything is served under <see cref="BasePath"/> so tests can prove the API URL
/// is used exactly as given.
/// </summary>
internal sealed class FakeGitHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<CannedAnswer> _canned = new();
    private readonly object _gate = new();
    private long _nextId = 1000;

    private FakeGitHub(WebApplication app, string basePath)
    {
        _app = app;
        BasePath = basePath;
    }

    public string BasePath { get; }

    public string Token { get; init; } = "ghs_fakeTokenValue_0123456789abcdef";

    public string Repository { get; init; } = "acme/models";

    public Uri ApiUrl { get; private set; } = null!;

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    public List<JsonObject> Comments { get; } = [];

    public List<JsonObject> CheckRuns { get; } = [];

    public List<JsonObject> Statuses { get; } = [];

    public List<JsonObject> Deployments { get; } = [];

    public List<JsonObject> DeploymentStatuses { get; } = [];

    /// <summary>Reviews of runs: run id → the documented approval objects.</summary>
    public ConcurrentDictionary<long, List<JsonObject>> Approvals { get; } = new();

    public HashSet<int> PullRequests { get; } = [7];

    /// <summary>False: POST/PATCH check-runs answer 403 "Resource not accessible by integration" (no checks: write).</summary>
    public bool ChecksAllowed { get; set; } = true;

    public static async Task<FakeGitHub> StartAsync(string basePath = "/api/v3", Action<FakeGitHub>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeGitHub(app, basePath.TrimEnd('/'));
        configure?.Invoke(fake);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Urls.First();
        fake.ApiUrl = new Uri(address + fake.BasePath);
        return fake;
    }

    public void Enqueue(int status, string body = "{}", params (string Name, string Value)[] headers) =>
        _canned.Enqueue(new CannedAnswer(status, headers.ToDictionary(h => h.Name, h => h.Value), body));

    public void Approve(long runId, string reviewer, string environment, string? comment, string state = "approved") =>
        Approvals.GetOrAdd(runId, _ => []).Add(new JsonObject
        {
            ["state"] = state,
            ["comment"] = comment,
            ["environments"] = new JsonArray(new JsonObject
            {
                ["id"] = 161088068,
                ["node_id"] = "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
                ["name"] = environment,
                ["url"] = $"{ApiUrl}/repos/{Repository}/environments/{environment}",
                ["html_url"] = $"https://github.example/{Repository}/deployments/activity_log?environments_filter={environment}",
                ["created_at"] = "2026-11-23T22:00:40Z",
                ["updated_at"] = "2026-11-23T22:00:40Z",
            }),
            ["user"] = User(reviewer),
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = http.Request.Path.Value ?? "";
        Requests.Enqueue(new FakeRequest(http.Request.Method, path + http.Request.QueryString, http.Request.Headers.Authorization.ToString(), http.Request.Headers.Accept.ToString(), body));

        if (_canned.TryDequeue(out var canned))
        {
            foreach (var (name, value) in canned.Headers)
            {
                http.Response.Headers[name] = value;
            }

            await WriteAsync(http, canned.Status, canned.Body);
            return;
        }

        var authorization = http.Request.Headers.Authorization.ToString();
        // GitHub takes both schemes, in any case (Octokit sends "Token").
        if (!string.Equals(authorization, $"token {Token}", StringComparison.OrdinalIgnoreCase) && !string.Equals(authorization, $"bearer {Token}", StringComparison.OrdinalIgnoreCase))
        {
            await WriteAsync(http, 401, """{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}""");
            return;
        }

        if (!path.StartsWith(BasePath + "/", StringComparison.Ordinal))
        {
            await NotFoundAsync(http);
            return;
        }

        var parts = path[(BasePath.Length + 1)..].Split('/');
        if (parts.Length < 3 || parts[0] != "repos" || $"{parts[1]}/{parts[2]}" != Repository)
        {
            await NotFoundAsync(http);
            return;
        }

        var rest = parts[3..];
        var method = http.Request.Method;
        JsonNode? input = body.Length == 0 ? null : JsonNode.Parse(body);
        lock (_gate)
        {
            (var status, var answer) = Route(method, rest, input, http.Request.Query["check_name"].ToString());
            http.Response.StatusCode = status;
            http.Items["answer"] = answer;
        }

        await WriteAsync(http, http.Response.StatusCode, http.Items["answer"] is JsonNode node ? node.ToJsonString() : """{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}""");
    }

    private (int Status, JsonNode? Answer) Route(string method, string[] rest, JsonNode? input, string checkName)
    {
        switch (method, rest)
        {
            case ("GET", []):
                return (200, new JsonObject { ["id"] = 1296269, ["name"] = Repository.Split('/')[1], ["full_name"] = Repository, ["private"] = false });

            case ("GET", ["pulls", var n, "files"]):
                return PullRequests.Contains(int.Parse(n, CultureInfo.InvariantCulture))
                    ? (200, new JsonArray(new JsonObject { ["sha"] = "bbcd538c8e72b8c175046e27cc8f907076331401", ["filename"] = "models/diabetes/model.yaml", ["status"] = "modified", ["additions"] = 1, ["deletions"] = 1, ["changes"] = 2 }))
                    : (404, null);

            case ("GET", ["pulls", var n]):
                var number = int.Parse(n, CultureInfo.InvariantCulture);
                return PullRequests.Contains(number)
                    ? (200, new JsonObject { ["id"] = 1, ["number"] = number, ["state"] = "open", ["title"] = "a change", ["head"] = new JsonObject { ["sha"] = "0123456789abcdef0123456789abcdef01234567", ["ref"] = "feature" } })
                    : (404, null);

            case ("GET", ["issues", var n, "comments"]):
                return (200, new JsonArray([.. Comments.Where(c => (int)c["issue"]! == int.Parse(n, CultureInfo.InvariantCulture)).Select(c => c.DeepClone())]));

            case ("POST", ["issues", var n, "comments"]):
                var comment = Comment(NextId(), int.Parse(n, CultureInfo.InvariantCulture), (string)input!["body"]!);
                Comments.Add(comment);
                return (201, comment.DeepClone());

            case ("PATCH", ["issues", "comments", var id]):
                var existing = Comments.FirstOrDefault(c => (long)c["id"]! == long.Parse(id, CultureInfo.InvariantCulture));
                if (existing is null)
                {
                    return (404, null);
                }

                existing["body"] = (string)input!["body"]!;
                existing["updated_at"] = "2026-12-01T12:00:00Z";
                return (200, existing.DeepClone());

            case ("GET", ["commits", var sha, "check-runs"]):
                var runs = CheckRuns.Where(r => (string)r["head_sha"]! == sha && (checkName.Length == 0 || (string)r["name"]! == checkName)).Select(r => r.DeepClone()).ToArray();
                return (200, new JsonObject { ["total_count"] = runs.Length, ["check_runs"] = new JsonArray(runs) });

            case ("POST", ["check-runs"]):
                if (!ChecksAllowed)
                {
                    return (403, new JsonObject { ["message"] = "Resource not accessible by integration", ["documentation_url"] = "https://docs.github.com/rest/checks/runs#create-a-check-run" });
                }

                var run = (JsonObject)input!.DeepClone();
                run["id"] = NextId();
                run["html_url"] = $"https://github.example/{Repository}/runs/{run["id"]}";
                CheckRuns.Add(run);
                return (201, run.DeepClone());

            case ("PATCH", ["check-runs", var id]):
                var found = CheckRuns.FirstOrDefault(r => (long)r["id"]! == long.Parse(id, CultureInfo.InvariantCulture));
                if (found is null)
                {
                    return (404, null);
                }

                foreach (var (key, value) in (JsonObject)input!)
                {
                    found[key] = value?.DeepClone();
                }

                return (200, found.DeepClone());

            case ("POST", ["statuses", var sha]):
                var status = (JsonObject)input!.DeepClone();
                status["id"] = NextId();
                status["sha"] = sha;
                Statuses.Add(status);
                return (201, status.DeepClone());

            case ("GET", ["actions", "runs", var id, "approvals"]):
                return (200, new JsonArray([.. (Approvals.TryGetValue(long.Parse(id, CultureInfo.InvariantCulture), out var list) ? list : []).Select(a => a.DeepClone())]));

            case ("POST", ["deployments"]):
                var deployment = (JsonObject)input!.DeepClone();
                deployment["id"] = NextId();
                deployment["sha"] = deployment["ref"]?.DeepClone();
                deployment["url"] = $"{ApiUrl}/repos/{Repository}/deployments/{deployment["id"]}";
                deployment["creator"] = User("github-actions[bot]");
                deployment["created_at"] = "2026-12-01T12:00:00Z";
                Deployments.Add(deployment);
                return (201, deployment.DeepClone());

            case ("GET", ["deployments"]):
                return (200, new JsonArray([.. Deployments.AsEnumerable().Reverse().Select(d => d.DeepClone())]));

            case ("POST", ["deployments", var id, "statuses"]):
                var deploymentId = long.Parse(id, CultureInfo.InvariantCulture);
                if (Deployments.All(d => (long)d["id"]! != deploymentId))
                {
                    return (404, null);
                }

                var deploymentStatus = (JsonObject)input!.DeepClone();
                deploymentStatus["id"] = NextId();
                deploymentStatus["deployment_id"] = deploymentId;
                deploymentStatus["creator"] = User("github-actions[bot]");
                DeploymentStatuses.Add(deploymentStatus);
                return (201, deploymentStatus.DeepClone());

            default:
                return (404, null);
        }
    }

    private long NextId() => Interlocked.Increment(ref _nextId);

    private JsonObject Comment(long id, int issue, string body) => new()
    {
        ["id"] = id,
        ["issue"] = issue,
        ["node_id"] = "MDEyOklzc3VlQ29tbWVudDE=",
        ["url"] = $"{ApiUrl}/repos/{Repository}/issues/comments/{id}",
        ["html_url"] = $"https://github.example/{Repository}/pull/{issue}#issuecomment-{id}",
        ["body"] = body,
        ["user"] = User("github-actions[bot]"),
        ["created_at"] = "2026-12-01T11:00:00Z",
        ["updated_at"] = "2026-12-01T11:00:00Z",
        ["author_association"] = "NONE",
    };

    private static JsonObject User(string login) => new() { ["login"] = login, ["id"] = 1, ["type"] = "User", ["site_admin"] = false };

    private static Task NotFoundAsync(HttpContext http) =>
        WriteAsync(http, 404, """{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}""");

    private static async Task WriteAsync(HttpContext http, int status, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(body);
    }
}
