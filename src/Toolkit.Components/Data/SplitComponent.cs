using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Splits;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Data;

/// <summary><c>data/split</c>: a seeded, optionally stratified train/test split.</summary>
internal sealed class SplitComponent : IComponent
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "data/split",
        Version = "1",
        Description = "Splits a data set into train and test parts (seeded; stratified by a column when asked).",
        Inputs = [new ComponentPort("dataset", "dataset", "the rows to split")],
        Outputs =
        [
            new ComponentPort("train", "dataset", "the training rows"),
            new ComponentPort("test", "dataset", "the held-out rows"),
        ],
        Parameters =
        [
            new ComponentParameter("test_fraction", ParameterType.Number, "share of rows held out")
            {
                Default = "0.25", Minimum = 0, MinimumExclusive = true, Maximum = 1, MaximumExclusive = true,
            },
            new ComponentParameter("stratify", ParameterType.String, "keep this column's class shares in both parts"),
            new ComponentParameter("seed", ParameterType.Integer, "random seed") { Default = "42" },
        ],
        Values = ["train_rows", "test_rows"],
    };

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var table = ComponentArgs.ReadDataset(context.Input("dataset"), null, cancellationToken);
        var fraction = ComponentArgs.Number(context, Descriptor, "test_fraction");
        var stratify = ComponentArgs.OptionalText(context, "stratify");
        if (stratify is not null && !table.Contains(stratify))
        {
            throw new ComponentArgumentException($"{Descriptor.Name}: stratify column '{stratify}' does not exist; columns are: {ColumnNames.List(table)}.");
        }

        var (train, test) = DataSplitter.TrainTest(table, fraction, ComponentArgs.Int(context, Descriptor, "seed"), stratify);
        ComponentArgs.WriteDataset(train, context.Output("train"), cancellationToken);
        ComponentArgs.WriteDataset(test, context.Output("test"), cancellationToken);
        context.Log.WriteLine($"split {table.RowCount} rows into {train.RowCount} train and {test.RowCount} test" + (stratify is null ? "" : $", stratified by {stratify}"));
        return Task.FromResult(new ComponentResult
        {
            Values = new Dictionary<string, double> { ["train_rows"] = train.RowCount, ["test_rows"] = test.RowCount },
        });
    }
}
