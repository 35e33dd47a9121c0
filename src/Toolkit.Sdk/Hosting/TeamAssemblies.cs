namespace Toolkit.Sdk.Hosting;

/// <summary>A registered feature transform and the project it came from.</summary>
public sealed record TeamTransform(FeatureTransform Transform, TeamProject Project);

/// <summary>
/// The team projects loaded in this process. The host registers each project it loads, so that a model
/// file can resolve the transform it was trained with by (name, assembly name, assembly digest), and is
/// refused rather than scored with other code when that exact assembly is not loaded.
/// </summary>
public static class TeamAssemblies
{
    private static readonly Lock Gate = new();
    private static readonly List<TeamProject> Global = [];

    // One mlops invocation is one project; tests run several invocations (each in its own project) in one process.
    private static readonly AsyncLocal<List<TeamProject>?> Scoped = new();

    private static List<TeamProject> Loaded => Scoped.Value ?? Global;

    /// <summary>
    /// Gives the calling flow (and everything it starts) its own set of loaded projects, empty at first, so that
    /// what one invocation loads never resolves another's models. Without a scope, registrations are process-wide.
    /// </summary>
    public static void BeginScope() => Scoped.Value = [];

    public static IReadOnlyList<TeamProject> Projects
    {
        get
        {
            lock (Gate)
            {
                return [.. Loaded];
            }
        }
    }

    /// <summary>
    /// Registers a loaded project. The same assembly (by digest) registered again is a no-op; a new build of
    /// a registered project replaces it; a transform name another project already has is refused with both
    /// origins named.
    /// </summary>
    public static void Register(TeamProject project)
    {
        ArgumentNullException.ThrowIfNull(project);
        lock (Gate)
        {
            if (Loaded.Any(p => p.AssemblyDigest == project.AssemblyDigest && p.AssemblyName == project.AssemblyName))
            {
                return;
            }

            Loaded.RemoveAll(p => p.ProjectFile == project.ProjectFile);
            foreach (var transform in project.Transforms)
            {
                if (Loaded.FirstOrDefault(p => p.Transforms.Any(t => t.Name == transform.Name)) is { } other)
                {
                    throw new TeamProjectException(
                        $"feature transform '{transform.Name}' is defined twice: in {project.ProjectFile} ({project.AssemblyName}) and in {other.ProjectFile} ({other.AssemblyName}, {Short(other.AssemblyDigest)})");
                }
            }

            Loaded.Add(project);
        }
    }

    /// <summary>The loaded transform of this name, or null.</summary>
    public static TeamTransform? Find(string name)
    {
        lock (Gate)
        {
            foreach (var project in Loaded)
            {
                if (project.Transforms.FirstOrDefault(t => t.Name == name) is { } transform)
                {
                    return new TeamTransform(transform, project);
                }
            }

            return null;
        }
    }

    /// <summary>
    /// The transform a model was trained with: the same name from the same assembly with the same digest.
    /// Anything else throws <see cref="TeamProjectException"/> saying what is missing or different.
    /// </summary>
    public static TeamTransform Resolve(string name, string assemblyName, string assemblyDigest)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(assemblyName);
        ArgumentException.ThrowIfNullOrEmpty(assemblyDigest);
        var found = Find(name);
        if (found is null)
        {
            throw new TeamProjectException(
                $"feature transform '{name}' from assembly {assemblyName} ({Short(assemblyDigest)}) is not loaded: add its project to toolkit.yaml 'components:' (or ship the assembly with the model)");
        }

        if (found.Project.AssemblyName != assemblyName || found.Project.AssemblyDigest != assemblyDigest)
        {
            throw new TeamProjectException(
                $"feature transform '{name}': the model was trained with {assemblyName} {Short(assemblyDigest)}, but the loaded code is {found.Project.AssemblyName} {Short(found.Project.AssemblyDigest)} ({found.Project.ProjectFile}); " +
                "it is refused rather than scored with other feature logic: retrain the model, or use the code it was trained with");
        }

        return found;
    }

    /// <summary>Test support: forget every registration.</summary>
    internal static void Clear()
    {
        lock (Gate)
        {
            Global.Clear();
            Scoped.Value = null;
        }
    }

    private static string Short(string digest) => digest.Length > 19 ? digest[..19] : digest;
}
