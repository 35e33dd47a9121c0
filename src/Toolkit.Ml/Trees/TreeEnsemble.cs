using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>
/// All trees of a model flattened into one node array for fast batch prediction. A leaf points to
/// itself on both sides, so every row of a block can take exactly "depth" steps without branching
/// on leaves; rows are processed in blocks, tree by tree, reading columns of the block.
/// </summary>
internal sealed class TreeEnsemble
{
    private const int MissingLeftFlag = 1 << 30;
    private const int FeatureMask = MissingLeftFlag - 1;
    private const int BlockRows = 512;

    private readonly FlatNode[] _nodes;
    private readonly double[] _values;
    private readonly int[] _roots;
    private readonly int[] _depths;

    private TreeEnsemble(FlatNode[] nodes, double[] values, int[] roots, int[] depths, int featureCount)
    {
        _nodes = nodes;
        _values = values;
        _roots = roots;
        _depths = depths;
        FeatureCount = featureCount;
    }

    public int TreeCount => _roots.Length;

    public int FeatureCount { get; }

    public int NodeCount => _nodes.Length;

    public static TreeEnsemble FromTrees(IReadOnlyList<TreeBuild> trees, FeatureBinner binner)
    {
        var total = trees.Sum(t => t.NodeCount);
        var nodes = new FlatNode[total];
        var values = new double[total];
        var roots = new int[trees.Count];
        var depths = new int[trees.Count];
        var offset = 0;
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            roots[t] = offset;
            depths[t] = tree.Depth;
            for (var i = 0; i < tree.NodeCount; i++)
            {
                var f = tree.Feature[i];
                var at = offset + i;
                if (f < 0)
                {
                    nodes[at] = new FlatNode(0, 0, at, at);
                    values[at] = tree.Value[i];
                }
                else
                {
                    var feature = f | (tree.MissingLeft[i] ? MissingLeftFlag : 0);
                    nodes[at] = new FlatNode(feature, binner.Threshold(f, tree.Bin[i]), offset + tree.Left[i], offset + tree.Right[i]);
                }
            }

            offset += tree.NodeCount;
        }

        return new TreeEnsemble(nodes, values, roots, depths, binner.FeatureCount);
    }

    /// <summary>Adds, for each row, the sum over the first <paramref name="treeCount"/> trees of their leaf values.</summary>
    public unsafe void SumLeaves(FeatureMatrix features, Span<double> sums, int treeCount, int maxThreads)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ColumnCount != FeatureCount)
        {
            throw new ArgumentException($"The model expects {FeatureCount} features, got {features.ColumnCount}.", nameof(features));
        }

        if (sums.Length != features.RowCount)
        {
            throw new ArgumentException($"Output has {sums.Length} slots for {features.RowCount} rows.", nameof(sums));
        }

        var n = features.RowCount;
        var blocks = (n + BlockRows - 1) / BlockRows;
        var columns = features.Columns;
        fixed (double* output = sums)
        {
            var address = (nint)output;
            var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxThreads) };
            Parallel.For(
                0,
                blocks,
                options,
                () => new int[BlockRows],
                (b, _, pos) =>
                {
                    var start = b * BlockRows;
                    var count = Math.Min(BlockRows, n - start);
                    SumBlock(columns, start, count, pos, new Span<double>((double*)address + start, count), treeCount);
                    return pos;
                },
                _ => { });
        }
    }

    private void SumBlock(float[][] columns, int start, int count, int[] pos, Span<double> acc, int treeCount)
    {
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref var position = ref MemoryMarshal.GetArrayDataReference(pos);
        for (var t = 0; t < treeCount; t++)
        {
            var root = _roots[t];
            for (var r = 0; r < count; r++)
            {
                Unsafe.Add(ref position, r) = root;
            }

            for (var d = _depths[t]; d > 0; d--)
            {
                for (var r = 0; r < count; r++)
                {
                    ref var p = ref Unsafe.Add(ref position, r);
                    ref readonly var node = ref Unsafe.Add(ref nodes, p);
                    var v = columns[node.Feature & FeatureMask][start + r];
                    var left = v <= node.Threshold || (float.IsNaN(v) && (node.Feature & MissingLeftFlag) != 0);
                    p = left ? node.Left : node.Right;
                }
            }

            for (var r = 0; r < count; r++)
            {
                acc[r] += _values[Unsafe.Add(ref position, r)];
            }
        }
    }

    public void Write(Utf8JsonWriter writer)
    {
        var feature = new int[_nodes.Length];
        var missingLeft = new int[_nodes.Length];
        var threshold = new float[_nodes.Length];
        var left = new int[_nodes.Length];
        var right = new int[_nodes.Length];
        for (var i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            var leaf = node.Left == i;
            feature[i] = leaf ? -1 : node.Feature & FeatureMask;
            missingLeft[i] = (node.Feature & MissingLeftFlag) != 0 ? 1 : 0;
            threshold[i] = node.Threshold;
            left[i] = leaf ? -1 : node.Left;
            right[i] = leaf ? -1 : node.Right;
        }

        writer.WriteNumber("feature_count", FeatureCount);
        writer.WriteNumber("tree_count", TreeCount);
        PayloadArrays.WriteInts(writer, "roots", _roots);
        PayloadArrays.WriteInts(writer, "depths", _depths);
        PayloadArrays.WriteInts(writer, "feature", feature);
        PayloadArrays.WriteInts(writer, "missing_left", missingLeft);
        PayloadArrays.WriteFloats(writer, "threshold", threshold);
        PayloadArrays.WriteInts(writer, "left", left);
        PayloadArrays.WriteInts(writer, "right", right);
        PayloadArrays.WriteDoubles(writer, "value", _values);
    }

    public static TreeEnsemble Read(JsonElement payload)
    {
        var featureCount = payload.GetProperty("feature_count").GetInt32();
        var roots = PayloadArrays.ReadInts(payload, "roots");
        var depths = PayloadArrays.ReadInts(payload, "depths");
        var feature = PayloadArrays.ReadInts(payload, "feature");
        var missingLeft = PayloadArrays.ReadInts(payload, "missing_left");
        var threshold = PayloadArrays.ReadFloats(payload, "threshold");
        var left = PayloadArrays.ReadInts(payload, "left");
        var right = PayloadArrays.ReadInts(payload, "right");
        var values = PayloadArrays.ReadDoubles(payload, "value");
        var count = feature.Length;
        if (missingLeft.Length != count || threshold.Length != count || left.Length != count || right.Length != count
            || values.Length != count || depths.Length != roots.Length)
        {
            throw new FormatException("Tree arrays in the model payload have different lengths.");
        }

        var nodes = new FlatNode[count];
        for (var i = 0; i < count; i++)
        {
            if (feature[i] < 0)
            {
                nodes[i] = new FlatNode(0, 0, i, i);
                continue;
            }

            if (feature[i] >= featureCount || (uint)left[i] >= (uint)count || (uint)right[i] >= (uint)count)
            {
                throw new FormatException($"Tree node {i} in the model payload points outside the model.");
            }

            nodes[i] = new FlatNode(feature[i] | (missingLeft[i] != 0 ? MissingLeftFlag : 0), threshold[i], left[i], right[i]);
        }

        foreach (var r in roots)
        {
            if ((uint)r >= (uint)count)
            {
                throw new FormatException("A tree root in the model payload points outside the model.");
            }
        }

        return new TreeEnsemble(nodes, values, roots, depths, featureCount);
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct FlatNode(int Feature, float Threshold, int Left, int Right);
}
