using System.Globalization;
using System.Text.RegularExpressions;
using Toolkit.Yaml;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Pipelines.Project;

/// <summary>A <c>toolkit.yaml</c> that cannot be used; the message names the file, line and field.</summary>
public sealed class ProjectSettingsException : Exception
{
    public ProjectSettingsException(string message)
        : base(message)
    {
    }

    public ProjectSettingsException()
    {
    }

    public ProjectSettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Project settings from <c>toolkit.yaml</c> (found in the working folder or above it): where the
/// store lives, the default executor and parallelism, the registry backend, the images' base. Paths
/// are relative to the file's folder. Every setting has a default, so the file is optional.
/// </summary>
public sealed partial record ProjectSettings
{
    public const string FileName = "toolkit.yaml";

    /// <summary>The base image made locally by docker/base/make-base.sh: the offline default of <see cref="BaseImage"/>.</summary>
    public const string DefaultBaseImage = "toolkit/base:bookworm";

    /// <summary>The folder of toolkit.yaml (or the working folder when there is none).</summary>
    public required string Root { get; init; }

    /// <summary>The file these settings came from; null for defaults.</summary>
    public string? File { get; init; }

    /// <summary>The state folder: artifacts, metadata database, runs (default <c>.toolkit</c>).</summary>
    public required string Store { get; init; }

    public string Executor { get; init; } = "local";

    public int MaxParallel { get; init; } = Environment.ProcessorCount;

    /// <summary><c>embedded</c> (default) or <c>mlflow</c>.</summary>
    public string RegistryBackend { get; init; } = "embedded";

    public string? MlflowTrackingUri { get; init; }

    /// <summary>
    /// <c>images.base</c>: what the components image builds FROM. The locally made base by default (nothing can be
    /// pulled here); <c>mcr.microsoft.com/dotnet/aspnet:10.0</c> where images can be pulled.
    /// </summary>
    public string BaseImage { get; init; } = DefaultBaseImage;

    /// <summary><c>argo:</c>: how <c>mlops pipeline compile --target argo</c> and <c>submit</c> fill in the cluster's side.</summary>
    public ArgoSettings Argo { get; init; } = new();

    /// <summary><c>components:</c>: the team's C# projects whose components and feature transforms the pipelines use.</summary>
    public IReadOnlyList<TeamProjectReference> Components { get; init; } = [];

    /// <summary>
    /// Whether <paramref name="image"/> reads as an image reference: <c>[registry[:port]/]name[:tag][@sha256:digest]</c>,
    /// lowercase name components as Docker requires.
    /// </summary>
    public static bool IsImageReference(string image) => !string.IsNullOrEmpty(image) && ImageReference().IsMatch(image);

    /// <summary>Settings for the project around <paramref name="workingDirectory"/>: its toolkit.yaml, or defaults.</summary>
    public static ProjectSettings Discover(string workingDirectory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(workingDirectory)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, FileName);
            if (System.IO.File.Exists(candidate))
            {
                return Load(candidate);
            }
        }

        var root = Path.GetFullPath(workingDirectory);
        return new ProjectSettings { Root = root, Store = Path.Combine(root, ".toolkit") };
    }

    public static ProjectSettings Load(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetDirectoryName(full)!;
        var settings = new ProjectSettings { Root = root, File = full, Store = Path.Combine(root, ".toolkit") };
        var (text, unreadable) = YamlText.ReadFile(full);
        if (unreadable is not null)
        {
            throw new ProjectSettingsException($"{path}:{unreadable.Position}: {unreadable.Message}");
        }

        var load = YamlText.Load(text!, "toolkit.yaml is a mapping of settings");
        if (load.IsEmpty)
        {
            return settings;
        }

        if (load.Problem is { } problem)
        {
            throw new ProjectSettingsException($"{path}:{problem.Position}: {problem.Message}");
        }

        if (load.Root is not YamlMappingNode map)
        {
            throw new ProjectSettingsException($"{path}:{YamlPosition.Of(load.Root)}: toolkit.yaml is a mapping of settings (store, executor, registry, ...), not {YamlText.Describe(load.Root!)}");
        }

        string Where(YamlNode n) => $"{path}:{n.Start.Line}:{n.Start.Column}";
        string ScalarOf(YamlNode n, string key) => n is YamlScalarNode s && s.Value is { } v
            ? v
            : throw new ProjectSettingsException($"{Where(n)}: '{key}' must be a single value");

        string[] known = ["apiVersion", "kind", "store", "executor", "max_parallel", "registry", "images", "argo", "components"];
        foreach (var (k, v) in map.Children)
        {
            var key = KeyOf(k, Where);
            switch (key)
            {
                case "apiVersion":
                    var version = ScalarOf(v, key);
                    if (version != "toolkit/v1")
                    {
                        throw new ProjectSettingsException($"{Where(v)}: apiVersion must be toolkit/v1, not '{version}'");
                    }

                    break;
                case "kind":
                    var kind = ScalarOf(v, key);
                    if (kind != "Project")
                    {
                        throw new ProjectSettingsException($"{Where(v)}: kind must be Project in toolkit.yaml, not '{kind}'");
                    }

                    break;
                case "store":
                    var store = ScalarOf(v, key);
                    settings = string.IsNullOrWhiteSpace(store)
                        ? throw new ProjectSettingsException($"{Where(v)}: store must be a folder (default .toolkit), not empty")
                        : settings with { Store = Path.GetFullPath(Path.Combine(root, store)) };
                    break;
                case "executor":
                    var executor = ScalarOf(v, key);
                    if (executor is not ("local" or "docker"))
                    {
                        throw new ProjectSettingsException($"{Where(v)}: executor must be local or docker, not '{executor}'");
                    }

                    settings = settings with { Executor = executor };
                    break;
                case "max_parallel":
                    settings = int.TryParse(ScalarOf(v, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                        ? settings with { MaxParallel = n }
                        : throw new ProjectSettingsException($"{Where(v)}: max_parallel must be a positive integer");
                    break;
                case "registry":
                    settings = ReadRegistry(settings, v, Where, ScalarOf);
                    break;
                case "images":
                    settings = ReadImages(settings, v, Where, ScalarOf);
                    break;
                case "argo":
                    settings = settings with { Argo = ReadArgo(v, Where, ScalarOf) };
                    break;
                case "components":
                    settings = settings with { Components = ReadComponents(root, v, Where, ScalarOf) };
                    break;
                default:
                    throw new ProjectSettingsException($"{Where(k)}: unknown setting '{key}'{DidYouMean.Suffix(key, known)}; valid settings: {string.Join(", ", known)}");
            }
        }

        return settings;
    }

    private static string KeyOf(YamlNode key, Func<YamlNode, string> where) =>
        key is YamlScalarNode { Value: { } name }
            ? name
            : throw new ProjectSettingsException($"{where(key)}: setting names are plain words, not {YamlText.Describe(key)}");

    private static List<TeamProjectReference> ReadComponents(string root, YamlNode node, Func<YamlNode, string> where, Func<YamlNode, string, string> scalarOf)
    {
        if (node is not YamlSequenceNode list)
        {
            throw new ProjectSettingsException($"{where(node)}: 'components' must be a list of C# project files (e.g. [pipelines/diabetes/features/Diabetes.Features.csproj])");
        }

        var result = new List<TeamProjectReference>();
        foreach (var item in list.Children)
        {
            var text = scalarOf(item, "components").Trim();
            if (!text.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            {
                throw new ProjectSettingsException($"{where(item)}: components entry '{text}' is not a C# project file (*.csproj)");
            }

            var full = Path.GetFullPath(Path.Combine(root, text));
            if (result.Any(r => string.Equals(r.Path, full, StringComparison.Ordinal)))
            {
                throw new ProjectSettingsException($"{where(item)}: components entry '{text}' is listed twice");
            }

            result.Add(new TeamProjectReference(full, text, where(item)));
        }

        return result;
    }

    private static ProjectSettings ReadRegistry(ProjectSettings settings, YamlNode node, Func<YamlNode, string> where, Func<YamlNode, string, string> scalarOf)
    {
        if (node is not YamlMappingNode map)
        {
            throw new ProjectSettingsException($"{where(node)}: 'registry' must be a mapping (backend, tracking_uri)");
        }

        foreach (var (k, v) in map.Children)
        {
            var key = KeyOf(k, where);
            switch (key)
            {
                case "backend":
                    var backend = scalarOf(v, key);
                    settings = backend is "embedded" or "mlflow"
                        ? settings with { RegistryBackend = backend }
                        : throw new ProjectSettingsException($"{where(v)}: registry backend must be embedded or mlflow, not '{backend}'");
                    break;
                case "tracking_uri":
                    settings = settings with { MlflowTrackingUri = scalarOf(v, key) };
                    break;
                default:
                    throw new ProjectSettingsException($"{where(k)}: unknown registry setting '{key}'; valid: backend, tracking_uri");
            }
        }

        return settings;
    }

    private static ProjectSettings ReadImages(ProjectSettings settings, YamlNode node, Func<YamlNode, string> where, Func<YamlNode, string, string> scalarOf)
    {
        if (node is not YamlMappingNode map)
        {
            throw new ProjectSettingsException($"{where(node)}: 'images' must be a mapping (base)");
        }

        foreach (var (k, v) in map.Children)
        {
            var key = KeyOf(k, where);
            switch (key)
            {
                case "base":
                    var image = scalarOf(v, key).Trim();
                    settings = IsImageReference(image)
                        ? settings with { BaseImage = image }
                        : throw new ProjectSettingsException(
                            $"{where(v)}: images base '{image}' is not an image reference (e.g. {DefaultBaseImage} or mcr.microsoft.com/dotnet/aspnet:10.0)");
                    break;
                default:
                    throw new ProjectSettingsException($"{where(k)}: unknown images setting '{key}'{DidYouMean.Suffix(key, ["base"])}; valid: base");
            }
        }

        return settings;
    }

    private static ArgoSettings ReadArgo(YamlNode node, Func<YamlNode, string> where, Func<YamlNode, string, string> scalarOf)
    {
        string[] known = ["image", "namespace", "service_account", "image_pull_secrets", "artifact_repository", "pod_gc", "parallelism", "memoize_max_age"];
        if (node is not YamlMappingNode map)
        {
            throw new ProjectSettingsException($"{where(node)}: 'argo' must be a mapping ({string.Join(", ", known)})");
        }

        var argo = new ArgoSettings();
        foreach (var (k, v) in map.Children)
        {
            var key = KeyOf(k, where);
            switch (key)
            {
                case "image":
                    var image = scalarOf(v, key).Trim();
                    argo = IsImageReference(image)
                        ? argo with { Image = image }
                        : throw new ProjectSettingsException($"{where(v)}: argo image '{image}' is not an image reference (e.g. registry.example.com/toolkit/components@sha256:...)");
                    break;
                case "namespace":
                    argo = argo with { Namespace = KubernetesName(scalarOf(v, key), "argo namespace", where(v), 63) };
                    break;
                case "service_account":
                    argo = argo with { ServiceAccount = KubernetesName(scalarOf(v, key), "argo service_account", where(v), 253) };
                    break;
                case "image_pull_secrets":
                    argo = argo with
                    {
                        ImagePullSecrets = v is YamlSequenceNode list
                            ? [.. list.Children.Select(i => KubernetesName(scalarOf(i, key), "argo image_pull_secrets entry", where(i), 253))]
                            : throw new ProjectSettingsException($"{where(v)}: 'image_pull_secrets' must be a list of secret names"),
                    };
                    break;
                case "artifact_repository":
                    argo = argo with { ArtifactRepository = ReadArtifactRepository(v, where, scalarOf) };
                    break;
                case "pod_gc":
                    var gc = scalarOf(v, key);
                    string[] strategies = ["OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess"];
                    argo = strategies.Contains(gc, StringComparer.Ordinal)
                        ? argo with { PodGc = gc }
                        : throw new ProjectSettingsException($"{where(v)}: argo pod_gc must be one of {string.Join(", ", strategies)}, not '{gc}'");
                    break;
                case "parallelism":
                    argo = int.TryParse(scalarOf(v, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p > 0
                        ? argo with { Parallelism = p }
                        : throw new ProjectSettingsException($"{where(v)}: argo parallelism must be a positive integer");
                    break;
                case "memoize_max_age":
                    var age = scalarOf(v, key);
                    argo = MaxAge().IsMatch(age)
                        ? argo with { MemoizeMaxAge = age }
                        : throw new ProjectSettingsException($"{where(v)}: argo memoize_max_age must be a duration like 720h, 30m or 90s, not '{age}'");
                    break;
                default:
                    throw new ProjectSettingsException($"{where(k)}: unknown argo setting '{key}'{DidYouMean.Suffix(key, known)}; valid: {string.Join(", ", known)}");
            }
        }

        return argo;
    }

    private static ArgoArtifactRepository ReadArtifactRepository(YamlNode node, Func<YamlNode, string> where, Func<YamlNode, string, string> scalarOf)
    {
        if (node is not YamlMappingNode map)
        {
            throw new ProjectSettingsException($"{where(node)}: 'artifact_repository' must be a mapping (config_map, key)");
        }

        string? configMap = null, key = null;
        foreach (var (k, v) in map.Children)
        {
            switch (KeyOf(k, where))
            {
                case "config_map":
                    configMap = KubernetesName(scalarOf(v, "config_map"), "argo artifact_repository config_map", where(v), 253);
                    break;
                case "key":
                    key = scalarOf(v, "key");
                    if (!ConfigMapKey().IsMatch(key))
                    {
                        throw new ProjectSettingsException($"{where(v)}: argo artifact_repository key '{key}' is not a ConfigMap key (letters, digits, '-', '_', '.')");
                    }

                    break;
                default:
                    throw new ProjectSettingsException($"{where(k)}: unknown artifact_repository setting '{KeyOf(k, where)}'; valid: config_map, key");
            }
        }

        return new ArgoArtifactRepository(configMap, key);
    }

    /// <summary>A DNS-1123 name (lowercase letters, digits, '-' and '.'), as Kubernetes requires of namespaces and object names.</summary>
    private static string KubernetesName(string value, string what, string where, int maxLength) =>
        value.Length <= maxLength && DnsName().IsMatch(value)
            ? value
            : throw new ProjectSettingsException($"{where}: {what} '{value}' is not a Kubernetes name (lowercase letters, digits and '-', at most {maxLength} characters)");

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsName();

    [GeneratedRegex(@"^[-._a-zA-Z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigMapKey();

    [GeneratedRegex(@"^[0-9]+(s|m|h)$", RegexOptions.CultureInvariant)]
    private static partial Regex MaxAge();

    // Registry host (may have a port), then lowercase path components, then an optional tag and digest.
    [GeneratedRegex(@"^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageReference();
}

/// <summary>
/// <c>toolkit.yaml argo:</c>: the components image (pinned by digest), namespace, service account,
/// image pull secrets, artifact repository reference, pod GC strategy, parallelism and the memoize cache's max age.
/// </summary>
public sealed record ArgoSettings
{
    public string? Image { get; init; }

    public string? Namespace { get; init; }

    public string? ServiceAccount { get; init; }

    public IReadOnlyList<string> ImagePullSecrets { get; init; } = [];

    public ArgoArtifactRepository? ArtifactRepository { get; init; }

    /// <summary>A podGC strategy (OnPodCompletion, OnPodSuccess, OnWorkflowCompletion, OnWorkflowSuccess); null: the cluster's default.</summary>
    public string? PodGc { get; init; }

    public int? Parallelism { get; init; }

    public string MemoizeMaxAge { get; init; } = "720h";
}

/// <summary>One <c>components:</c> entry: the project file (absolute), as written, and where (<c>toolkit.yaml:LINE:COL</c>).</summary>
public sealed record TeamProjectReference(string Path, string Text, string Where);

/// <summary>An <c>artifactRepositoryRef</c>: a ConfigMap in the workflow's namespace and its key (null: the ConfigMap's default).</summary>
public sealed record ArgoArtifactRepository(string? ConfigMap, string? Key);
