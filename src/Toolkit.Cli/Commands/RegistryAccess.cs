using Toolkit.Components;
using Toolkit.Gates;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Project;
using Toolkit.Registry;
using Toolkit.Registry.Embedded;
using Toolkit.Registry.Mlflow;
using Toolkit.Registry.Promotion;

namespace Toolkit.Cli.Commands;

/// <summary>
/// The project's registry and tracker: MLflow when <c>MLFLOW_TRACKING_URI</c> is set or toolkit.yaml
/// says <c>registry: { backend: mlflow }</c>; otherwise the embedded registry under the store.
/// </summary>
internal static class RegistryAccess
{
    public static bool UsesMlflow(ProjectSettings settings) =>
        Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI") is { Length: > 0 } || settings.RegistryBackend == "mlflow";

    public static string EmbeddedRoot(ProjectSettings settings) => Path.Combine(settings.Store, "registry");

    public static async Task<IModelRegistry> OpenAsync(ProjectSettings settings, CancellationToken cancellationToken)
    {
        if (UsesMlflow(settings))
        {
            var options = MlflowClientOptions.FromEnvironment(
                Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI") is { Length: > 0 } uri ? uri : settings.MlflowTrackingUri);
            return new MlflowRegistry(options);
        }

        return await EmbeddedRegistry.OpenAsync(EmbeddedRoot(settings), cancellationToken: cancellationToken);
    }

    /// <summary>Where pipeline runs' parameters and metrics are tracked: MLflow runs, or the embedded tracker.</summary>
    public static async Task<(IRunTracker Tracker, IAsyncDisposable Owner)> OpenTrackerAsync(ProjectSettings settings, CancellationToken cancellationToken)
    {
        if (UsesMlflow(settings))
        {
            var registry = (MlflowRegistry)await OpenAsync(settings, cancellationToken);
            return (registry, registry);
        }

        var tracker = await EmbeddedRunTracker.OpenAsync(EmbeddedRoot(settings), cancellationToken: cancellationToken);
        return (tracker, tracker);
    }

    /// <summary>The built-in components, with gate/check able to find the champion in this project's registry.</summary>
    public static ComponentCatalog Components(ProjectSettings settings) =>
        BuiltInComponents.Create(async ct => await OpenAsync(settings, ct));

    /// <summary>models/&lt;name&gt;/model.yaml of the project.</summary>
    public static string PolicyPath(ProjectSettings settings, string model)
    {
        var path = Path.Combine(settings.Root, "models", model, "model.yaml");
        return File.Exists(path)
            ? path
            : throw new UsageException($"no policy for model '{model}': {path} does not exist.");
    }

    /// <summary>The promotion rules of models/&lt;name&gt;/model.yaml.</summary>
    public static PromotionPolicy Promotion(ModelPolicy policy) => new(
        [.. Stages.Ordered.Select(stage =>
        {
            var s = policy.Stage(stage);
            return new Toolkit.Registry.Promotion.StagePolicy(stage, s.Approvals, s.Approvers);
        })]);

    /// <summary>Who is acting: --actor, else CI's actor, else the OS user.</summary>
    public static string Actor(string? given) =>
        given is { Length: > 0 } ? given
        : Environment.GetEnvironmentVariable("GITHUB_ACTOR") is { Length: > 0 } actor ? actor
        : Environment.UserName;
}
