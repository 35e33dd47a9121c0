using System.Text.Json;
using k8s;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Argo.Submit;

/// <summary>Where the cluster is (kubeconfig or in-cluster) and how a submission is recorded and reported.</summary>
public static class ArgoCluster
{
    /// <summary>The kubeconfig file given, else KUBECONFIG / ~/.kube/config, else the pod's service account.</summary>
    public static KubernetesClientConfiguration Configuration(string? kubeconfig)
    {
        try
        {
            return kubeconfig is not null
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)
                : KubernetesClientConfiguration.BuildDefaultConfig();
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
        {
            throw new ArgoSubmitException($"no usable Kubernetes configuration{(kubeconfig is null ? "" : " in " + kubeconfig)}: {ex.Message}", ex) { IsBadInput = true };
        }
    }

    /// <summary>The run's params as recorded: the pipeline's resolved params, and the workflow's name, UID and namespace under <c>argo.*</c>.</summary>
    public static string RunParams(IReadOnlyDictionary<string, string> parameters, SubmittedWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(workflow);
        var all = new SortedDictionary<string, string>(parameters.ToDictionary(), StringComparer.Ordinal)
        {
            ["argo.workflow"] = workflow.Name,
            ["argo.uid"] = workflow.Uid,
            ["argo.namespace"] = workflow.Namespace,
        };
        return JsonSerializer.Serialize(all);
    }

    public static StepStatus StepStatusOf(string phase) => phase switch
    {
        "Succeeded" => StepStatus.Succeeded,
        "Failed" or "Error" => StepStatus.Failed,
        "Skipped" or "Omitted" => StepStatus.Skipped,
        "Running" => StepStatus.Running,
        _ => StepStatus.Pending,
    };

    public static object ToJson(string runId, SubmittedWorkflow workflow, WorkflowResult? result) => new
    {
        run_id = runId,
        workflow = workflow.Name,
        uid = workflow.Uid,
        @namespace = workflow.Namespace,
        phase = result?.Phase ?? "Submitted",
        message = result?.Message,
        steps = result?.Tasks.Values.OrderBy(t => t.Task, StringComparer.Ordinal).Select(t => new { name = t.Task, phase = t.Phase, message = t.Message }).ToList(),
    };
}
