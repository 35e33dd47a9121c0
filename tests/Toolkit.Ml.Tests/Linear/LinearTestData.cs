using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Linear;

/// <summary>
/// A small deterministic data set from a closed-form formula, so that the identical float32 values
/// can be rebuilt in Python (Linear/sklearn_reference.py) for the scikit-learn reference figures.
/// Features are roughly uniform on [-1, 1]; the target depends on x0, x1, x2 only.
/// </summary>
internal static class LinearTestData
{
    public const int Rows = 80;
    public const int Features = 6;

    public static FeatureMatrix Matrix()
    {
        var columns = new float[Features][];
        for (var j = 0; j < Features; j++)
        {
            columns[j] = new float[Rows];
            for (var i = 0; i < Rows; i++)
            {
                columns[j][i] = (float)((((i * 37) + (j * 101) + (i * j * 7)) % 97 / 48.5) - 1.0);
            }
        }

        return new FeatureMatrix([.. Enumerable.Range(0, Features).Select(j => $"x{j}")], columns);
    }

    private static double Noise(int i) => ((i * 53) % 29 / 29.0) - 0.5;

    public static double[] RegressionTarget()
    {
        var x = Matrix();
        return [.. Enumerable.Range(0, Rows).Select(i =>
            (1.5 * x[i, 0]) - (2.0 * x[i, 1]) + (0.5 * x[i, 2]) + (0.25 * Noise(i)) + 3.0)];
    }

    public static double[] BinaryTarget()
    {
        var x = Matrix();
        return [.. Enumerable.Range(0, Rows).Select(i =>
            (0.8 * x[i, 0]) - (1.2 * x[i, 1]) + (0.3 * x[i, 2]) + (1.5 * Noise(i)) > 0 ? 1.0 : 0.0)];
    }

    public static TrainingData Regression() => new(Matrix(), RegressionTarget(), ModelTask.Regression);

    public static TrainingData Binary() => new(Matrix(), BinaryTarget(), ModelTask.BinaryClassification);
}
