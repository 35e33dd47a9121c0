using System.Globalization;
using Toolkit.Ml.Features;
using Toolkit.Ml.Linear;
using Toolkit.Ml.Training;
using Toolkit.Ml.Trees;

namespace Toolkit.Ml.Models;

/// <summary>
/// The structural checks a loaded model passes before it may predict. A file's digest only says the
/// bytes are the ones written; anyone can write a file with a fresh digest, so everything prediction
/// trusts (finite numbers, in-range indices, trees that are trees, classes that match the task, one
/// feature count everywhere) is checked here, once, for every model that <see cref="ModelFile"/> reads.
/// </summary>
internal static class ModelValidator
{
    /// <summary>
    /// Deepest tree a model may hold. Gradient boosting grows depth-wise to at most 64 levels, random
    /// forests accept max_depth up to 10 000; both trainers stop at this depth even when told "unlimited".
    /// Prediction takes exactly the declared number of steps per tree, so the limit bounds its work.
    /// </summary>
    public const int MaxTreeDepth = 10_000;

    /// <summary>More feature columns than any CSV a model could be trained on (and below the node's feature bits).</summary>
    public const int MaxFeatures = 1 << 24;

    /// <summary>Nodes across all trees: what fits in a 1 GiB model file (a 100-tree forest on 100 000 rows has 1.7 million nodes, 64 MB).</summary>
    public const int MaxNodes = 1 << 25;

    /// <summary>Throws <see cref="ModelFileException"/> naming <paramref name="sourceName"/> and the first problem found.</summary>
    public static void Validate(Model model, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Problem(model) is { } problem)
        {
            throw new ModelFileException($"'{sourceName}' has a valid digest but is not a usable model: {problem}; refusing to load it.");
        }
    }

    /// <summary>The first structural problem of <paramref name="model"/>, or null when it is sound.</summary>
    internal static string? Problem(Model model) =>
        Classes(model) ?? Features(model) ?? Predictor(model);

    private static string? Classes(Model model)
    {
        if (model.Task == ModelTask.Regression)
        {
            return model.Classes is null ? null : $"a regression model has classes ({Count(model.Classes.Count)})";
        }

        if (model.Classes is not { } classes)
        {
            return "a binary classification model has no classes";
        }

        if (classes.Count != 2)
        {
            return $"a binary classification model needs exactly 2 classes, but the file lists {Count(classes.Count)}";
        }

        if (classes.Any(string.IsNullOrEmpty) || classes[0] == classes[1])
        {
            return "a binary classification model needs two distinct, non-empty class labels";
        }

        return null;
    }

    private static string? Features(Model model)
    {
        var pipeline = model.Features;
        if (pipeline.OutputCount > MaxFeatures)
        {
            return $"the feature pipeline makes {Count(pipeline.OutputCount)} features, more than the limit of {Count(MaxFeatures)}";
        }

        if (pipeline.InputSchema.Columns.Any(c => c.Name == model.Label))
        {
            return $"the label column '{model.Label}' is also one of the model's inputs";
        }

        var linear = model.Predictor is LinearPredictor;
        foreach (var step in pipeline.Steps)
        {
            if (step is not NumericStep numeric)
            {
                continue;
            }

            if (!double.IsFinite(numeric.Center))
            {
                return $"the scaler mean of feature '{step.Source}' is {Format(numeric.Center)}, not a finite number";
            }

            if (!double.IsFinite(numeric.Scale) || numeric.Scale <= 0)
            {
                return $"the scaler standard deviation of feature '{step.Source}' is {Format(numeric.Scale)}, not a finite number above 0";
            }

            // NaN means "keep it missing", which trees route; a linear model would predict NaN from it.
            if (double.IsInfinity(numeric.Fill) || (linear && double.IsNaN(numeric.Fill)))
            {
                return $"the imputation value of feature '{step.Source}' is {Format(numeric.Fill)}, not a finite number";
            }
        }

        var training = model.Training.FeatureCount;
        if (training != pipeline.OutputCount)
        {
            return $"the training facts say {Count(training)} features but the feature pipeline makes {Count(pipeline.OutputCount)}";
        }

        return null;
    }

    private static string? Predictor(Model model)
    {
        var predictor = model.Predictor;
        if (predictor.Task != model.Task)
        {
            return $"the model is for {model.Task.ToName()} but its predictor is for {predictor.Task.ToName()}";
        }

        if (predictor.FeatureCount != model.Features.OutputCount)
        {
            return $"the predictor takes {Count(predictor.FeatureCount)} features but the feature pipeline makes {Count(model.Features.OutputCount)} from the signature";
        }

        return predictor switch
        {
            LinearPredictor l => Linear(l),
            GradientBoostingPredictor g => Finite(g.BaseScore, "the base score") ?? Importance(g.FeatureImportance, g.FeatureCount) ?? Ensemble(g.Ensemble),
            RandomForestPredictor r => (r.OobScore is { } oob ? Finite(oob, "the out-of-bag score") : null)
                ?? Importance(r.FeatureImportance, r.FeatureCount) ?? Ensemble(r.Ensemble),
            _ => null,
        };
    }

    private static string? Linear(LinearPredictor linear)
    {
        if (Finite(linear.Intercept, "the intercept") is { } intercept)
        {
            return intercept;
        }

        if (linear.Alpha is { } alpha && Finite(alpha, "the penalty alpha") is { } a)
        {
            return a;
        }

        for (var j = 0; j < linear.Coefficients.Count; j++)
        {
            if (!double.IsFinite(linear.Coefficients[j]))
            {
                return $"coefficient {j} is {Format(linear.Coefficients[j])}, not a finite number";
            }
        }

        return null;
    }

    private static string? Importance(IReadOnlyList<double> importance, int features)
    {
        if (importance.Count != features)
        {
            return $"the feature importances list {Count(importance.Count)} values for {Count(features)} features";
        }

        for (var f = 0; f < importance.Count; f++)
        {
            if (!double.IsFinite(importance[f]))
            {
                return $"the importance of feature {f} is {Format(importance[f])}, not a finite number";
            }
        }

        return null;
    }

    /// <summary>
    /// Every tree must be a tree: from its root, children come after their parent (so no node points at
    /// itself or back up, and there is no cycle), no node belongs to two trees or is reached twice, the
    /// walk's depth is the declared one, within <see cref="MaxTreeDepth"/>; split features index the
    /// feature columns; thresholds and leaf values are numbers.
    /// </summary>
    private static string? Ensemble(TreeEnsemble ensemble)
    {
        var roots = ensemble.Roots;
        var depths = ensemble.Depths;
        var count = ensemble.NodeCount;
        if (roots.Length == 0)
        {
            return "the tree ensemble has no trees";
        }

        if (count > MaxNodes)
        {
            return $"the tree ensemble has {Count(count)} nodes, more than the limit of {Count(MaxNodes)}";
        }

        var reached = new bool[count];
        var stack = new Stack<(int Node, int Depth)>();
        for (var t = 0; t < roots.Length; t++)
        {
            var root = roots[t];
            if ((uint)root >= (uint)count)
            {
                return $"the root of tree {t} is node {root}, outside the {Count(count)} nodes";
            }

            if (depths[t] is < 0 or > MaxTreeDepth)
            {
                return $"tree {t} declares depth {Count(depths[t])}; the limit is {Count(MaxTreeDepth)}";
            }

            var deepest = 0;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (at, depth) = stack.Pop();
                if (reached[at])
                {
                    return $"tree {t} reaches node {at} twice (trees must not share or revisit nodes)";
                }

                reached[at] = true;
                if (depth > MaxTreeDepth)
                {
                    return $"tree {t} is deeper than the limit of {Count(MaxTreeDepth)} levels";
                }

                deepest = Math.Max(deepest, depth);
                var node = ensemble.Node(at);
                if (node.Feature < 0)
                {
                    if (!double.IsFinite(node.Value))
                    {
                        return $"leaf node {at} of tree {t} has the value {Format(node.Value)}, not a finite number";
                    }

                    continue;
                }

                if (node.Feature >= ensemble.FeatureCount)
                {
                    return $"node {at} of tree {t} splits on feature {node.Feature}, but the model has {Count(ensemble.FeatureCount)} features";
                }

                if (float.IsNaN(node.Threshold))
                {
                    return $"node {at} of tree {t} has the threshold NaN";
                }

                if (node.Left <= at || node.Right <= at || (uint)node.Right >= (uint)count)
                {
                    return $"node {at} of tree {t} points at nodes {node.Left} and {node.Right}; children must come after their parent inside the {Count(count)} nodes";
                }

                stack.Push((node.Right, depth + 1));
                stack.Push((node.Left, depth + 1));
            }

            if (deepest != depths[t])
            {
                return $"tree {t} declares depth {Count(depths[t])} but is {Count(deepest)} levels deep";
            }
        }

        return null;
    }

    private static string? Finite(double value, string what) =>
        double.IsFinite(value) ? null : $"{what} is {Format(value)}, not a finite number";

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
