using Toolkit.Ml.Features;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Features;

/// <summary>
/// <c>features/fit</c>: fits the feature logic (imputation, scaling, one-hot) on the training rows
/// only; trainers given its output apply it unchanged, and it travels inside the model file.
/// </summary>
internal sealed class FitFeaturesComponent : IComponent
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "features/fit",
        Version = "1",
        Description = "Fits the feature pipeline (imputation, scaling, one-hot encoding) on training rows only.",
        Inputs = [new ComponentPort("train", "dataset", "the training rows")],
        Outputs = [new ComponentPort("features", "features", "the fitted feature pipeline (JSON)")],
        Parameters =
        [
            new ComponentParameter("label", ParameterType.String, "the label column (left out of the features)") { Required = true },
            new ComponentParameter("imputation", ParameterType.String, "numeric missing values") { Default = "median", Choices = ["median", "mean", "most_frequent", "none"] },
            new ComponentParameter("scaling", ParameterType.String, "numeric scaling") { Default = "standardize", Choices = ["standardize", "minmax", "none"] },
            new ComponentParameter("missing_indicators", ParameterType.Boolean, "add a 0/1 column per feature that had missing values") { Default = "false" },
            new ComponentParameter("max_categories", ParameterType.Integer, "one-hot columns per categorical feature (rarer values share one)") { Default = "100", Minimum = 1, Maximum = 100_000 },
            new ComponentParameter("ignore", ParameterType.String, "comma-separated columns to leave out"),
        ],
        Values = ["features"],
    };

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var label = ComponentArgs.Text(context, Descriptor, "label");
        var table = ComponentArgs.ReadDataset(context.Input("train"), label, cancellationToken);
        if (ComponentArgs.OptionalText(context, "ignore") is { } ignore)
        {
            table = table.WithIgnored(ignore.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        var options = new FeaturePipelineOptions
        {
            NumericImputation = ComponentArgs.Text(context, Descriptor, "imputation") switch
            {
                "mean" => Imputation.Mean,
                "most_frequent" => Imputation.MostFrequent,
                "none" => Imputation.None,
                _ => Imputation.Median,
            },
            Scaling = ComponentArgs.Text(context, Descriptor, "scaling") switch
            {
                "minmax" => Scaling.MinMax,
                "none" => Scaling.None,
                _ => Scaling.Standardize,
            },
            AddMissingIndicators = ComponentArgs.Bool(context, Descriptor, "missing_indicators"),
            MaxCategories = ComponentArgs.Int(context, Descriptor, "max_categories"),
        };
        var pipeline = FeaturePipeline.Fit(table, options);
        FeaturePipelineFile.Save(pipeline, context.Output("features"));
        context.Log.WriteLine($"fitted {pipeline.OutputNames.Count} features from {pipeline.InputSchema.Count} columns on {table.RowCount} rows");
        return Task.FromResult(new ComponentResult { Values = new Dictionary<string, double> { ["features"] = pipeline.OutputNames.Count } });
    }
}
