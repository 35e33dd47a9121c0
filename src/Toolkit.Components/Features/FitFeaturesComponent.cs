using Toolkit.Ml.Features;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Features;

/// <summary>
/// <c>features/fit</c>: fits the feature logic (imputation, scaling, one-hot) on the training rows
/// only; trainers given its output apply it unchanged, and it travels inside the model file.
/// <c>transforms:</c> names team transforms (projects under toolkit.yaml's <c>components:</c>) fitted first, in order;
/// their code's digest is part of the step's cache key, so editing it reruns this step and what depends on it.
/// </summary>
internal sealed class FitFeaturesComponent : IComponent, IExternalInputs, IParameterCheck
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
            TransformsParameter,
            TransformParamsParameter,
        ],
        Values = ["features"],
    };

    internal static ComponentParameter TransformsParameter { get; } =
        new("transforms", ParameterType.String, "comma-separated team transforms (toolkit.yaml components:) fitted first, in order");

    internal static ComponentParameter TransformParamsParameter { get; } =
        new("transform_params", ParameterType.String, "their parameters: TRANSFORM.NAME=VALUE, comma-separated (defaults otherwise)");

    /// <summary>The team transforms' code (name, version, assembly digest) is part of the cache key.</summary>
    public Task<string?> ExternalDigestAsync(IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Task.FromResult(TransformPlan.CacheIdentity(parameters.GetValueOrDefault("transforms")));
    }

    /// <summary>For <c>pipeline validate</c>: the literal transforms and their parameters, checked as the run will check them.</summary>
    public IReadOnlyList<ParameterProblem> Check(IReadOnlyDictionary<string, string> literals) => CheckTransforms(literals);

    /// <summary>
    /// The problem <see cref="Transforms"/> would report for these literal values (none when <c>transforms</c> is not literal):
    /// unknown transform names with the known ones, unknown or bad transform parameters.
    /// </summary>
    internal static IReadOnlyList<ParameterProblem> CheckTransforms(IReadOnlyDictionary<string, string> literals)
    {
        ArgumentNullException.ThrowIfNull(literals);
        if (!literals.TryGetValue(TransformsParameter.Name, out var transforms))
        {
            return [];
        }

        try
        {
            _ = TransformPlan.Parse(transforms, literals.GetValueOrDefault(TransformParamsParameter.Name));
            return [];
        }
        catch (UnknownTransformException ex)
        {
            return [new ParameterProblem(TransformsParameter.Name, ex.Message)];
        }
        catch (ArgumentException ex)
        {
            var about = literals.ContainsKey(TransformParamsParameter.Name) ? TransformParamsParameter.Name : TransformsParameter.Name;
            return [new ParameterProblem(about, ex.Message)];
        }
    }

    /// <summary>The step's transforms, or a clear parameter error (unknown names listed, bad parameters).</summary>
    internal static IReadOnlyList<TransformFit> Transforms(ComponentContext context)
    {
        try
        {
            return TransformPlan.Parse(ComponentArgs.OptionalText(context, "transforms"), ComponentArgs.OptionalText(context, "transform_params"));
        }
        catch (ArgumentException ex)
        {
            throw new ComponentArgumentException(ex.Message);
        }
    }

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
        var transforms = Transforms(context);
        var pipeline = FeaturePipeline.Fit(table, options, transforms);
        FeaturePipelineFile.Save(pipeline, context.Output("features"));
        foreach (var t in pipeline.Transforms)
        {
            context.Log.WriteLine($"fitted transform {t.Source.Describe()}");
        }

        context.Log.WriteLine($"fitted {pipeline.OutputNames.Count} features from {pipeline.InputSchema.Count} columns on {table.RowCount} rows");
        return Task.FromResult(new ComponentResult { Values = new Dictionary<string, double> { ["features"] = pipeline.OutputNames.Count } });
    }
}
