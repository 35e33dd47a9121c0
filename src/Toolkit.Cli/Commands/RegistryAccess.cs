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

    /// <summary>
    /// models/&lt;name&gt;/model.yaml of the project. A model exists for the toolkit only when its policy does,
    /// so an unknown name (a typo) is refused with the closest model folder suggested.
    /// </summary>
    public static string PolicyPath(ProjectSettings settings, string model)
    {
        var path = PolicyFile(settings, model);
        if (File.Exists(path))
        {
            return path;
        }

        var known = KnownModels(settings);
        var relative = Path.GetRelativePath(settings.Root, path).Replace('\\', '/');
        var hint = DidYouMean.Suffix(model, known) is { Length: > 0 } suggestion
            ? suggestion
            : known.Count == 0 ? "; the project has no models/<name>/model.yaml yet" : $"; models: {string.Join(", ", known)}";
        throw new UsageException($"no model '{model}': {relative} does not exist{hint}");
    }

    /// <summary>Where models/&lt;name&gt;/model.yaml is, whether or not it exists; a name that is not a model name is refused.</summary>
    public static string PolicyFile(ProjectSettings settings, string model)
    {
        if (!ModelNames.IsValid(model))
        {
            // A name never becomes a path outside models/ ('../../x').
            throw new UsageException($"'{model}' is not a model name: use lowercase letters, digits and dashes, starting with a letter");
        }

        return Path.Combine(settings.Root, "models", model, "model.yaml");
    }

    /// <summary>The project's models: the folders under models/ that hold a model.yaml, by name.</summary>
    public static IReadOnlyList<string> KnownModels(ProjectSettings settings)
    {
        var folder = Path.Combine(settings.Root, "models");
        return Directory.Exists(folder)
            ? [.. Directory.EnumerateDirectories(folder)
                .Where(d => File.Exists(Path.Combine(d, "model.yaml")))
                .Select(d => Path.GetFileName(d))
                .Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>The refusal for a model the registry does not hold, with the closest registered name suggested.</summary>
    public static async Task<RegistryException> UnknownModelAsync(IModelRegistry registry, string model, CancellationToken cancellationToken)
    {
        var registered = (await registry.ListModelsAsync(cancellationToken)).Select(m => m.Name).ToList();
        var hint = DidYouMean.Suffix(model, registered) is { Length: > 0 } suggestion ? suggestion : "; see 'mlops model list'";
        return new RegistryException($"no model '{model}' is registered in the {registry.Backend} registry{hint}");
    }

    /// <summary>The promotion rules of models/&lt;name&gt;/model.yaml; with <c>model.signature_required</c>, the verify key from the environment.</summary>
    public static PromotionPolicy Promotion(ModelPolicy policy) => new(
        [.. Stages.Ordered.Select(stage =>
        {
            var s = policy.Stage(stage);
            return new Toolkit.Registry.Promotion.StagePolicy(stage, s.Approvals, s.Approvers);
        })])
    {
        SignatureRequired = policy.SignatureRequired,
        VerifyKey = policy.SignatureRequired ? ModelSigningCommands.VerifyKeyFromEnvironment(required: false) : null,
        Source = policy.Source,
    };

    /// <summary>Who is acting: --actor, else CI's actor, else the OS user.</summary>
    public static string Actor(string? given) => Actors.Resolve(given);
}
