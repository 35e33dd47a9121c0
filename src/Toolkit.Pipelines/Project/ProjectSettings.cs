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

        string[] known = ["apiVersion", "kind", "store", "executor", "max_parallel", "registry", "images"];
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

    // Registry host (may have a port), then lowercase path components, then an optional tag and digest.
    [GeneratedRegex(@"^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageReference();
}
