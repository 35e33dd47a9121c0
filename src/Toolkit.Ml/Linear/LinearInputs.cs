using System.Globalization;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>
/// Turns a <see cref="TrainingData"/> into the double-precision column-major arrays the solvers use,
/// rejecting what linear models cannot take (missing values, labels outside the task).
/// </summary>
internal static class LinearInputs
{
    /// <summary>The feature columns as doubles, converted once; NaN or infinity is an error.</summary>
    public static double[][] Columns(FeatureMatrix features, string algorithm)
    {
        var columns = new double[features.ColumnCount][];
        var source = features.Columns;
        for (var j = 0; j < columns.Length; j++)
        {
            var src = source[j];
            var dst = new double[src.Length];
            for (var i = 0; i < src.Length; i++)
            {
                var v = src[i];
                if (!float.IsFinite(v))
                {
                    throw NotFinite(features, algorithm, j, i, v);
                }

                dst[i] = v;
            }

            columns[j] = dst;
        }

        return columns;
    }

    /// <summary>
    /// Throws, naming feature and row, when a value is NaN or infinite; for solvers that widen the single
    /// precision columns block by block instead of holding a checked double copy of the whole matrix.
    /// </summary>
    public static void CheckFinite(FeatureMatrix features, string algorithm)
    {
        var source = features.Columns;
        for (var j = 0; j < source.Length; j++)
        {
            var i = Array.FindIndex(source[j], v => !float.IsFinite(v));
            if (i >= 0)
            {
                throw NotFinite(features, algorithm, j, i, source[j][i]);
            }
        }
    }

    /// <summary>Checks the label: finite for regression, 0 or 1 for binary classification.</summary>
    public static void CheckLabel(TrainingData data, string algorithm)
    {
        if (data.Label.Length != data.Features.RowCount)
        {
            throw new ArgumentException(
                $"{algorithm}: {data.Label.Length} labels for {data.Features.RowCount} feature rows.", nameof(data));
        }

        if (data.Label.Length == 0)
        {
            throw new InvalidOperationException($"{algorithm}: no training rows.");
        }

        for (var i = 0; i < data.Label.Length; i++)
        {
            var y = data.Label[i];
            var bad = data.Task == ModelTask.BinaryClassification ? y != 0.0 && y != 1.0 : !double.IsFinite(y);
            if (bad)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{algorithm}: label at row {i} is {y}; {(data.Task == ModelTask.BinaryClassification ? "binary labels must be 0 or 1" : "regression targets must be finite")}."));
            }
        }
    }

    private static InvalidOperationException NotFinite(FeatureMatrix features, string algorithm, int column, int row, float value) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"{algorithm}: feature '{features.Names[column]}' has a {(float.IsNaN(value) ? "missing (NaN)" : "non-finite")} value at row {row}; linear models need imputed, finite inputs (the feature pipeline imputes missing values)."));

    public static void CheckTask(IAlgorithm algorithm, ModelTask task)
    {
        if (!algorithm.Supports(task))
        {
            throw new InvalidOperationException($"{algorithm.Name} does not support the task '{task.ToName()}'.");
        }
    }

    /// <summary>Subtracts each column's mean in place (when centering) and returns the means.</summary>
    public static double[] Center(double[][] columns, bool center)
    {
        var means = new double[columns.Length];
        if (!center)
        {
            return means;
        }

        for (var j = 0; j < columns.Length; j++)
        {
            var col = columns[j];
            var m = LinearAlgebra.Mean(col);
            means[j] = m;
            for (var i = 0; i < col.Length; i++)
            {
                col[i] -= m;
            }
        }

        return means;
    }

    public static double[] CenterLabel(ReadOnlySpan<double> label, bool center, out double mean)
    {
        mean = center ? LinearAlgebra.Mean(label) : 0.0;
        var y = new double[label.Length];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = label[i] - mean;
        }

        return y;
    }
}
