using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace Toolkit.Argo.Submit;

/// <summary>A submission the cluster refused or that could not be watched; the message says what to do.</summary>
public sealed class ArgoSubmitException : Exception
{
    public ArgoSubmitException(string message)
        : base(message)
    {
    }

    public ArgoSubmitException()
    {
    }

    public ArgoSubmitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the request itself was wrong (an existing name, an invalid object): bad input, not a failure.</summary>
    public bool IsBadInput { get; init; }
}

/// <summary>A created workflow: its name (from generateName), UID and namespace.</summary>
public sealed record SubmittedWorkflow(string Name, string Uid, string Namespace, string ResourceVersion);

/// <summary>A task's phase as the workflow's status reports it (Pending, Running, Succeeded, Failed, Error, Skipped, Omitted).</summary>
public sealed record TaskPhase(string Task, string Phase, string? Message, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>How a watched workflow ended.</summary>
public sealed record WorkflowResult(string Phase, string? Message, IReadOnlyDictionary<string, TaskPhase> Tasks)
{
    public bool Succeeded => Phase == "Succeeded";
}

/// <summary>
/// Creates Argo workflows through the Kubernetes API (<c>workflows.argoproj.io/v1alpha1</c> in a
/// namespace) and watches one until it ends, reporting each task's phase as it changes.
/// </summary>
public sealed class ArgoSubmitter(IKubernetes client)
{
    public const string Group = "argoproj.io";
    public const string Version = "v1alpha1";
    public const string Plural = "workflows";

    private static readonly string[] Final = ["Succeeded", "Failed", "Error"];

    public async Task<SubmittedWorkflow> CreateAsync(JsonObject workflow, string ns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentException.ThrowIfNullOrWhiteSpace(ns);
        if (workflow["kind"]?.GetValue<string>() != ArgoCompiler.WorkflowKind)
        {
            throw new ArgoSubmitException("only a Workflow can be submitted (compile without --kind WorkflowTemplate)") { IsBadInput = true };
        }

        var body = workflow.DeepClone().AsObject();
        body["metadata"]!.AsObject()["namespace"] = ns;
        JsonElement created;
        try
        {
            created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(body, Group, Version, ns, Plural, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex)
        {
            throw Refused(ex, ns, body["metadata"]?["name"]?.GetValue<string>() ?? body["metadata"]?["generateName"]?.GetValue<string>());
        }

        var metadata = created.GetProperty("metadata");
        return new SubmittedWorkflow(
            metadata.GetProperty("name").GetString()!,
            metadata.GetProperty("uid").GetString()!,
            ns,
            metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() ?? "" : "");
    }

    /// <summary>Follows the workflow until its phase is final; <paramref name="onChange"/> sees each task whose phase changed.</summary>
    public async Task<WorkflowResult> WatchAsync(SubmittedWorkflow workflow, Action<TaskPhase> onChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(onChange);
        var seen = new Dictionary<string, TaskPhase>(StringComparer.Ordinal);
        var resourceVersion = workflow.ResourceVersion;
        Exception? watchError = null;

        // A watch may end (the server's timeout) before the workflow does: watch again from the last version seen.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var events = client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                Group, Version, workflow.Namespace, Plural,
                fieldSelector: "metadata.name=" + workflow.Name,
                resourceVersion: resourceVersion.Length > 0 ? resourceVersion : null,
                onError: e => watchError = e,
                cancellationToken: cancellationToken);
            try
            {
                await foreach (var (type, raw) in events)
                {
                    var item = raw is JsonElement element ? element : JsonSerializer.SerializeToElement(raw);
                    if (type == WatchEventType.Deleted)
                    {
                        throw new ArgoSubmitException($"workflow {workflow.Namespace}/{workflow.Name} was deleted while it ran");
                    }

                    if (type == WatchEventType.Error)
                    {
                        throw new ArgoSubmitException($"the watch of {workflow.Namespace}/{workflow.Name} failed: {Message(item) ?? item.ToString()}");
                    }

                    if (item.TryGetProperty("metadata", out var md) && md.TryGetProperty("resourceVersion", out var v))
                    {
                        resourceVersion = v.GetString() ?? resourceVersion;
                    }

                    foreach (var task in Tasks(item))
                    {
                        if (!seen.TryGetValue(task.Task, out var before) || before.Phase != task.Phase)
                        {
                            seen[task.Task] = task;
                            onChange(task);
                        }
                    }

                    var phase = Status(item, "phase");
                    if (phase is not null && Final.Contains(phase))
                    {
                        return new WorkflowResult(phase, Status(item, "message"), seen);
                    }
                }
            }
            catch (HttpOperationException ex)
            {
                throw Refused(ex, workflow.Namespace, workflow.Name);
            }

            if (watchError is not null)
            {
                throw new ArgoSubmitException($"the watch of {workflow.Namespace}/{workflow.Name} failed: {watchError.Message}", watchError);
            }
        }

        throw new ArgoSubmitException($"the watch of {workflow.Namespace}/{workflow.Name} kept ending before the workflow did");
    }

    /// <summary>The DAG's tasks (pod nodes, by display name) with their phases.</summary>
    internal static IEnumerable<TaskPhase> Tasks(JsonElement workflow)
    {
        if (!workflow.TryGetProperty("status", out var status) || !status.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var node in nodes.EnumerateObject().OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var n = node.Value;
            var type = n.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type is not ("Pod" or "Skipped" or "Retry"))
            {
                continue;
            }

            // A retried task has a Retry node and pod nodes "(0)", "(1)": the Retry node's phase is the task's.
            if (type == "Pod" && n.TryGetProperty("boundaryID", out _) && n.TryGetProperty("name", out var full) && full.GetString()!.EndsWith(')'))
            {
                continue;
            }

            yield return new TaskPhase(
                n.TryGetProperty("displayName", out var d) ? d.GetString()! : node.Name,
                n.TryGetProperty("phase", out var p) ? p.GetString() ?? "Pending" : "Pending",
                n.TryGetProperty("message", out var m) ? m.GetString() : null,
                Time(n, "startedAt"),
                Time(n, "finishedAt"));
        }
    }

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private static string? Status(JsonElement workflow, string field) =>
        workflow.TryGetProperty("status", out var s) && s.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? Message(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("message", out var m) ? m.GetString() : null;

    private static ArgoSubmitException Refused(HttpOperationException ex, string ns, string? name)
    {
        var code = ex.Response?.StatusCode;
        string? reason = null;
        try
        {
            using var doc = JsonDocument.Parse(ex.Response?.Content ?? "{}");
            reason = Message(doc.RootElement);
        }
        catch (JsonException)
        {
        }

        return code switch
        {
            HttpStatusCode.Conflict => new ArgoSubmitException($"a workflow named '{name}' already exists in namespace '{ns}': {reason ?? "409 Conflict"}", ex) { IsBadInput = true },
            HttpStatusCode.Unauthorized => new ArgoSubmitException($"the cluster refused the credentials of the kubeconfig (401): {reason}", ex),
            HttpStatusCode.Forbidden => new ArgoSubmitException($"not allowed to create workflows in namespace '{ns}' (403; RBAC in docs/argo.md): {reason}", ex),
            HttpStatusCode.NotFound => new ArgoSubmitException($"workflows.argoproj.io not found in namespace '{ns}' (404): is Argo Workflows installed? {reason}", ex),
            HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest => new ArgoSubmitException($"the cluster refused the workflow ({(int)code}): {reason}", ex) { IsBadInput = true },
            _ => new ArgoSubmitException($"the Kubernetes API answered {(int?)code}: {reason ?? ex.Message}", ex),
        };
    }
}
