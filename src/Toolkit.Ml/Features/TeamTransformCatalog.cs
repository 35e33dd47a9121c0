using Toolkit.Sdk.Hosting;

namespace Toolkit.Ml.Features;

/// <summary>
/// The team transforms this process has loaded: those of the team projects registered in <see cref="TeamAssemblies"/>
/// (toolkit.yaml's <c>components:</c>), and any registered here directly (a host or test with a transform but no
/// project). A pipeline names them when fitting; a model file that records one resolves it here by name, version,
/// assembly name and assembly digest, and is refused when that exact code is not loaded.
/// </summary>
public static class TeamTransformCatalog
{
    private static readonly Lock Gate = new();
    private static TeamTransform[] _all = [];
    // Per logical call (async flow), not per process: tests run several mlops commands at once, each in its own project.
    private static readonly AsyncLocal<Lazy<bool>?> Load = new();

    /// <summary>Every registered transform; the first look loads the host's team projects (<see cref="UseLoader"/>) when it set a loader.</summary>
    public static IReadOnlyList<TeamTransform> All
    {
        get
        {
            // Lazy: concurrent first looks wait for the one load (which may build projects), and a failed load fails every look.
            _ = Load.Value?.Value;
            var fromProjects = TeamAssemblies.Projects
                .SelectMany(p => p.Transforms.Select(t => new TeamTransform(t, p.AssemblyName, p.AssemblyDigest, p.OutputDirectory)))
                .ToList();
            lock (Gate)
            {
                return [.. fromProjects, .. _all.Where(t => fromProjects.All(p => p.Name != t.Name))];
            }
        }
    }

    /// <summary>
    /// How this call (and what it starts) finds its team projects when a transform is first asked for (the CLI: those of the project's
    /// toolkit.yaml, registered in <see cref="TeamAssemblies"/>), so that a command that never meets a team transform
    /// never builds a team project.
    /// </summary>
    public static void UseLoader(Action loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        Load.Value = new Lazy<bool>(() =>
        {
            loader();
            return true;
        });
    }

    /// <summary>Makes <paramref name="transform"/> known (replacing one of the same name); disposing the result forgets it again.</summary>
    public static IDisposable Register(TeamTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        lock (Gate)
        {
            _all = [.. _all.Where(t => t.Name != transform.Name), transform];
        }

        return new Registration(transform);
    }

    /// <summary>The transform named <paramref name="name"/>; unknown names throw, listing the known ones.</summary>
    public static TeamTransform Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return All.FirstOrDefault(t => t.Name == name)
            ?? throw new UnknownTransformException([name], All.Select(t => t.Name));
    }

    /// <summary>Every name of <paramref name="names"/> as a transform, in order; all unknown names are listed in one error.</summary>
    public static IReadOnlyList<TeamTransform> GetAll(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var all = All;
        var unknown = names.Where(n => all.All(t => t.Name != n)).ToArray();
        if (unknown.Length > 0)
        {
            throw new UnknownTransformException(unknown, all.Select(t => t.Name));
        }

        return [.. names.Select(n => all.First(t => t.Name == n))];
    }

    /// <summary>The loaded transform a model recorded; anything else (missing, other version, other digest) is refused.</summary>
    internal static TeamTransform Resolve(string name, string version, string assembly, string digest)
    {
        var loaded = All.FirstOrDefault(t => t.Name == name);
        var needs = $"model needs transform {name} v{version} from {assembly} (digest {digest}); ";
        if (loaded is null)
        {
            throw new TransformUnavailableException(needs + "no loaded team project provides it: use the model inside the project whose toolkit.yaml lists that project under components: (or serve it from the image mlops deploy built); refusing to score it with other logic.");
        }

        if (loaded.AssemblyName != assembly || loaded.AssemblyDigest != digest || loaded.Version != version)
        {
            throw new TransformUnavailableException(needs + $"this process loaded {loaded.Describe()}: the feature code changed since the model was trained; retrain the model or load the code it was trained with; refusing to score it with other logic.");
        }

        return loaded;
    }

    private sealed class Registration(TeamTransform transform) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                _all = [.. _all.Where(t => !ReferenceEquals(t, transform))];
            }
        }
    }
}

/// <summary>Transform names that no loaded team project provides.</summary>
public sealed class UnknownTransformException : ArgumentException
{
    public UnknownTransformException(IReadOnlyList<string> unknown, IEnumerable<string> known)
        : base($"unknown transform{(unknown.Count == 1 ? "" : "s")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; known: {Known(known)}")
    {
        Unknown = unknown;
    }

    public UnknownTransformException()
    {
        Unknown = [];
    }

    public UnknownTransformException(string message)
        : base(message)
    {
        Unknown = [];
    }

    public UnknownTransformException(string message, Exception innerException)
        : base(message, innerException)
    {
        Unknown = [];
    }

    public IReadOnlyList<string> Unknown { get; }

    private static string Known(IEnumerable<string> known)
    {
        var list = known.Order(StringComparer.Ordinal).ToArray();
        return list.Length == 0 ? "none (no team project under toolkit.yaml's components: is loaded)" : string.Join(", ", list);
    }
}

/// <summary>A pipeline or model records a team transform that this process has not loaded with that exact version, assembly and digest.</summary>
public sealed class TransformUnavailableException : Exception
{
    public TransformUnavailableException()
    {
    }

    public TransformUnavailableException(string message)
        : base(message)
    {
    }

    public TransformUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
