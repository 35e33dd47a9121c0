using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Tests;

/// <summary>Runs built-in components on real files in a temporary folder.</summary>
internal sealed class ComponentHarness : IDisposable
{
    private readonly ComponentCatalog _catalog = BuiltInComponents.Create();

    public ComponentHarness()
    {
        Root = Path.Combine(Path.GetTempPath(), "toolkit-component-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public StringWriter Log { get; } = new();

    public string File(string name) => Path.Combine(Root, name);

    public IComponent Get(string name) =>
        _catalog.TryGet(name, out var c) ? c : throw new InvalidOperationException($"no component {name}");

    public Task<ComponentResult> RunAsync(
        string name,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string[]>? inputs = null,
        params string[] outputs)
    {
        var component = Get(name);
        var resolved = component.Descriptor.Parameters.Where(p => p.Default is not null).ToDictionary(p => p.Name, p => p.Default!);
        foreach (var (k, v) in parameters)
        {
            resolved[k] = v;
        }

        return component.RunAsync(new ComponentContext
        {
            Inputs = (inputs ?? new Dictionary<string, string[]>()).ToDictionary(i => i.Key, i => (IReadOnlyList<string>)i.Value),
            Parameters = resolved,
            Outputs = outputs.ToDictionary(o => o.Split('=')[0], o => File(o.Split('=')[1])),
            Log = Log,
        });
    }

    public void Dispose()
    {
        Log.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
