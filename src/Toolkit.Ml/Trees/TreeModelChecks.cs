using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>Input checks and small metrics shared by the tree ensembles.</summary>
internal static class TreeModelChecks
{
    public static void CheckData(TrainingData data, string algorithm)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Label.Length != data.Features.RowCount)
        {
            throw new ArgumentException($"{algorithm}: {data.Label.Length} labels for {data.Features.RowCount} rows.", nameof(data));
        }

        if (data.Features.RowCount == 0)
        {
            throw new ArgumentException($"{algorithm}: no training rows.", nameof(data));
        }

        CheckLabels(data.Label, data.Task, algorithm);
        if (data.ValidationFeatures is { } vf)
        {
            if (vf.ColumnCount != data.Features.ColumnCount || data.ValidationLabel is null || data.ValidationLabel.Length != vf.RowCount)
            {
                throw new ArgumentException($"{algorithm}: validation rows do not match the training features and labels.", nameof(data));
            }

            CheckLabels(data.ValidationLabel, data.Task, algorithm);
        }
    }

    private static void CheckLabels(double[] label, ModelTask task, string algorithm)
    {
        foreach (var y in label)
        {
            if (task == ModelTask.BinaryClassification ? y is not (0.0 or 1.0) : !double.IsFinite(y))
            {
                throw new ArgumentException(task == ModelTask.BinaryClassification
                    ? $"{algorithm}: classification labels must be 0 or 1, found {y.ToString(System.Globalization.CultureInfo.InvariantCulture)}."
                    : $"{algorithm}: regression targets must be finite numbers.");
            }
        }
    }

    /// <summary>Area under the ROC curve (ties count half), for permutation importance.</summary>
    public static double Auc(ReadOnlySpan<double> score, ReadOnlySpan<double> label)
    {
        var order = new int[score.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var keys = score.ToArray();
        Array.Sort(keys, order);
        double positives = 0, rankSum = 0;
        var i0 = 0;
        while (i0 < order.Length)
        {
            var i1 = i0;
            while (i1 + 1 < order.Length && keys[i1 + 1] == keys[i0])
            {
                i1++;
            }

            var rank = ((i0 + i1) / 2.0) + 1;
            for (var k = i0; k <= i1; k++)
            {
                if (label[order[k]] > 0.5)
                {
                    positives++;
                    rankSum += rank;
                }
            }

            i0 = i1 + 1;
        }

        var negatives = order.Length - positives;
        return positives == 0 || negatives == 0 ? 0.5 : (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }

    /// <summary>
    /// Mean drop of the score (AUC for classification, R² for regression) when one feature's column
    /// is shuffled, per feature, averaged over <paramref name="repeats"/> seeded shuffles.
    /// </summary>
    public static double[] PermutationImportance(
        IPredictor predictor, FeatureMatrix features, double[] labels, int seed, int repeats)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        if (labels.Length != features.RowCount)
        {
            throw new ArgumentException($"{labels.Length} labels for {features.RowCount} rows.", nameof(labels));
        }

        var n = features.RowCount;
        var prediction = new double[n];
        predictor.Predict(features, prediction);
        var baseline = Score(predictor.Task, prediction, labels);
        var result = new double[features.ColumnCount];
        var columns = (float[][])features.Columns.Clone();
        for (var f = 0; f < features.ColumnCount; f++)
        {
            var drop = 0.0;
            for (var rep = 0; rep < repeats; rep++)
            {
                var shuffled = (float[])features.Columns[f].Clone();
                var rng = new TreeRandom(seed, 7, (f * 1000) + rep);
                for (var i = n - 1; i > 0; i--)
                {
                    var j = rng.NextInt(i + 1);
                    (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
                }

                columns[f] = shuffled;
                predictor.Predict(new FeatureMatrix(features.Names, columns), prediction);
                drop += baseline - Score(predictor.Task, prediction, labels);
            }

            columns[f] = features.Columns[f];
            result[f] = drop / repeats;
        }

        return result;
    }

    private static double Score(ModelTask task, double[] prediction, double[] labels)
    {
        if (task == ModelTask.BinaryClassification)
        {
            return Auc(prediction, labels);
        }

        var mean = labels.Average();
        double ssRes = 0, ssTot = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            ssRes += (labels[i] - prediction[i]) * (labels[i] - prediction[i]);
            ssTot += (labels[i] - mean) * (labels[i] - mean);
        }

        return ssTot > 0 ? 1 - (ssRes / ssTot) : 0;
    }
}
