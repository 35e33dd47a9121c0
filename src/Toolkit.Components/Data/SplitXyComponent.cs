using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Splits;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Data;

/// <summary>
/// <c>data/split-xy</c>: one preprocessing step that ends in the four artifacts scikit-learn style
/// pipelines pass around, <c>x_train</c>, <c>x_test</c>, <c>y_train</c>, <c>y_test</c>: the rows of a
/// <c>dataset</c> input, or rows a generator synthesizes when none is wired, split seeded into train and
/// test, features and label apart. Trainers take <c>x_train</c> + <c>y_train</c>, evaluators <c>x_test</c> + <c>y_test</c>.
/// </summary>
internal sealed class SplitXyComponent : IComponent
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "data/split-xy",
        Version = "1",
        Description = "Splits rows (a dataset input, or synthesized by a generator) into x_train, x_test, y_train and y_test (seeded).",
        Inputs = [new ComponentPort("dataset", "dataset", "the rows to split; default: synthesize them with 'generator'") { Required = false }],
        Outputs =
        [
            new ComponentPort("x_train", "dataset", "the training rows' features"),
            new ComponentPort("x_test", "dataset", "the held-out rows' features"),
            new ComponentPort("y_train", "dataset", "the training rows' label"),
            new ComponentPort("y_test", "dataset", "the held-out rows' label"),
        ],
        Parameters =
        [
            new ComponentParameter("label", ParameterType.String, "the column to predict (y)") { Required = true },
            new ComponentParameter("generator", ParameterType.String, "synthesize this data set when no dataset is wired") { Choices = [.. SyntheticData.Generators] },
            new ComponentParameter("rows", ParameterType.Integer, "rows to synthesize") { Default = "10000", Minimum = 1, Maximum = 10_000_000 },
            new ComponentParameter("test_fraction", ParameterType.Number, "share of rows held out")
            {
                Default = "0.25", Minimum = 0, MinimumExclusive = true, Maximum = 1, MaximumExclusive = true,
            },
            new ComponentParameter("seed", ParameterType.Integer, "random seed (of the generator and the split)") { Default = "42" },
        ],
        Values = ["train_rows", "test_rows"],
    };

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var label = ComponentArgs.Text(context, Descriptor, "label");
        var seed = ComponentArgs.Int(context, Descriptor, "seed");
        DataTable table;
        if (context.Inputs.TryGetValue("dataset", out var paths) && paths.Count > 0)
        {
            table = ComponentArgs.ReadDataset(paths[0], label, cancellationToken);
        }
        else
        {
            var generator = ComponentArgs.OptionalText(context, "generator")
                ?? throw new ComponentArgumentException($"{Descriptor.Name}: wire a 'dataset' input or name a 'generator' ({string.Join(", ", SyntheticData.Generators)}).");
            if (!SyntheticData.Generators.Contains(generator))
            {
                throw new ComponentArgumentException($"{Descriptor.Name}: parameter 'generator' must be one of {string.Join(", ", SyntheticData.Generators)}, not '{generator}'.");
            }

            table = SyntheticData.Generate(generator, ComponentArgs.Int(context, Descriptor, "rows"), seed).WithLabel(null);
            context.Log.WriteLine($"generated {table.RowCount} rows of '{generator}'");
        }

        if (!table.Contains(label))
        {
            throw new ComponentArgumentException($"{Descriptor.Name}: label column '{label}' does not exist; columns are: {ColumnNames.List(table)}.");
        }

        var (train, test) = DataSplitter.TrainTest(table, ComponentArgs.Number(context, Descriptor, "test_fraction"), seed);
        Write(train, label, context.Output("x_train"), context.Output("y_train"), cancellationToken);
        Write(test, label, context.Output("x_test"), context.Output("y_test"), cancellationToken);
        context.Log.WriteLine($"split {table.RowCount} rows into {train.RowCount} train and {test.RowCount} test; label '{label}' apart");
        return Task.FromResult(new ComponentResult
        {
            Values = new Dictionary<string, double> { ["train_rows"] = train.RowCount, ["test_rows"] = test.RowCount },
        });
    }

    private static void Write(DataTable part, string label, string x, string y, CancellationToken cancellationToken)
    {
        ComponentArgs.WriteDataset(new DataTable(part.Columns.Where(c => c.Name != label)), x, cancellationToken);
        ComponentArgs.WriteDataset(new DataTable([part[label]]), y, cancellationToken);
    }
}
