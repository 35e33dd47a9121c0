using System.Reflection;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Toolkit.Pipelines.Components;

namespace Toolkit.Sdk.Hosting;

/// <summary>
/// Loads a team project's built assembly in its own load context and finds its components and feature
/// transforms: public non-abstract types implementing <see cref="IComponent"/> or deriving from
/// <see cref="FeatureTransform"/> with a public parameterless constructor.
/// </summary>
public static partial class TeamAssemblyLoader
{
    public static TeamProject Load(string assemblyPath, string projectFile, string sourceDigest)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        ArgumentException.ThrowIfNullOrEmpty(projectFile);
        ArgumentException.ThrowIfNullOrEmpty(sourceDigest);
        var full = Path.GetFullPath(assemblyPath);
        if (!File.Exists(full))
        {
            throw new TeamProjectException($"{projectFile}: the built assembly '{full}' does not exist");
        }

        var name = Path.GetFileNameWithoutExtension(projectFile);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full)));
        Assembly assembly;
        Type[] types;
        try
        {
            assembly = new TeamLoadContext(full, name).LoadFromAssemblyPath(full);
            types = assembly.GetExportedTypes();
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException)
        {
            throw new TeamProjectException($"{projectFile}: cannot load '{full}': {ex.Message}", ex);
        }

        var components = new List<IComponent>();
        var transforms = new List<FeatureTransform>();
        foreach (var type in types.Where(t => t is { IsClass: true, IsAbstract: false }).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var isComponent = typeof(IComponent).IsAssignableFrom(type);
            var isTransform = typeof(FeatureTransform).IsAssignableFrom(type);
            if (!isComponent && !isTransform)
            {
                continue;
            }

            if (type.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new TeamProjectException($"{projectFile}: {type.FullName} needs a public parameterless constructor to be used as a {(isComponent ? "component" : "feature transform")}");
            }

            var instance = Create(type, projectFile);
            if (instance is IComponent component)
            {
                var descriptor = component.Descriptor
                    ?? throw new TeamProjectException($"{projectFile}: {type.FullName} has no Descriptor");
                CheckName(descriptor.Name, type, projectFile, "component");
                components.Add(TeamComponent.Wrap(component, descriptor with { SourceDigest = sourceDigest, Origin = projectFile }));
            }

            if (instance is FeatureTransform transform)
            {
                CheckName(transform.Name, type, projectFile, "feature transform");
                if (string.IsNullOrWhiteSpace(transform.Version))
                {
                    throw new TeamProjectException($"{projectFile}: feature transform {type.FullName} has no Version");
                }

                transforms.Add(transform);
            }
        }

        Duplicates(components.Select(c => c.Descriptor.Name), projectFile, "component");
        Duplicates(transforms.Select(t => t.Name), projectFile, "feature transform");
        return new TeamProject
        {
            Name = name,
            ProjectFile = projectFile,
            AssemblyName = assembly.GetName().Name!,
            AssemblyVersion = assembly.GetName().Version?.ToString() ?? "0.0.0.0",
            AssemblyDigest = digest,
            SourceDigest = sourceDigest,
            OutputDirectory = Path.GetDirectoryName(full)!,
            Components = components,
            Transforms = transforms,
        };
    }

    /// <summary>Whether <paramref name="name"/> reads as a component or transform name: lowercase, one '/'.</summary>
    public static bool IsValidName(string name) => name is not null && ComponentName().IsMatch(name);

    private static object Create(Type type, string projectFile)
    {
        try
        {
            return Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException ex)
        {
            throw new TeamProjectException($"{projectFile}: constructing {type.FullName} failed: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
    }

    private static void CheckName(string name, Type type, string projectFile, string what)
    {
        if (!IsValidName(name))
        {
            throw new TeamProjectException(
                $"{projectFile}: {what} {type.FullName} is named '{name}': a name is lowercase letters, digits and dashes around one '/' (e.g. diabetes/risk-features)");
        }
    }

    private static void Duplicates(IEnumerable<string> names, string projectFile, string what)
    {
        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new TeamProjectException($"{projectFile}: two {what}s are named '{twice.Key}'");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*/[a-z0-9][a-z0-9-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ComponentName();
}
