using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>What a boosting fit produced; <paramref name="TrainingScores"/> are the raw scores of every training row under the returned trees, when the fit kept them.</summary>
internal sealed record BoostingResult(TreeEnsemble Ensemble, double BaseScore, double[] GainImportance, int BestRound, double[]? TrainingScores = null);

/// <summary>
/// Histogram gradient boosting (XGBoost "hist" / LightGBM style): bin codes per feature, ordered
/// gradients moved along with the row partition, one histogram built per split (the smaller child)
/// and the sibling obtained by subtraction. Every floating-point sum runs in a fixed order (one
/// feature's histogram is built by one thread over rows in a fixed order), so the model is the same
/// whatever the number of threads.
/// </summary>
/// <remarks>
/// The rounds are here; the parts live beside it: <see cref="BoostingObjective"/> (base score,
/// gradients), <see cref="BoostingSampler"/> (row and feature samples), <see cref="TreeGrower"/>
/// (growth policy), <see cref="HistogramBuilder"/> and <see cref="SplitSearch"/> (histograms and
/// the best split), <see cref="RowPartition"/> (rows per node, score updates) and
/// <see cref="EarlyStopping"/>.
/// </remarks>
internal sealed class GradientBoostingTrainer(GradientBoostingOptions options, ModelTask task, TrainContext context)
{
    public BoostingResult Fit(TrainingData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var crew = context.MaxThreads > 1 ? new WorkCrew(context.MaxThreads, context.CancellationToken) : null;
        return FitCore(data, new ParallelSteps(crew, context.CancellationToken));
    }

    private BoostingResult FitCore(TrainingData data, ParallelSteps steps)
    {
        var features = data.Features;
        var label = data.Label;
        var n = features.RowCount;
        if (n == 0)
        {
            throw new ArgumentException("Cannot fit gradient boosting on zero rows.", nameof(data));
        }

        var binner = FeatureBinner.Fit(features, options.MaxBins, context.Seed, context.MaxThreads);
        var binned = BinnedRows.Create(binner, features, context.MaxThreads, steps);

        // Rows used for fitting, and where early stopping looks.
        var (trainRows, stopping) = EarlyStopping.Plan(data, options.EarlyStoppingRounds, task, binner, binned, context.Seed, context.MaxThreads);

        var objective = new BoostingObjective(task, steps);
        var baseScore = objective.BaseScore(label, trainRows);
        var scores = new double[n];
        Array.Fill(scores, baseScore);
        stopping?.Scores.AsSpan().Fill(baseScore);
        var gh = new float[2 * n];
        var partition = new RowPartition(binned, trainRows.Length, steps);
        var histograms = new HistogramBuilder(binned, partition, gh, new SplitSearch(options.L2, options.MinChildWeight), steps);
        var grower = new TreeGrower(options, histograms, partition, gh, steps);
        var sampler = new BoostingSampler(options, context.Seed, binned.FeatureCount);

        var trees = new List<TreeBuild>();
        var inSample = options.Subsample < 1.0 ? new bool[n] : null;
        for (var round = 0; round < options.Rounds; round++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            objective.Gradients(label, scores, trainRows, gh);
            var active = sampler.SampleRows(trainRows, round, inSample, partition.Rows);

            var tree = new TreeBuild();
            var leaves = grower.Grow(tree, active, sampler.SampleFeatures(round));
            trees.Add(tree);

            // Training scores: rows in the sample by their leaf ranges (or the last split of their
            // range), the others by walking the tree. Ranges hold disjoint rows, so they can be
            // updated in parallel.
            steps.For(leaves.Count, active * 5L, k => partition.AddLeafValues(tree, leaves[k], scores));

            if (inSample is not null)
            {
                foreach (var r in trainRows)
                {
                    if (!inSample[r])
                    {
                        scores[r] += tree.Value[tree.LeafOf(binned.Codes, binned.FeatureCount, r)];
                    }
                }
            }

            if (stopping is not null && stopping.ShouldStop(tree, round))
            {
                context.Progress?.Report(new TrainingProgress("round", round + 1, options.Rounds));
                break;
            }

            context.Progress?.Report(new TrainingProgress("round", round + 1, options.Rounds));
        }

        // Scores of rows held out, or summed over trees that early stopping then dropped, are not the model's.
        var scoresComplete = trainRows.Length == n;
        if (stopping is not null && stopping.KeepBest(trees))
        {
            scoresComplete = false;
        }

        // Every row's score is the base score plus its leaf of each tree, added in tree order: the
        // same sum as predicting the training rows, which can therefore reuse it.
        return new BoostingResult(
            TreeEnsemble.FromTrees(trees, binner), baseScore, TreeBuild.Importance(trees, binned.FeatureCount), trees.Count,
            scoresComplete ? scores : null);
    }
}
