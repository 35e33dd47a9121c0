using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Onnx;

/// <summary>
/// Writes a model as one ONNX graph that scores raw rows: one input per signature column (shape
/// [N, 1]; float or double as the column's type, text as string with "" for missing), the fitted
/// feature pipeline as plain arithmetic, then the predictor, and one output <c>score</c> (double,
/// [N, 1]): the positive-class probability for classification, the prediction for regression; for
/// classification also <c>label</c> (string, [N, 1]), the predicted class.
/// </summary>
/// <remarks>
/// The pipeline runs in double and rounds each feature to float, exactly as ours does, so tree
/// splits see the same feature values bit for bit. Trees run through <c>ai.onnx.ml</c>
/// TreeEnsembleRegressor on double input (ONNX Runtime then sums leaves in double); the logistic
/// link, forest averaging and boosting base score are applied after it in double. Linear models are
/// MatMul + Add (+ Sigmoid) in double: LinearRegressor/LinearClassifier hold float coefficients.
/// </remarks>
public static class OnnxExporter
{
    public const string OutputName = "score";

    /// <summary>For classification, the predicted class (text): the positive class when score &gt;= 0.5, as ours.</summary>
    public const string LabelOutputName = "label";

    /// <summary>The ONNX bytes for <paramref name="model"/>; throws <see cref="OnnxExportException"/> naming what cannot be exported.</summary>
    public static byte[] Export(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Features.Transforms.Count > 0)
        {
            throw new OnnxExportException(
                $"the model applies team transforms first ({string.Join(", ", model.Features.Transforms.Select(t => t.Name))}): their C# code has no ONNX form");
        }

        using var pipeline = JsonDocument.Parse(Serialize(model.Features.Write));
        using var predictor = JsonDocument.Parse(Serialize(model.Predictor.Write));
        var graph = new OnnxGraph();
        var features = PipelineGraph.Build(graph, model.Signature, pipeline.RootElement);
        if (features.Count != model.Features.OutputCount)
        {
            throw new InvalidOperationException("The exported pipeline does not give the model's feature count.");
        }

        var matrix = graph.Node("Concat", features, [OnnxGraph.IntAttribute("axis", 1)]);
        var score = model.Algorithm switch
        {
            "gradient-boosting" or "random-forest" => TreeGraph.Build(graph, model.Algorithm, model.Task, matrix, predictor.RootElement),
            "logistic-regression" or "ridge" or "lasso" or "elastic-net" => LinearGraph.Build(graph, model.Task, matrix, predictor.RootElement),
            var other => throw new OnnxExportException($"model algorithm '{other}' cannot be exported to ONNX yet"),
        };
        foreach (var output in new[] { OutputName, LabelOutputName })
        {
            if (model.Signature.Columns.Any(c => c.Name == output))
            {
                throw new OnnxExportException($"input column '{output}' clashes with the ONNX output name '{output}'");
            }
        }

        graph.Output(score, OutputName, OnnxType.Double);
        if (model.Task == ModelTask.BinaryClassification)
        {
            var positive = graph.Node("GreaterOrEqual", [score, graph.Double(0.5)]);
            var label = graph.Node("Where", [positive, graph.Text(model.Classes![1]), graph.Text(model.Classes[0])]);
            graph.Output(label, LabelOutputName, OnnxType.String);
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OnnxMetadata.Algorithm] = model.Algorithm,
            [OnnxMetadata.Task] = model.Task.ToName(),
            [OnnxMetadata.Label] = model.Label,
        };
        if (model.Digest is { } digest)
        {
            metadata[OnnxMetadata.ModelDigest] = digest;
        }

        if (model.Classes is { } classes)
        {
            metadata[OnnxMetadata.Classes] = string.Join(",", classes);
        }

        var doc = model.Task == ModelTask.BinaryClassification
            ? string.Create(CultureInfo.InvariantCulture, $"score = P({model.Label} = {model.Classes![1]}); missing text values are empty strings")
            : $"score = predicted {model.Label}; missing text values are empty strings";
        return graph.ToModel(model.Training.ToolkitVersion, doc, metadata);
    }

    /// <summary>Exports to a file (written whole, so a refused export leaves no file behind).</summary>
    public static void Export(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = Export(model);
        File.WriteAllBytes(path, bytes);
    }

    internal static OnnxType TypeOf(ColumnType type) => type switch
    {
        ColumnType.Float32 => OnnxType.Float,
        ColumnType.Float64 => OnnxType.Double,
        _ => OnnxType.String,
    };

    private static byte[] Serialize(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return stream.ToArray();
    }
}
