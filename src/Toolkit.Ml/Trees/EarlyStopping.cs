using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>
/// Early stopping of a boosting fit: the loss on held-out rows after each round, stop once it has not
/// improved for <c>early_stopping_rounds</c> rounds, keep the trees up to the best round. The rows
/// are the validation rows given with the data, or else a seeded tenth of the training rows (which
/// are then not fitted on).
/// </summary>
internal sealed class EarlyStopping
{
    private readonly int _patience;
    private readonly ModelTask _task;
    private readonly byte[] _codes;
    private readonly int _stride;
    private readonly int[] _rows;
    private readonly double[] _label;
    private double _bestLoss = double.PositiveInfinity;

    private EarlyStopping(int patience, ModelTask task, byte[] codes, int stride, int[] rows, double[] label)
    {
        _patience = patience;
        _task = task;
        _codes = codes;
        _stride = stride;
        _rows = rows;
        _label = label;
        Scores = new double[rows.Length];
    }

    /// <summary>Running raw scores of the watched rows.</summary>
    public double[] Scores { get; }

    /// <summary>The round with the lowest loss so far; -1 before the first.</summary>
    public int BestRound { get; private set; } = -1;

    /// <summary>
    /// The rows to fit on, and the early stopping to run (null when it is off, or when there are no
    /// validation rows and fewer than 20 training rows to hold some out from).
    /// </summary>
    public static (int[] TrainRows, EarlyStopping? Stopping) Plan(
        TrainingData data, int patience, ModelTask task, FeatureBinner binner, BinnedRows binned, int seed, int maxThreads)
    {
        var n = data.Features.RowCount;
        if (patience > 0 && data.ValidationFeatures is { } vf && data.ValidationLabel is { } vl)
        {
            var validation = new EarlyStopping(patience, task, binner.TransformRows(vf, maxThreads), binned.FeatureCount, [.. Enumerable.Range(0, vf.RowCount)], vl);
            return ([.. Enumerable.Range(0, n)], validation);
        }

        if (patience > 0 && n >= 20)
        {
            var order = Enumerable.Range(0, n).ToArray();
            var rng = new TreeRandom(seed, 3, 0);
            for (var i = n - 1; i > 0; i--)
            {
                var j = rng.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            var holdout = Math.Max(1, n / 10);
            var held = order[..holdout];
            Array.Sort(held);
            var trainRows = order[holdout..];
            Array.Sort(trainRows);
            var label = data.Label;
            return (trainRows, new EarlyStopping(patience, task, binned.Codes, binned.FeatureCount, held, [.. held.Select(r => label[r])]));
        }

        return ([.. Enumerable.Range(0, n)], null);
    }

    /// <summary>Adds the round's tree to the watched rows' scores; true when the fit should stop.</summary>
    public bool ShouldStop(TreeBuild tree, int round)
    {
        var loss = Update(tree);
        if (loss < _bestLoss)
        {
            _bestLoss = loss;
            BestRound = round;
            return false;
        }

        return round - BestRound >= _patience;
    }

    /// <summary>Drops the trees after the best round; true when there were any.</summary>
    public bool KeepBest(List<TreeBuild> trees)
    {
        if (BestRound < 0 || BestRound + 1 >= trees.Count)
        {
            return false;
        }

        trees.RemoveRange(BestRound + 1, trees.Count - BestRound - 1);
        return true;
    }

    /// <summary>Mean loss of the watched rows after adding <paramref name="tree"/>.</summary>
    private double Update(TreeBuild tree)
    {
        var loss = 0.0;
        for (var i = 0; i < _rows.Length; i++)
        {
            Scores[i] += tree.Value[tree.LeafOf(_codes, _stride, _rows[i])];
            var s = Scores[i];
            if (_task == ModelTask.BinaryClassification)
            {
                // Log loss from the raw score, stable for large |s|.
                loss += _label[i] > 0.5 ? Softplus(-s) : Softplus(s);
            }
            else
            {
                loss += (s - _label[i]) * (s - _label[i]);
            }
        }

        return loss / _rows.Length;
    }

    private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
}
