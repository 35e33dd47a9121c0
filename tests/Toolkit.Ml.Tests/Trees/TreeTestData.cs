using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Trees;

/// <summary>
/// Deterministic data sets for the tree tests. <see cref="Friedmanish"/> is defined by integer
/// hashing so that the same rows can be rebuilt in Python for the reference figures.
/// </summary>
internal static class TreeTestData
{
    /// <summary>Uniform [0, 1) from (row, column) by an integer hash; mirrored in Python with 32-bit masks.</summary>
    public static double Uniform(int i, int j)
    {
        var z = unchecked((uint)((i * 7919) + (j * 104729) + 12345));
        z ^= z >> 16;
        z = unchecked(z * 0x7feb352d);
        z ^= z >> 15;
        z = unchecked(z * 0x846ca68b);
        z ^= z >> 16;
        return z / 4294967296.0;
    }

    /// <summary>
    /// 8 features in [-1, 1); target s = x0 + x1² - x2·x3 + 0.5·sin(3·x4) + noise (x5..x7 are noise);
    /// the class label is s &gt; 0.3.
    /// </summary>
    public static (FeatureMatrix Features, double[] Target, double[] Label) Friedmanish(int start, int count)
    {
        var columns = new float[8][];
        for (var j = 0; j < 8; j++)
        {
            columns[j] = new float[count];
            for (var k = 0; k < count; k++)
            {
                columns[j][k] = (float)((Uniform(start + k, j) * 2) - 1);
            }
        }

        var target = new double[count];
        var label = new double[count];
        for (var k = 0; k < count; k++)
        {
            double x0 = columns[0][k], x1 = columns[1][k], x2 = columns[2][k], x3 = columns[3][k], x4 = columns[4][k];
            target[k] = x0 + (x1 * x1) - (x2 * x3) + (0.5 * Math.Sin(3 * x4)) + ((Uniform(start + k, 99) - 0.5) * 0.6);
            label[k] = target[k] > 0.3 ? 1 : 0;
        }

        return (Matrix(columns), target, label);
    }

    public static FeatureMatrix Matrix(params float[][] columns) =>
        new([.. Enumerable.Range(0, columns.Length).Select(j => "f" + j.ToString(System.Globalization.CultureInfo.InvariantCulture))], columns);

    public static IPredictor Fit(IAlgorithm algorithm, FeatureMatrix x, double[] y, ModelTask task, Dictionary<string, string>? given = null, int threads = 2, int seed = 0) =>
        FitWithResult(algorithm, x, y, task, given, threads, seed).Model;

    public static FitResult FitWithResult(IAlgorithm algorithm, FeatureMatrix x, double[] y, ModelTask task, Dictionary<string, string>? given = null, int threads = 2, int seed = 0) =>
        algorithm.Fit(
            new TrainingData(x, y, task),
            HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given),
            new TrainContext { Seed = seed, MaxThreads = threads });

    public static double[] Predict(IPredictor predictor, FeatureMatrix x)
    {
        var result = new double[x.RowCount];
        predictor.Predict(x, result);
        return result;
    }

    public static byte[] Serialize(IPredictor predictor)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            predictor.Write(writer);
        }

        return stream.ToArray();
    }

    public static IPredictor RoundTrip(IAlgorithm algorithm, IPredictor predictor)
    {
        using var document = JsonDocument.Parse(Serialize(predictor));
        return algorithm.Read(document.RootElement.Clone(), predictor.Task);
    }

    public static double Auc(double[] score, double[] label)
    {
        double pairs = 0, wins = 0;
        for (var i = 0; i < score.Length; i++)
        {
            if (label[i] < 0.5)
            {
                continue;
            }

            for (var j = 0; j < score.Length; j++)
            {
                if (label[j] > 0.5)
                {
                    continue;
                }

                pairs++;
                wins += score[i] > score[j] ? 1 : score[i] == score[j] ? 0.5 : 0;
            }
        }

        return wins / pairs;
    }

    public static double Rmse(double[] prediction, double[] target) =>
        Math.Sqrt(prediction.Zip(target, (p, t) => (p - t) * (p - t)).Average());
}
