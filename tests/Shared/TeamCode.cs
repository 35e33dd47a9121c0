using Toolkit.Components.Team;
using Toolkit.Sdk.Hosting;

namespace Toolkit.Tests.Shared;

/// <summary>
/// Test code that reads a model outside an mlops invocation sees no team projects (each invocation loads its
/// own). This gives the calling flow the projects an invocation built into a store, as a model-service image has them.
/// </summary>
internal static class TeamCode
{
    /// <summary>Call from the test method (or fixture) itself: a synchronous call scopes the rest of that method.</summary>
    public static void UseBuilt(string store)
    {
        TeamAssemblies.BeginScope();
        TeamProjects.LoadBuilt(Path.Combine(store, "components"));
    }
}
