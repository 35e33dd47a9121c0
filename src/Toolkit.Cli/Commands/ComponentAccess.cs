using Toolkit.Components.Team;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Project;
using Toolkit.Sdk.Hosting;

namespace Toolkit.Cli.Commands;

/// <summary>
/// The components a command sees: the built-ins and the team projects of toolkit.yaml's <c>components:</c>
/// (built when their source changed, with a progress line on stderr). In a components image the projects
/// come built under the app's <c>team/</c> folder instead: nothing is compiled in a container.
/// </summary>
internal static class ComponentAccess
{
    /// <summary>The folder of a components image's team projects, next to mlops.dll.</summary>
    public static string ImageTeamFolder => Path.Combine(AppContext.BaseDirectory, "team");

    public static async Task<ComponentCatalog> CatalogAsync(ProjectSettings settings, CliContext context, CancellationToken cancellationToken) =>
        TeamComponents.Merge(RegistryAccess.Components(settings), await TeamProjectsAsync(settings, context, cancellationToken));

    public static async Task<IReadOnlyList<TeamProject>> TeamProjectsAsync(ProjectSettings settings, CliContext context, CancellationToken cancellationToken)
    {
        var shipped = TeamProjects.LoadBuilt(ImageTeamFolder);
        return shipped.Count > 0 ? shipped : await TeamProjects.LoadAsync(settings, context.Error, cancellationToken);
    }
}
