using Toolkit.Ml.Data.Synthetic;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Data;

/// <summary><c>data/synthesize</c>: a synthetic data set, deterministic for a seed.</summary>
internal sealed class SynthesizeComponent : IComponent
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "data/synthesize",
        Version = "1",
        Description = "Generates a synthetic data set (diabetes, housing, sales), the same for the same seed.",
        Outputs = [new ComponentPort("dataset", "dataset", "the generated rows (CSV)")],
        Parameters =
        [
            new ComponentParameter("generator", ParameterType.String, "which data set") { Required = true, Choices = [.. SyntheticData.Generators] },
            new ComponentParameter("rows", ParameterType.Integer, "number of rows") { Default = "10000", Minimum = 1, Maximum = 10_000_000 },
            new ComponentParameter("seed", ParameterType.Integer, "random seed") { Default = "42" },
        ],
        Values = ["rows"],
    };

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var generator = ComponentArgs.Text(context, Descriptor, "generator");
        var rows = ComponentArgs.Int(context, Descriptor, "rows");
        var table = SyntheticData.Generate(generator, rows, ComponentArgs.Int(context, Descriptor, "seed"));
        ComponentArgs.WriteDataset(table, context.Output("dataset"), cancellationToken);
        context.Log.WriteLine($"generated {rows} rows of '{generator}' (label: {SyntheticData.LabelOf(generator)})");
        return Task.FromResult(new ComponentResult { Values = new Dictionary<string, double> { ["rows"] = rows } });
    }
}
