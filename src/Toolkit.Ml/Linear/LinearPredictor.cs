using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>
/// A fitted linear model: intercept + coefficients · x, passed through the logistic sigmoid for
/// binary classification. <see cref="Alpha"/> records the penalty actually used (the one chosen by
/// cross-validation when it ran).
/// </summary>
internal sealed class LinearPredictor : IPredictor
{
    private readonly double[] _coefficients;

    public LinearPredictor(ModelTask task, double[] coefficients, double intercept, double? alpha = null)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        Task = task;
        _coefficients = coefficients;
        Intercept = intercept;
        Alpha = alpha;
    }

    public ModelTask Task { get; }

    public int FeatureCount => _coefficients.Length;

    public IReadOnlyList<double> Coefficients => _coefficients;

    public double Intercept { get; }

    public double? Alpha { get; }

    public void Predict(FeatureMatrix features, Span<double> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ColumnCount != _coefficients.Length)
        {
            throw new ArgumentException(
                $"The model takes {_coefficients.Length} features but the input has {features.ColumnCount}.", nameof(features));
        }

        if (output.Length != features.RowCount)
        {
            throw new ArgumentException(
                $"Output holds {output.Length} rows but the input has {features.RowCount}.", nameof(output));
        }

        output.Fill(Intercept);
        var columns = features.Columns;
        for (var j = 0; j < _coefficients.Length; j++)
        {
            var c = _coefficients[j];
            if (c == 0.0)
            {
                continue;
            }

            var col = columns[j];
            for (var i = 0; i < output.Length; i++)
            {
                output[i] += c * col[i];
            }
        }

        if (Task == ModelTask.BinaryClassification)
        {
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = Sigmoid(output[i]);
            }
        }
    }

    public void Write(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("task", Task.ToName());
        writer.WriteNumber("feature_count", _coefficients.Length);
        // Doubles print in shortest round-trip form, so the text reads back to the same bits.
        writer.WriteNumber("intercept", Intercept);
        PayloadArrays.WriteDoubles(writer, "coefficients", _coefficients);
        if (Alpha is { } alpha)
        {
            writer.WriteNumber("alpha", alpha);
        }

        writer.WriteEndObject();
    }

    public static LinearPredictor Read(JsonElement payload, ModelTask task)
    {
        var coefficients = PayloadArrays.ReadDoubles(payload, "coefficients");
        if (!payload.TryGetProperty("intercept", out var intercept) || intercept.ValueKind != JsonValueKind.Number)
        {
            throw new FormatException("Linear model payload lacks the number 'intercept'.");
        }

        PayloadArrays.RequireStatement(payload, "task", task.ToName());
        if (!payload.TryGetProperty("feature_count", out var count) || count.ValueKind != JsonValueKind.Number
            || !count.TryGetInt32(out var features) || features != coefficients.Length)
        {
            throw new FormatException(
                $"Linear model payload: feature_count {(payload.TryGetProperty("feature_count", out var c) ? c.GetRawText() : "missing")} but {coefficients.Length} coefficients.");
        }

        double? alpha = payload.TryGetProperty("alpha", out var a) ? a.GetDouble() : null;
        return new LinearPredictor(task, coefficients, intercept.GetDouble(), alpha);
    }

    internal static double Sigmoid(double z) =>
        z >= 0 ? 1.0 / (1.0 + Math.Exp(-z)) : Math.Exp(z) / (1.0 + Math.Exp(z));
}
