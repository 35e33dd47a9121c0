using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;

namespace Toolkit.Ml.Onnx.Tests;

/// <summary>Scores a table with ONNX Runtime: one [N, 1] tensor per signature column, missing text as "".</summary>
internal static class OnnxScoring
{
    private static readonly ConcurrentQueue<string> Logged = new();

    // Keeps the logging function alive as long as the environment that calls it.
    private static readonly DOrtLoggingFunction Logger = (_, severity, _, _, _, message) =>
    {
        if (severity >= OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING)
        {
            Logged.Enqueue(message);
        }
    };

    static OnnxScoring()
    {
        // Every session of these tests is made here, after the environment exists with our logger.
        var options = new EnvironmentCreationOptions
        {
            logId = "toolkit-onnx-tests",
            logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            loggingFunction = Logger,
        };
        OrtEnv.CreateInstanceWithOptions(ref options);
    }

    /// <summary>
    /// Runs the static constructor: ONNX Runtime's environment is made once per process, so a test that
    /// creates a session another way (OnnxFormat) must call this first or the logger above is never installed.
    /// </summary>
    public static void EnsureEnvironment()
    {
    }

    /// <summary>A session for the file; fails if ONNX Runtime logs a warning or error while loading it.</summary>
    public static InferenceSession Load(byte[] onnx)
    {
        Logged.Clear();
        var session = new InferenceSession(onnx);
        Logged.Should().BeEmpty("ONNX Runtime must load the exported file without warnings");
        return session;
    }

    public static (double[] Scores, string[]? Labels) Score(byte[] onnx, Model model, DataTable data)
    {
        using var session = Load(onnx);
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
        var labels = results.SingleOrDefault(r => r.Name == OnnxExporter.LabelOutputName)?.AsTensor<string>();
        return ([.. score], labels is null ? null : [.. labels]);
    }
}
