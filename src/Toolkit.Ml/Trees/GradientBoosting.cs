using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>
/// Histogram gradient-boosted trees (XGBoost "hist" / LightGBM style) for binary classification
/// (log loss) and regression (squared error). Missing values are routed to the side learned per split.
/// </summary>
public sealed class GradientBoostingAlgorithm : IAlgorithm
{
    public const string AlgorithmName = "gradient-boosting";

    private static readonly ParameterInfo[] Declared =
    [
        new("rounds", ParameterKind.Integer, "100", "Number of boosting rounds (trees).") { Min = 1, Max = 1_000_000 },
        new("learning_rate", ParameterKind.Real, "0.1", "Shrinkage applied to each tree.") { Min = 0, MinExclusive = true, Max = 10 },
        new("max_depth", ParameterKind.Integer, "6", "Maximum tree depth; 0 = unlimited (only with num_leaves > 0).") { Min = 0, Max = 64 },
        new("num_leaves", ParameterKind.Integer, "0", "0 = depth-wise growth; > 1 = leaf-wise (best-first) growth to this many leaves.") { Min = 0, Max = 1 << 20 },
        new("min_child_weight", ParameterKind.Real, "1.0", "Minimum hessian sum in a child.") { Min = 0 },
        new("l2", ParameterKind.Real, "1.0", "L2 regularization (lambda) on leaf values.") { Min = 0 },
        new("subsample", ParameterKind.Real, "1.0", "Fraction of rows sampled per round.") { Min = 0, MinExclusive = true, Max = 1 },
        new("colsample", ParameterKind.Real, "1.0", "Fraction of features sampled per tree.") { Min = 0, MinExclusive = true, Max = 1 },
        new("max_bins", ParameterKind.Integer, "255", "Maximum quantile bins per feature (one more is reserved for missing).") { Min = 2, Max = 255 },
        new("early_stopping_rounds", ParameterKind.Integer, "0", "Stop when the validation loss has not improved for this many rounds; 0 = off. Uses the validation rows, or holds out 10%.") { Min = 0 },
    ];

    public string Name => AlgorithmName;

    public string Description => "Histogram gradient-boosted decision trees (log loss or squared error).";

    public IReadOnlyList<ParameterInfo> Parameters => Declared;

    public bool NeedsScaledInputs => false;

    public bool Supports(ModelTask task) => task is ModelTask.BinaryClassification or ModelTask.Regression;

    public FitResult Fit(TrainingData data, HyperParameters parameters, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        TreeModelChecks.CheckData(data, Name);
        var options = Options(parameters);
        var result = new GradientBoostingTrainer(options, data.Task, context).Fit(data);
        var predictor = new GradientBoostingPredictor(data.Task, result.Ensemble, result.BaseScore, result.GainImportance);

        // The fit summed every training row's raw score over the kept trees in tree order, as
        // Predict does: finished the same way, they are the training predictions bit for bit.
        var scores = result.TrainingScores;
        if (scores is not null)
        {
            predictor.Finish(scores);
        }

        return new FitResult(predictor) { TrainingScores = scores };
    }

    public IPredictor Read(JsonElement payload, ModelTask task) => GradientBoostingPredictor.Read(payload, task);

    internal static GradientBoostingOptions Options(HyperParameters p)
    {
        var options = new GradientBoostingOptions
        {
            Rounds = p.GetInt("rounds"),
            LearningRate = p.GetDouble("learning_rate"),
            MaxDepth = p.GetInt("max_depth"),
            NumLeaves = p.GetInt("num_leaves"),
            MinChildWeight = p.GetDouble("min_child_weight"),
            L2 = p.GetDouble("l2"),
            Subsample = p.GetDouble("subsample"),
            Colsample = p.GetDouble("colsample"),
            MaxBins = p.GetInt("max_bins"),
            EarlyStoppingRounds = p.GetInt("early_stopping_rounds"),
        };
        if (options.NumLeaves == 1)
        {
            throw new InvalidParameterException($"{AlgorithmName} parameter 'num_leaves' = '1' is invalid: a tree needs at least 2 leaves; valid: 0 (depth-wise) or an integer >= 2.");
        }

        if (options.MaxDepth == 0 && options.NumLeaves == 0)
        {
            throw new InvalidParameterException($"{AlgorithmName} parameter 'max_depth' = '0' (unlimited) needs leaf-wise growth: set num_leaves >= 2 or max_depth >= 1.");
        }

        return options;
    }
}

/// <summary>A fitted gradient-boosting model: base score plus the sum of tree outputs (then the logistic function for classification).</summary>
public sealed class GradientBoostingPredictor : IPredictor
{
    private readonly TreeEnsemble _ensemble;
    private readonly double[] _importance;

    internal GradientBoostingPredictor(ModelTask task, TreeEnsemble ensemble, double baseScore, double[] importance)
    {
        Task = task;
        _ensemble = ensemble;
        BaseScore = baseScore;
        _importance = importance;
    }

    public ModelTask Task { get; }

    public int FeatureCount => _ensemble.FeatureCount;

    public int TreeCount => _ensemble.TreeCount;

    internal TreeEnsemble Ensemble => _ensemble;

    /// <summary>Raw score before the first tree (prior log-odds, or the target mean).</summary>
    public double BaseScore { get; }

    /// <summary>Total split gain per feature, normalized to sum 1.</summary>
    public IReadOnlyList<double> FeatureImportance => _importance;

    /// <summary>Worker threads used by <see cref="Predict"/>; results do not depend on it.</summary>
    public int MaxThreads { get; set; } = Environment.ProcessorCount;

    public void Predict(FeatureMatrix features, Span<double> output)
    {
        ArgumentNullException.ThrowIfNull(features);

        output.Fill(BaseScore);
        _ensemble.SumLeaves(features, output, _ensemble.TreeCount, MaxThreads);
        Finish(output);
    }

    /// <summary>Raw scores to predictions: the logistic function for classification.</summary>
    internal void Finish(Span<double> scores)
    {
        if (Task == ModelTask.BinaryClassification)
        {
            foreach (ref var s in scores)
            {
                s = 1.0 / (1.0 + Math.Exp(-s));
            }
        }
    }

    /// <summary>Mean drop of AUC (classification) or R² (regression) when each feature is shuffled.</summary>
    public double[] PermutationImportance(FeatureMatrix features, double[] labels, int seed, int repeats = 3) =>
        TreeModelChecks.PermutationImportance(this, features, labels, seed, repeats);

    public void Write(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("algorithm", GradientBoostingAlgorithm.AlgorithmName);
        writer.WriteString("task", Task.ToName());
        writer.WriteNumber("base_score", BaseScore);
        PayloadArrays.WriteDoubles(writer, "importance", _importance);
        _ensemble.Write(writer);
        writer.WriteEndObject();
    }


    internal static GradientBoostingPredictor Read(JsonElement payload, ModelTask task)
    {
        PayloadArrays.RequireStatement(payload, "algorithm", GradientBoostingAlgorithm.AlgorithmName);
        PayloadArrays.RequireStatement(payload, "task", task.ToName());
        var ensemble = TreeEnsemble.Read(payload);
        var importance = PayloadArrays.ReadDoubles(payload, "importance");
        return new GradientBoostingPredictor(task, ensemble, payload.GetProperty("base_score").GetDouble(), importance);
    }
}
