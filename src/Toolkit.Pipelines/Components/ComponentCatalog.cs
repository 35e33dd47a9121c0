namespace Toolkit.Pipelines.Components;

/// <summary>The components a pipeline can use, by name.</summary>
public interface IComponentCatalog
{
    IReadOnlyCollection<ComponentDescriptor> Descriptors { get; }

    bool TryGet(string name, out IComponent component);
}

/// <summary>A catalog over a fixed list of components.</summary>
public sealed class ComponentCatalog : IComponentCatalog
{
    private readonly Dictionary<string, IComponent> _components;

    public ComponentCatalog(IEnumerable<IComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        _components = new Dictionary<string, IComponent>(StringComparer.Ordinal);
        foreach (var c in components)
        {
            if (!_components.TryAdd(c.Descriptor.Name, c))
            {
                throw new ArgumentException($"Component '{c.Descriptor.Name}' is registered twice.", nameof(components));
            }
        }
    }

    public IReadOnlyCollection<ComponentDescriptor> Descriptors =>
        [.. _components.Values.Select(c => c.Descriptor).OrderBy(d => d.Name, StringComparer.Ordinal)];

    public bool TryGet(string name, out IComponent component) => _components.TryGetValue(name, out component!);
}
