using Toolkit.Cli.Commands;
using Toolkit.Ml.Features;

namespace Toolkit.Cli;

/// <summary>
/// Where this mlops finds the team code a model's transforms need, loaded only when a transform is first asked for,
/// the way commands find team components (<see cref="ComponentAccess.TeamProjectsAsync"/>): the built projects in the
/// app's <c>team/</c> folder (a model-service or components image), else the projects of the working folder's
/// toolkit.yaml <c>components:</c> (built once per source digest). Outside such a project nothing is loaded, and a
/// model that needs team code is refused naming it.
/// </summary>
internal static class TeamTransformHost
{
    public static void Use(CliContext context, CancellationToken cancellationToken) =>
        TeamTransformCatalog.UseLoader(() =>
            _ = ComponentAccess.TeamProjectsAsync(ProjectContext.Settings(context), context, cancellationToken).GetAwaiter().GetResult());
}
