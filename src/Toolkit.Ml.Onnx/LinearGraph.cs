using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Onnx;

/// <summary>A linear model as MatMul + Add (+ Sigmoid for classification), in double like ours.</summary>
internal static class LinearGraph
{
    public static string Build(OnnxGraph graph, ModelTask task, string features, JsonElement payload)
    {
        var coefficients = PayloadArrays.ReadDoubles(payload, "coefficients");
        var intercept = payload.GetProperty("intercept").GetDouble();
        var x = PipelineGraph.Cast(graph, features, OnnxType.Double);
        var product = graph.Node("MatMul", [x, graph.DoubleMatrix(coefficients, coefficients.Length, 1)]);
        var z = graph.Node("Add", [product, graph.Double(intercept)]);
        return task == ModelTask.BinaryClassification ? graph.Node("Sigmoid", [z]) : z;
    }
}
