using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Onnx;

/// <summary>A tree ensemble (gradient boosting or random forest) as an ai.onnx.ml TreeEnsembleRegressor plus its link in double.</summary>
internal static class TreeGraph
{
    public static string Build(OnnxGraph graph, string algorithm, ModelTask task, string features, JsonElement payload)
    {
        var roots = PayloadArrays.ReadInts(payload, "roots");
        var feature = PayloadArrays.ReadInts(payload, "feature");
        var missingLeft = PayloadArrays.ReadInts(payload, "missing_left");
        var threshold = PayloadArrays.ReadFloats(payload, "threshold");
        var left = PayloadArrays.ReadInts(payload, "left");
        var right = PayloadArrays.ReadInts(payload, "right");
        var value = PayloadArrays.ReadDoubles(payload, "value");
        if (roots.Length == 0)
        {
            throw new OnnxExportException($"the {algorithm} model has no trees; there is nothing to export");
        }

        var treeIds = new List<long>();
        var nodeIds = new List<long>();
        var featureIds = new List<long>();
        var modes = new List<string>();
        var thresholds = new List<float>();
        var trueIds = new List<long>();
        var falseIds = new List<long>();
        var missingTrue = new List<long>();
        var leafTrees = new List<long>();
        var leafNodes = new List<long>();
        var weights = new List<double>();

        // Node ids are the flat indices: unique within each tree, and the links need no renumbering.
        for (var t = 0; t < roots.Length; t++)
        {
            var pending = new Stack<int>();
            pending.Push(roots[t]);
            while (pending.Count > 0)
            {
                var n = pending.Pop();
                treeIds.Add(t);
                nodeIds.Add(n);
                if (feature[n] < 0)
                {
                    featureIds.Add(0);
                    modes.Add("LEAF");
                    thresholds.Add(0);
                    trueIds.Add(0);
                    falseIds.Add(0);
                    missingTrue.Add(0);
                    leafTrees.Add(t);
                    leafNodes.Add(n);
                    weights.Add(value[n]);
                    continue;
                }

                // Ours goes right when v > threshold, and a missing value goes right unless the node
                // learned "missing left": BRANCH_GT with the true branch on the right.
                featureIds.Add(feature[n]);
                modes.Add("BRANCH_GT");
                thresholds.Add(threshold[n]);
                trueIds.Add(right[n]);
                falseIds.Add(left[n]);
                missingTrue.Add(missingLeft[n] != 0 ? 0 : 1);
                pending.Push(right[n]);
                pending.Push(left[n]);
            }
        }

        // Double input makes ONNX Runtime keep thresholds and leaf sums in double; float features
        // convert exactly, so every comparison is the one our float traversal makes.
        var input = PipelineGraph.Cast(graph, features, OnnxType.Double);
        var sum = graph.Node("TreeEnsembleRegressor", [input],
            [
                OnnxGraph.IntAttribute("n_targets", 1),
                OnnxGraph.StringAttribute("aggregate_function", "SUM"),
                OnnxGraph.StringAttribute("post_transform", "NONE"),
                OnnxGraph.IntsAttribute("nodes_treeids", treeIds),
                OnnxGraph.IntsAttribute("nodes_nodeids", nodeIds),
                OnnxGraph.IntsAttribute("nodes_featureids", featureIds),
                OnnxGraph.StringsAttribute("nodes_modes", modes),
                OnnxGraph.FloatsAttribute("nodes_values", thresholds),
                OnnxGraph.IntsAttribute("nodes_truenodeids", trueIds),
                OnnxGraph.IntsAttribute("nodes_falsenodeids", falseIds),
                OnnxGraph.IntsAttribute("nodes_missing_value_tracks_true", missingTrue),
                OnnxGraph.IntsAttribute("target_treeids", leafTrees),
                OnnxGraph.IntsAttribute("target_nodeids", leafNodes),
                OnnxGraph.IntsAttribute("target_ids", leafTrees.Select(_ => 0L)),
                OnnxGraph.DoublesTensorAttribute("target_weights_as_tensor", weights),
            ],
            OnnxGraph.MlDomain);
        var raw = PipelineGraph.Cast(graph, sum, OnnxType.Double);
        if (algorithm == "random-forest")
        {
            // Averaged leaf values: probabilities for classification, predictions for regression.
            return graph.Node("Mul", [raw, graph.Double(1.0 / roots.Length)]);
        }

        var margin = graph.Node("Add", [raw, graph.Double(payload.GetProperty("base_score").GetDouble())]);
        return task == ModelTask.BinaryClassification ? graph.Node("Sigmoid", [margin]) : margin;
    }
}
