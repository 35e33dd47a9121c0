using System.Globalization;
using System.Text.Json;
using Toolkit.Pipelines.Components;
using Toolkit.Registry;

namespace Toolkit.Components.Registry;

/// <summary>
/// <c>registry/register</c>: registers the model in the project's registry from inside a pipeline
/// (in-process runs), with its gate report; idempotent, so a rerun gives the same version.
/// </summary>
internal sealed class RegisterComponent : IComponent
{
    private readonly Func<CancellationToken, Task<IModelRegistry?>> _registry;

    public RegisterComponent(Func<CancellationToken, Task<IModelRegistry?>> registry)
    {
        _registry = registry;
    }

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "registry/register",
        Version = "1",
        Description = "Registers the model as a version of a registered model (idempotent by digest), with its gate report.",
        Inputs =
        [
            new ComponentPort("model", "model", "the model file to register"),
            new ComponentPort("gate", "report", "the gate report (gate/check), recorded with the version") { Required = false },
        ],
        Outputs = [new ComponentPort("card", "report", "the version's model card (Markdown)")],
        Parameters =
        [
            new ComponentParameter("name", ParameterType.String, "the registered model's name, e.g. diabetes") { Required = true },
            new ComponentParameter("actor", ParameterType.String, "who registers (default: GITHUB_ACTOR, else the user)"),
        ],
        Values = ["version"],
    };

    public async Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await using var registry = await _registry(cancellationToken)
            ?? throw new ComponentArgumentException($"{Descriptor.Name}: no registry is reachable from this step (run the pipeline in-process, or register with 'mlops model register').");
        string? gateJson = null;
        bool? passed = null;
        if (context.Inputs.TryGetValue("gate", out var gate) && gate.Count > 0)
        {
            gateJson = await File.ReadAllTextAsync(gate[0], cancellationToken);
            using var doc = JsonDocument.Parse(gateJson);
            passed = doc.RootElement.GetProperty("passed").GetBoolean();
        }

        var name = ComponentArgs.Text(context, Descriptor, "name");
        var result = await registry.RegisterAsync(new RegisterRequest
        {
            Model = name,
            ModelFile = context.Input("model"),
            GatePassed = passed,
            GateReport = gateJson,
            Actor = Actors.Resolve(ComponentArgs.OptionalText(context, "actor")),
        }, cancellationToken);
        var card = await registry.GetModelCardAsync(name, result.Version.Version, cancellationToken) ?? "";
        await File.WriteAllTextAsync(context.Output("card"), card, cancellationToken);
        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(result.Created ? "registered" : "already registered:")} {name} v{result.Version.Version} {result.Version.Digest} in the {registry.Backend} registry"));
        return new ComponentResult
        {
            Values = new Dictionary<string, double> { ["version"] = result.Version.Version },
            Labels = new Dictionary<string, string> { ["digest"] = result.Version.Digest },
        };
    }
}
