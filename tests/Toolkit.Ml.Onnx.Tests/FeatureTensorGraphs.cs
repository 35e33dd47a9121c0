using static Toolkit.Ml.Onnx.Tests.OnnxTestFiles;

namespace Toolkit.Ml.Onnx.Tests;

/// <summary>
/// Graphs whose one input is an [N, F] feature tensor, as skl2onnx and onnxmltools write them (input
/// <c>float_input</c> / <c>input</c>), hand-written so the expected scores follow from their weights alone.
/// </summary>
internal static class FeatureTensorGraphs
{
    private const long Float = 1;
    private const long Int64 = 7;
    private const long Double = 11;

    /// <summary>
    /// float_input (float [batch, F]) → ai.onnx.ml LinearClassifier (classes 0 and 1, SOFTMAX over a zero row
    /// for class 0 and w·x + b for class 1, so P(1) = sigmoid(w·x + b)) → ZipMap → <c>output_probability</c>
    /// (or, without <paramref name="zipMap"/>, <c>probabilities</c> float [N, 2]), plus <c>label</c>.
    /// <paramref name="batch"/> null: symbolic N; <paramref name="symbolicWidth"/>: F is a dim_param.
    /// </summary>
    public static byte[] LinearClassifier(float[] w, float b, long? batch = null, bool symbolicWidth = false, bool zipMap = true)
    {
        object width = symbolicWidth ? "F" : (long)w.Length;
        var n = batch ?? (object)"N";
        if (!zipMap)
        {
            var linear = Node("LinearClassifier", ["float_input"], ["label", "probabilities"], OnnxGraph.MlDomain,
                OnnxGraph.FloatsAttribute("coefficients", [.. new float[w.Length], .. w]),
                OnnxGraph.FloatsAttribute("intercepts", [0, b]),
                OnnxGraph.IntsAttribute("classlabels_ints", [0, 1]),
                OnnxGraph.StringAttribute("post_transform", "SOFTMAX"));
            return Model([linear], [], [Tensor("float_input", Float, n, width)], [Tensor("label", Int64, n), Tensor("probabilities", Float, n, 2L)]);
        }

        var nodes = new[]
        {
            Node("LinearClassifier", ["float_input"], ["label", "probabilities"], OnnxGraph.MlDomain,
                OnnxGraph.FloatsAttribute("coefficients", [.. new float[w.Length], .. w]),
                OnnxGraph.FloatsAttribute("intercepts", [0, b]),
                OnnxGraph.IntsAttribute("classlabels_ints", [0, 1]),
                OnnxGraph.StringAttribute("post_transform", "SOFTMAX")),
            Node("ZipMap", ["probabilities"], ["output_probability"], OnnxGraph.MlDomain, OnnxGraph.IntsAttribute("classlabels_int64s", [0, 1])),
        };
        var map = new ProtoWriter().Int(1, Int64).Message(2, new ProtoWriter().Message(1, new ProtoWriter().Int(1, Float)));
        var sequence = new ProtoWriter().Message(1, new ProtoWriter().Message(5, map));
        var zip = new ProtoWriter().String(1, "output_probability").Message(2, new ProtoWriter().Message(4, sequence));
        return Model(nodes, [], [Tensor("float_input", Float, n, width)], [Tensor("label", Int64, n), zip]);
    }

    /// <summary>
    /// float_input (float [N, 3]) → ai.onnx.ml TreeEnsembleClassifier, two stumps summed (post_transform NONE),
    /// output <c>probabilities</c> (float [N, 2]): tree 0 splits x[2] &lt; 0.5 (missing goes true) into leaves
    /// P(1) += 0.1 | 0.45; tree 1 splits x[0] &lt;= 2 (missing goes false) into P(1) += 0.3 | 0.05.
    /// </summary>
    public static byte[] TreeClassifier()
    {
        var node = Node("TreeEnsembleClassifier", ["float_input"], ["label", "probabilities"], OnnxGraph.MlDomain,
            OnnxGraph.IntsAttribute("classlabels_int64s", [0, 1]),
            OnnxGraph.StringAttribute("post_transform", "NONE"),
            OnnxGraph.IntsAttribute("nodes_treeids", [0, 0, 0, 1, 1, 1]),
            OnnxGraph.IntsAttribute("nodes_nodeids", [0, 1, 2, 0, 1, 2]),
            OnnxGraph.IntsAttribute("nodes_featureids", [2, 0, 0, 0, 0, 0]),
            OnnxGraph.StringsAttribute("nodes_modes", ["BRANCH_LT", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"]),
            OnnxGraph.FloatsAttribute("nodes_values", [0.5f, 0, 0, 2f, 0, 0]),
            OnnxGraph.IntsAttribute("nodes_truenodeids", [1, 0, 0, 1, 0, 0]),
            OnnxGraph.IntsAttribute("nodes_falsenodeids", [2, 0, 0, 2, 0, 0]),
            OnnxGraph.IntsAttribute("nodes_missing_value_tracks_true", [1, 0, 0, 0, 0, 0]),
            OnnxGraph.IntsAttribute("class_treeids", [0, 0, 0, 0, 1, 1, 1, 1]),
            OnnxGraph.IntsAttribute("class_nodeids", [1, 1, 2, 2, 1, 1, 2, 2]),
            OnnxGraph.IntsAttribute("class_ids", [0, 1, 0, 1, 0, 1, 0, 1]),
            OnnxGraph.FloatsAttribute("class_weights", [0.4f, 0.1f, 0.05f, 0.45f, 0.2f, 0.3f, 0.45f, 0.05f]));
        return Model([node], [], [Tensor("float_input", Float, "N", 3L)], [Tensor("label", Int64, "N"), Tensor("probabilities", Float, "N", 2L)]);
    }

    /// <summary>The P(1) <see cref="TreeClassifier"/> computes, from its weights (NaN: missing).</summary>
    public static double TreeProbability(double x0, double x2) =>
        (double.IsNaN(x2) || x2 < 0.5 ? 0.1 : 0.45) + (!double.IsNaN(x0) && x0 <= 2 ? 0.3 : 0.05);

    /// <summary>input (double [N, F]) → MatMul(w as [F, 1]) → Add(b) → <c>variable</c> (double [N, 1]): a regressor.</summary>
    public static byte[] LinearRegressor(double[] w, double b)
    {
        var weights = new ProtoWriter().PackedInts(1, [w.Length, 1]).Int(2, Double).String(8, "coefficients").Bytes(9, w.SelectMany(BitConverter.GetBytes).ToArray());
        var intercept = new ProtoWriter().PackedInts(1, [1]).Int(2, Double).String(8, "intercept").Bytes(9, BitConverter.GetBytes(b));
        var nodes = new[]
        {
            Node("MatMul", ["input", "coefficients"], ["product"], ""),
            Node("Add", ["product", "intercept"], ["variable"], ""),
        };
        return Model(nodes, [weights, intercept], [Tensor("input", Double, "N", (long)w.Length)], [Tensor("variable", Double, "N", 1L)]);
    }

    private static byte[] Model(ProtoWriter[] nodes, ProtoWriter[] initializers, ProtoWriter[] inputs, ProtoWriter[] outputs)
    {
        var graph = new ProtoWriter();
        foreach (var n in nodes)
        {
            graph.Message(1, n);
        }

        graph.String(2, "converter-like");
        foreach (var i in initializers)
        {
            graph.Message(5, i);
        }

        foreach (var i in inputs)
        {
            graph.Message(11, i);
        }

        foreach (var o in outputs)
        {
            graph.Message(12, o);
        }

        return OnnxTestFiles.ModelProto(graph, "skl2onnx-like");
    }

    /// <summary>A tensor ValueInfo; a dimension is a number (dim_value) or a name (dim_param).</summary>
    private static ProtoWriter Tensor(string name, long elementType, params object[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var d in dims)
        {
            shape.Message(1, d is long v ? new ProtoWriter().Int(1, v) : new ProtoWriter().String(2, (string)d));
        }

        var tensor = new ProtoWriter().Int(1, elementType).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensor));
    }
}
