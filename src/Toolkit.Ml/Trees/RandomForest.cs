using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>
/// Random forest (bagged trees with per-split feature sampling) for binary classification and
/// regression. Splits are searched on quantile bins (at most 255 per feature) rather than on every
/// distinct value, which is what makes it fast.
/// </summary>
public sealed class RandomForestAlgorithm : IAlgorithm
{
    public const string AlgorithmName = "random-forest";

    private static readonly ParameterInfo[] Declared =
    [
        new("trees", ParameterKind.Integer, "100", "Number of trees.") { Min = 1, Max = 100_000 },
        new("max_depth", ParameterKind.Integer, "none", "Maximum tree depth; none = grow until leaves are pure or too small.") { Min = 1, Max = 10_000, AllowsNone = true },
        new("min_samples_leaf", ParameterKind.Integer, "1", "Minimum number of (distinct) training rows in a leaf.") { Min = 1 },
        new("max_features", ParameterKind.RealOrChoice, "auto", "Features tried per split: auto (sqrt for classification, all for regression), sqrt, log2, or a fraction in (0, 1].")
        {
            Choices = ["auto", "sqrt", "log2"], Min = 0, MinExclusive = true, Max = 1,
        },
        new("max_leaf_nodes", ParameterKind.Integer, "none", "Maximum leaves per tree (best-first growth); none = unlimited.") { Min = 2, AllowsNone = true },
        new("criterion", ParameterKind.Choice, "auto", "Split quality: gini or entropy (classification), squared_error (regression); auto = gini or squared_error.")
        {
            Choices = ["auto", "gini", "entropy", "squared_error"],
        },
        new("bootstrap", ParameterKind.Boolean, "true", "Fit each tree on a bootstrap sample (enables the out-of-bag score)."),
    ];

    public string Name => AlgorithmName;

    public string Description => "Random forest of decision trees on binned features; probabilities averaged over trees.";

    public IReadOnlyList<ParameterInfo> Parameters => Declared;

    public bool NeedsScaledInputs => false;

    public bool Supports(ModelTask task) => task is ModelTask.BinaryClassification or ModelTask.Regression;

    public FitResult Fit(TrainingData data, HyperParameters parameters, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        TreeModelChecks.CheckData(data, Name);
        var options = Options(parameters, data.Task, data.Features.ColumnCount);
        var result = new RandomForestTrainer(options, data.Task, context).Fit(data);
        return new FitResult(new RandomForestPredictor(data.Task, result.Ensemble, result.GainImportance, result.OobScore));
    }

    public IPredictor Read(JsonElement payload, ModelTask task) => RandomForestPredictor.Read(payload, task);

    internal static RandomForestOptions Options(HyperParameters p, ModelTask task, int featureCount)
    {
        var criterion = p.GetString("criterion");
        if (task == ModelTask.Regression && criterion is "gini" or "entropy")
        {
            throw new InvalidParameterException(
                $"{AlgorithmName} parameter 'criterion' = '{criterion}' is a classification criterion; for regression use squared_error (or auto).");
        }

        if (task == ModelTask.BinaryClassification && criterion == "squared_error")
        {
            throw new InvalidParameterException(
                $"{AlgorithmName} parameter 'criterion' = 'squared_error' is a regression criterion; for classification use gini or entropy (or auto).");
        }

        var maxFeatures = p.GetString("max_features") switch
        {
            "auto" when task == ModelTask.Regression => featureCount,
            "auto" or "sqrt" => (int)Math.Sqrt(featureCount),
            "log2" => (int)Math.Log2(Math.Max(1, featureCount)),
            var fraction => (int)(double.Parse(fraction, NumberStyles.Float, CultureInfo.InvariantCulture) * featureCount),
        };
        return new RandomForestOptions
        {
            Trees = p.GetInt("trees"),
            MaxDepth = p.GetIntOrNone("max_depth") ?? Models.ModelValidator.MaxTreeDepth, // "none" stops where a model file may go
            MinSamplesLeaf = p.GetInt("min_samples_leaf"),
            MaxFeatures = Math.Clamp(maxFeatures, 1, Math.Max(1, featureCount)),
            MaxLeafNodes = p.GetIntOrNone("max_leaf_nodes") ?? 0,
            Entropy = criterion == "entropy",
            Bootstrap = p.GetBool("bootstrap"),
        };
    }
}

/// <summary>A fitted random forest: the mean of the trees' leaf values (class-1 probability or target mean).</summary>
public sealed class RandomForestPredictor : IPredictor
{
    private readonly TreeEnsemble _ensemble;
    private readonly double[] _importance;

    internal RandomForestPredictor(ModelTask task, TreeEnsemble ensemble, double[] importance, double? oobScore)
    {
        Task = task;
        _ensemble = ensemble;
        _importance = importance;
        OobScore = oobScore;
    }

    public ModelTask Task { get; }

    public int FeatureCount => _ensemble.FeatureCount;

    public int TreeCount => _ensemble.TreeCount;

    internal TreeEnsemble Ensemble => _ensemble;

    /// <summary>
    /// Out-of-bag score as scikit-learn reports it: accuracy for classification, R² for regression;
    /// null without bootstrap.
    /// </summary>
    public double? OobScore { get; }

    /// <summary>Total impurity decrease per feature (mean decrease in impurity), normalized to sum 1.</summary>
    public IReadOnlyList<double> FeatureImportance => _importance;

    /// <summary>Worker threads used by <see cref="Predict"/>; results do not depend on it.</summary>
    public int MaxThreads { get; set; } = Environment.ProcessorCount;

    public void Predict(FeatureMatrix features, Span<double> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        output.Clear();
        _ensemble.SumLeaves(features, output, _ensemble.TreeCount, MaxThreads);
        var scale = 1.0 / _ensemble.TreeCount;
        foreach (ref var s in output)
        {
            s *= scale;
        }
    }

    /// <summary>Mean drop of AUC (classification) or R² (regression) when each feature is shuffled.</summary>
    public double[] PermutationImportance(FeatureMatrix features, double[] labels, int seed, int repeats = 3) =>
        TreeModelChecks.PermutationImportance(this, features, labels, seed, repeats);

    public void Write(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("algorithm", RandomForestAlgorithm.AlgorithmName);
        writer.WriteString("task", Task.ToName());
        if (OobScore is { } oob)
        {
            writer.WriteNumber("oob_score", oob);
        }

        PayloadArrays.WriteDoubles(writer, "importance", _importance);
        _ensemble.Write(writer);
        writer.WriteEndObject();
    }

    internal static RandomForestPredictor Read(JsonElement payload, ModelTask task)
    {
        PayloadArrays.RequireStatement(payload, "algorithm", RandomForestAlgorithm.AlgorithmName);
        PayloadArrays.RequireStatement(payload, "task", task.ToName());
        var ensemble = TreeEnsemble.Read(payload);
        if (ensemble.TreeCount == 0)
        {
            throw new FormatException("A random-forest model payload has no trees.");
        }

        double? oob = payload.TryGetProperty("oob_score", out var o) ? o.GetDouble() : null;
        return new RandomForestPredictor(task, ensemble, PayloadArrays.ReadDoubles(payload, "importance"), oob);
    }
}
