using System.Reflection;
using System.Runtime.Loader;

namespace Toolkit.Sdk.Hosting;

/// <summary>
/// One team project's load context: its own dependencies come from its build output, while the toolkit's
/// assemblies and the framework resolve from the host, so <c>IComponent</c>, <c>DataTable</c> and
/// <c>FeatureTransform</c> are the host's types (else a cast to them would fail).
/// </summary>
internal sealed class TeamLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;

    public TeamLoadContext(string assemblyPath, string name)
        : base("team:" + name)
    {
        _resolver = new AssemblyDependencyResolver(assemblyPath);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is { } name && name.StartsWith("Toolkit.", StringComparison.Ordinal) && IsHostAssembly(name))
        {
            return null;
        }

        // Null for the framework (not in the project's deps.json): the default context gives the host's.
        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    // The toolkit's own assemblies: the host has them loaded or can load them by name.
    private static bool IsHostAssembly(string name)
    {
        if (Default.Assemblies.Any(a => a.GetName().Name == name))
        {
            return true;
        }

        try
        {
            Default.LoadFromAssemblyName(new AssemblyName(name));
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }
}
