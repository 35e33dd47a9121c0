using System.Text;
using System.Text.Json;
using Toolkit.Ml.Linear;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Linear;

internal static class LinearTestHelpers
{
    public static LinearPredictor Fit(
        IAlgorithm algorithm, TrainingData data, Dictionary<string, string>? given = null, TrainContext? context = null)
    {
        var hp = HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given);
        return (LinearPredictor)algorithm.Fit(data, hp, context ?? new TrainContext { Seed = 7 }).Model;
    }

    public static string Bytes(IPredictor predictor)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            predictor.Write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static double[] Predict(IPredictor predictor, FeatureMatrix x)
    {
        var output = new double[x.RowCount];
        predictor.Predict(x, output);
        return output;
    }

    /// <summary>Each coefficient within a relative tolerance of the reference (absolute near zero).</summary>
    public static void ShouldMatch(IReadOnlyList<double> actual, double[] expected, double relative)
    {
        actual.Should().HaveCount(expected.Length);
        for (var j = 0; j < expected.Length; j++)
        {
            actual[j].Should().BeApproximately(
                expected[j], relative * Math.Max(1.0, Math.Abs(expected[j])), $"coefficient {j}");
        }
    }
}
