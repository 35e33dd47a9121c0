using Toolkit.Components.Team;
using Toolkit.Ml.Features;
using Toolkit.Pipelines.Project;

namespace Toolkit.Cli;

/// <summary>
/// Where this mlops finds the team code a model's transforms need, loaded only when a transform is first asked for:
/// the built projects in the app's <c>team/</c> folder (a model-service or components image: nothing is compiled in a
/// container), else the projects the working folder's toolkit.yaml lists under <c>components:</c> (built once per source digest).
/// Outside such a project nothing is loaded, and a model that needs team code is refused naming it.
/// </summary>
internal static class TeamTransformHost
{
    public static void Use(CliContext context, CancellationToken cancellationToken) =>
        TeamTransformCatalog.UseLoader(() =>
        {
            if (TeamProjects.LoadBuilt(Path.Combine(AppContext.BaseDirectory, "team")).Count > 0)
            {
                return;
            }

            var settings = ProjectSettings.Discover(context.WorkingDirectory);
            if (settings.Components.Count > 0)
            {
                // Build progress goes to stderr: stdout may be a command's JSON.
                _ = TeamProjects.LoadAsync(settings, context.Error, cancellationToken).GetAwaiter().GetResult();
            }
        });
}
