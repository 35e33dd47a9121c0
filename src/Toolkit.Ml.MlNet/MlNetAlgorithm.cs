using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.MlNet;

/// <summary>
/// One ML.NET trainer offered as a Toolkit algorithm: its name (<c>mlnet-…</c>), hyperparameters declared
/// and validated like ours (<see cref="HyperParameters.Resolve"/>), and the ML.NET estimator they make.
/// Every trainer is seeded and runs on a fixed number of threads (the <c>threads</c> parameter, default 1),
/// so the model does not depend on the machine's core count.
/// </summary>
public sealed class MlNetAlgorithm
{
    internal const string FeaturesColumn = "Features";
    internal const string LabelColumn = "Label";

    private static readonly ParameterInfo Threads = new("threads", ParameterKind.Integer, "1",
        "ML.NET training threads; fixed so that the model does not depend on the machine") { Min = 1, Max = 64 };

    private readonly Func<MLContext, ModelTask, HyperParameters, int, IEstimator<ITransformer>> _estimator;

    private MlNetAlgorithm(
        string name,
        string description,
        bool treeBased,
        IReadOnlyList<ParameterInfo> parameters,
        Func<MLContext, ModelTask, HyperParameters, int, IEstimator<ITransformer>> estimator)
    {
        Name = name;
        Description = description;
        TreeBased = treeBased;
        Parameters = [.. parameters, Threads];
        _estimator = estimator;
    }

    public string Name { get; }

    public string Description { get; }

    /// <summary>Tree trainers take <c>FeaturePipelineOptions.ForTrees</c> (NaN kept), SDCA the scaled, imputed features.</summary>
    public bool TreeBased { get; }

    public IReadOnlyList<ParameterInfo> Parameters { get; }

    public static MlNetAlgorithm LightGbm { get; } = new(
        "mlnet-lightgbm",
        "ML.NET LightGBM gradient-boosted trees (binary classification, regression)",
        treeBased: true,
        [
            new("rounds", ParameterKind.Integer, "100", "boosting iterations") { Min = 1, Max = 100_000 },
            new("learning_rate", ParameterKind.Real, "0.1", "shrinkage of each tree") { Min = 0, MinExclusive = true, Max = 1 },
            new("num_leaves", ParameterKind.Integer, "31", "maximum leaves per tree") { Min = 2, Max = 131_072 },
            new("min_data_per_leaf", ParameterKind.Integer, "20", "minimum rows in a leaf") { Min = 1, Max = 1_000_000 },
            new("max_bins", ParameterKind.Integer, "255", "histogram bins per feature") { Min = 2, Max = 65_535 },
            new("l2", ParameterKind.Real, "0", "L2 regularization of leaf values") { Min = 0, Max = 1e6 },
        ],
        static (ml, task, p, seed) =>
        {
            var booster = new GradientBooster.Options { L2Regularization = p.GetDouble("l2") };
            return task == ModelTask.BinaryClassification
                ? (IEstimator<ITransformer>)ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
                {
                    LabelColumnName = LabelColumn,
                    FeatureColumnName = FeaturesColumn,
                    NumberOfIterations = p.GetInt("rounds"),
                    LearningRate = p.GetDouble("learning_rate"),
                    NumberOfLeaves = p.GetInt("num_leaves"),
                    MinimumExampleCountPerLeaf = p.GetInt("min_data_per_leaf"),
                    MaximumBinCountPerFeature = p.GetInt("max_bins"),
                    Booster = booster,
                    NumberOfThreads = p.GetInt("threads"),
                    Seed = seed,
                    Deterministic = true,
                    Silent = true,
                    Verbose = false,
                })
                : ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
                {
                    LabelColumnName = LabelColumn,
                    FeatureColumnName = FeaturesColumn,
                    NumberOfIterations = p.GetInt("rounds"),
                    LearningRate = p.GetDouble("learning_rate"),
                    NumberOfLeaves = p.GetInt("num_leaves"),
                    MinimumExampleCountPerLeaf = p.GetInt("min_data_per_leaf"),
                    MaximumBinCountPerFeature = p.GetInt("max_bins"),
                    Booster = booster,
                    NumberOfThreads = p.GetInt("threads"),
                    Seed = seed,
                    Deterministic = true,
                    Silent = true,
                    Verbose = false,
                });
        });

    public static MlNetAlgorithm FastTree { get; } = new(
        "mlnet-fasttree",
        "ML.NET FastTree (MART) gradient-boosted trees (binary classification, regression)",
        treeBased: true,
        [
            new("rounds", ParameterKind.Integer, "100", "number of trees") { Min = 1, Max = 100_000 },
            new("learning_rate", ParameterKind.Real, "0.2", "shrinkage of each tree") { Min = 0, MinExclusive = true, Max = 1 },
            new("num_leaves", ParameterKind.Integer, "20", "maximum leaves per tree") { Min = 2, Max = 131_072 },
            new("min_data_per_leaf", ParameterKind.Integer, "10", "minimum rows in a leaf") { Min = 1, Max = 1_000_000 },
            new("max_bins", ParameterKind.Integer, "255", "histogram bins per feature") { Min = 2, Max = 65_535 },
        ],
        static (ml, task, p, seed) => task == ModelTask.BinaryClassification
            ? (IEstimator<ITransformer>)ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                LabelColumnName = LabelColumn,
                FeatureColumnName = FeaturesColumn,
                NumberOfTrees = p.GetInt("rounds"),
                LearningRate = p.GetDouble("learning_rate"),
                NumberOfLeaves = p.GetInt("num_leaves"),
                MinimumExampleCountPerLeaf = p.GetInt("min_data_per_leaf"),
                MaximumBinCountPerFeature = p.GetInt("max_bins"),
                NumberOfThreads = p.GetInt("threads"),
                Seed = seed,
                FeatureSelectionSeed = seed,
            })
            : ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                LabelColumnName = LabelColumn,
                FeatureColumnName = FeaturesColumn,
                NumberOfTrees = p.GetInt("rounds"),
                LearningRate = p.GetDouble("learning_rate"),
                NumberOfLeaves = p.GetInt("num_leaves"),
                MinimumExampleCountPerLeaf = p.GetInt("min_data_per_leaf"),
                MaximumBinCountPerFeature = p.GetInt("max_bins"),
                NumberOfThreads = p.GetInt("threads"),
                Seed = seed,
                FeatureSelectionSeed = seed,
            }));

    public static MlNetAlgorithm FastForest { get; } = new(
        "mlnet-fastforest",
        "ML.NET FastForest random forest (binary classification, regression)",
        treeBased: true,
        [
            new("trees", ParameterKind.Integer, "100", "number of trees") { Min = 1, Max = 100_000 },
            new("num_leaves", ParameterKind.Integer, "20", "maximum leaves per tree") { Min = 2, Max = 131_072 },
            new("min_data_per_leaf", ParameterKind.Integer, "10", "minimum rows in a leaf") { Min = 1, Max = 1_000_000 },
            new("feature_fraction", ParameterKind.Real, "0.7", "fraction of features each tree sees") { Min = 0, MinExclusive = true, Max = 1 },
            new("bagging_fraction", ParameterKind.Real, "0.7", "fraction of rows each tree sees") { Min = 0, MinExclusive = true, Max = 1 },
        ],
        static (ml, task, p, seed) => task == ModelTask.BinaryClassification
            // FastForest's binary score is no probability: Platt calibration (fitted on the training rows) makes one.
            ? (IEstimator<ITransformer>)ml.BinaryClassification.Trainers.FastForest(new FastForestBinaryTrainer.Options
            {
                LabelColumnName = LabelColumn,
                FeatureColumnName = FeaturesColumn,
                NumberOfTrees = p.GetInt("trees"),
                NumberOfLeaves = p.GetInt("num_leaves"),
                MinimumExampleCountPerLeaf = p.GetInt("min_data_per_leaf"),
                FeatureFraction = p.GetDouble("feature_fraction"),
                BaggingExampleFraction = p.GetDouble("bagging_fraction"),
                NumberOfThreads = p.GetInt("threads"),
                Seed = seed,
                FeatureSelectionSeed = seed,
            }).Append(ml.BinaryClassification.Calibrators.Platt(LabelColumn))
            : ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
            {
                LabelColumnName = LabelColumn,
                FeatureColumnName = FeaturesColumn,
                NumberOfTrees = p.GetInt("trees"),
                NumberOfLeaves = p.GetInt("num_leaves"),
                MinimumExampleCountPerLeaf = p.GetInt("min_data_per_leaf"),
                FeatureFraction = p.GetDouble("feature_fraction"),
                BaggingExampleFraction = p.GetDouble("bagging_fraction"),
                NumberOfThreads = p.GetInt("threads"),
                Seed = seed,
                FeatureSelectionSeed = seed,
            }));

    public static MlNetAlgorithm Sdca { get; } = new(
        "mlnet-sdca",
        "ML.NET SDCA linear model: logistic regression (binary classification) or least squares (regression)",
        treeBased: false,
        [
            new("l2", ParameterKind.Real, "none", "L2 regularization (none: ML.NET chooses from the data)") { Min = 0, Max = 1e6, AllowsNone = true },
            new("l1", ParameterKind.Real, "none", "L1 regularization (none: ML.NET chooses from the data)") { Min = 0, Max = 1e6, AllowsNone = true },
            new("max_iterations", ParameterKind.Integer, "none", "passes over the data (none: ML.NET chooses)") { Min = 1, Max = 100_000, AllowsNone = true },
        ],
        static (ml, task, p, seed) =>
        {
            var l2 = RealOrNone(p, "l2");
            var l1 = RealOrNone(p, "l1");
            var iterations = p.GetIntOrNone("max_iterations");
            return task == ModelTask.BinaryClassification
                ? (IEstimator<ITransformer>)ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options
                {
                    LabelColumnName = LabelColumn,
                    FeatureColumnName = FeaturesColumn,
                    L2Regularization = l2,
                    L1Regularization = l1,
                    MaximumNumberOfIterations = iterations,
                    NumberOfThreads = p.GetInt("threads"),
                })
                : ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options
                {
                    LabelColumnName = LabelColumn,
                    FeatureColumnName = FeaturesColumn,
                    L2Regularization = l2,
                    L1Regularization = l1,
                    MaximumNumberOfIterations = iterations,
                    NumberOfThreads = p.GetInt("threads"),
                });
        });

    /// <summary>Every ML.NET trainer, in the order components and docs list them.</summary>
    public static IReadOnlyList<MlNetAlgorithm> All { get; } = [LightGbm, FastTree, FastForest, Sdca];

    /// <summary>All four do binary classification and regression.</summary>
    public static bool Supports(ModelTask task) => task is ModelTask.BinaryClassification or ModelTask.Regression;

    public static bool TryGet(string name, out MlNetAlgorithm algorithm)
    {
        algorithm = All.FirstOrDefault(a => a.Name == name)!;
        return algorithm is not null;
    }

    public static MlNetAlgorithm Get(string name) => TryGet(name, out var a)
        ? a
        : throw new InvalidParameterException($"Unknown ML.NET algorithm '{name}'; known: {string.Join(", ", All.Select(x => x.Name))}.");

    /// <summary>Checks the user's hyperparameters; errors name the algorithm and the parameter.</summary>
    public HyperParameters Resolve(IReadOnlyDictionary<string, string>? given) => HyperParameters.Resolve(Name, Parameters, given);

    internal IEstimator<ITransformer> Estimator(MLContext ml, ModelTask task, HyperParameters parameters, int seed) =>
        _estimator(ml, task, parameters, seed);

    private static float? RealOrNone(HyperParameters p, string name) =>
        p.GetString(name) == "none" ? null : (float)p.GetDouble(name);
}
