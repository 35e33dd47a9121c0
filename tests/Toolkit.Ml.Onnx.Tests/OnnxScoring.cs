using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;

namespace Toolkit.Ml.Onnx.Tests;

/// <summary>Scores a table with ONNX Runtime: one [N, 1] tensor per signature column, missing text as "".</summary>
internal static class OnnxScoring
{
    public static double[] Score(byte[] onnx, Model model, DataTable data)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING };
        using var session = new InferenceSession(onnx, options);
        var n = data.RowCount;
        var inputs = new List<NamedOnnxValue>();
        foreach (var c in model.Signature.Columns)
        {
            var column = data[c.Name];
            inputs.Add(c.Type switch
            {
                ColumnType.Float32 => NamedOnnxValue.CreateFromTensor(c.Name,
                    new DenseTensor<float>(Enumerable.Range(0, n).Select(i => (float)column.GetDouble(i)).ToArray(), [n, 1])),
                ColumnType.Float64 => NamedOnnxValue.CreateFromTensor(c.Name,
                    new DenseTensor<double>(Enumerable.Range(0, n).Select(column.GetDouble).ToArray(), [n, 1])),
                _ => NamedOnnxValue.CreateFromTensor(c.Name,
                    new DenseTensor<string>(Enumerable.Range(0, n).Select(i => ((CategoricalColumn)column)[i] ?? string.Empty).ToArray(), [n, 1])),
            });
        }

        using var results = session.Run(inputs);
        var score = results.Single(r => r.Name == OnnxExporter.OutputName).AsTensor<double>();
        score.Dimensions.ToArray().Should().Equal(n, 1);
        return [.. score];
    }
}
