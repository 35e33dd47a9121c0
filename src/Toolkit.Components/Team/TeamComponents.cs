using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Project;
using Toolkit.Sdk.Hosting;

namespace Toolkit.Components.Team;

/// <summary>The project's catalog: the built-in components and those of its team projects, each name once.</summary>
public static class TeamComponents
{
    public static ComponentCatalog Merge(ComponentCatalog builtIns, IReadOnlyList<TeamProject> projects)
    {
        ArgumentNullException.ThrowIfNull(builtIns);
        ArgumentNullException.ThrowIfNull(projects);
        var all = new List<IComponent>();
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in builtIns.Descriptors)
        {
            builtIns.TryGet(d.Name, out var component);
            all.Add(component);
            origins[d.Name] = "the toolkit's built-in components";
        }

        foreach (var project in projects)
        {
            foreach (var component in project.Components)
            {
                var name = component.Descriptor.Name;
                if (!origins.TryAdd(name, project.ProjectFile))
                {
                    throw new ProjectSettingsException($"component '{name}' is defined twice: in {project.ProjectFile} and in {origins[name]}; rename one");
                }

                all.Add(component);
            }
        }

        return new ComponentCatalog(all);
    }
}
