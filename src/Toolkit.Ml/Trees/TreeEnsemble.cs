using System.Runtime.Intrinsics;
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
    private const int BlockRows = 256;

    /// <summary>Tree levels evaluated eight rows at a time by comparing against every node of the level (at most 8 nodes).</summary>
    private const int VectorLevels = 4;

    private readonly FlatNode[] _nodes;
    private readonly double[] _values;
    private readonly int[] _roots;
    private readonly int[] _depths;

    // For the vectorized top of each tree: the distinct nodes a row can be at on levels
    // 0..VectorLevels-1 of tree t are Nodes[Start[t * VectorLevels + k] .. Start[t * VectorLevels + k + 1]).
    // Built at the first prediction: a model that is only trained and saved never needs them.
    private Levels? _levels;

    private TreeEnsemble(FlatNode[] nodes, double[] values, int[] roots, int[] depths, int featureCount)
    {
        _nodes = nodes;
        _values = values;
        _roots = roots;
        _depths = depths;
        FeatureCount = featureCount;
    }

    /// <summary>Breadth-first sets of reachable nodes for the first <see cref="VectorLevels"/> levels of every tree.</summary>
    private static Levels TopLevels(FlatNode[] nodes, int[] roots)
    {
        var start = new List<int>();
        var list = new List<int>();
        foreach (var root in roots)
        {
            var level = new List<int> { root };
            for (var k = 0; k < VectorLevels; k++)
            {
                start.Add(list.Count);
                list.AddRange(level);
                var next = new List<int>();
                foreach (var n in level)
                {
                    foreach (var child in nodes[n].Left == n ? [n] : new[] { nodes[n].Left, nodes[n].Left + 1 })
                    {
                        if (!next.Contains(child))
                        {
                            next.Add(child);
                        }
                    }
                }

                level = next;
            }
        }

        start.Add(list.Count);
        return new Levels([.. start], [.. list]);
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
                    nodes[at] = Leaf(at);
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
        if (n == 0 || treeCount == 0)
        {
            return;
        }

        _levels ??= TopLevels(_nodes, _roots);
        var blocks = (n + BlockRows - 1) / BlockRows;
        var handles = new GCHandle[FeatureCount];
        var columnPointers = new nint[Math.Max(1, FeatureCount)];
        try
        {
            for (var f = 0; f < FeatureCount; f++)
            {
                handles[f] = GCHandle.Alloc(features.Columns[f], GCHandleType.Pinned);
                columnPointers[f] = handles[f].AddrOfPinnedObject();
            }

            fixed (double* output = sums)
            fixed (FlatNode* nodes = _nodes)
            fixed (double* values = _values)
            fixed (nint* columns = columnPointers)
            {
                var state = new BlockState((nint)output, (nint)nodes, (nint)values, (nint)columns, n, treeCount);
                var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxThreads) };
                Parallel.For(
                    0,
                    blocks,
                    options,
                    () => new int[BlockRows],
                    (b, _, pos) =>
                    {
                        SumBlock(state, b, pos);
                        return pos;
                    },
                    _ => { });
            }
        }
        finally
        {
            foreach (var h in handles)
            {
                if (h.IsAllocated)
                {
                    h.Free();
                }
            }
        }
    }

    private unsafe void SumBlock(BlockState state, int block, int[] positions)
    {
        var start = block * BlockRows;
        var count = Math.Min(BlockRows, state.Rows - start);
        var nodes = (FlatNode*)state.Nodes;
        var values = (double*)state.Values;
        var acc = (double*)state.Output + start;

        // Column pointers shifted to this block, so row r of the block is columns[f][r].
        var columns = stackalloc float*[FeatureCount];
        for (var f = 0; f < FeatureCount; f++)
        {
            columns[f] = (float*)((nint*)state.Columns)[f] + start;
        }

        var hasMissing = false;
        for (var f = 0; f < FeatureCount && !hasMissing; f++)
        {
            hasMissing = HasNaN(columns[f], count);
        }

        fixed (int* pos = positions)
        {
            for (var t = 0; t < state.TreeCount; t++)
            {
                var root = _roots[t];
                var depth = _depths[t];
                if (depth == 0)
                {
                    var v0 = values[root];
                    for (var r = 0; r < count; r++)
                    {
                        acc[r] += v0;
                    }

                    continue;
                }

                // Branch-free steps: the right child is always left + 1, so a row moves to
                // Left + goRight. NaN fails every comparison, so "v > threshold" already sends it
                // left; it goes right only at nodes whose missing values go right. Leaves point to
                // themselves with an infinite threshold and missing-left, so extra steps keep rows there.
                var done = 0;
                if (!hasMissing && Vector512.IsHardwareAccelerated)
                {
                    done = Math.Min(depth, VectorLevels);
                    TopLevelsVector512(t, done, count & ~15, columns, nodes, pos);
                    for (var r = count & ~15; r < count; r++)
                    {
                        var p = root;
                        for (var d = 0; d < done; d++)
                        {
                            var node = nodes + p;
                            p = node->Left + (columns[node->Feature & FeatureMask][r] > node->Threshold ? 1 : 0);
                        }

                        pos[r] = p;
                    }
                }
                else if (!hasMissing && Vector256.IsHardwareAccelerated)
                {
                    done = Math.Min(depth, VectorLevels);
                    TopLevelsVector(t, done, count & ~7, columns, nodes, pos);
                    for (var r = count & ~7; r < count; r++)
                    {
                        var p = root;
                        for (var d = 0; d < done; d++)
                        {
                            var node = nodes + p;
                            p = node->Left + (columns[node->Feature & FeatureMask][r] > node->Threshold ? 1 : 0);
                        }

                        pos[r] = p;
                    }
                }
                else
                {
                    for (var r = 0; r < count; r++)
                    {
                        pos[r] = root;
                    }
                }

                for (var d = done; d < depth; d++)
                {
                    if (hasMissing)
                    {
                        for (var r = 0; r < count; r++)
                        {
                            var node = nodes + pos[r];
                            var feature = node->Feature;
                            var v = columns[feature & FeatureMask][r];
                            var goRight = (v > node->Threshold ? 1 : 0) | ((float.IsNaN(v) ? 1 : 0) & (((feature >> 30) & 1) ^ 1));
                            pos[r] = node->Left + goRight;
                        }
                    }
                    else
                    {
                        for (var r = 0; r < count; r++)
                        {
                            var node = nodes + pos[r];
                            var v = columns[node->Feature & FeatureMask][r];
                            pos[r] = node->Left + (v > node->Threshold ? 1 : 0);
                        }
                    }
                }

                for (var r = 0; r < count; r++)
                {
                    acc[r] += values[pos[r]];
                }
            }
        }
    }

    /// <summary>
    /// The first levels of tree <paramref name="tree"/> for rows [0, rows), eight at a time: a level
    /// has few distinct nodes, so each row vector is compared against all of them and keeps the
    /// result of the node it is at. Only for blocks without missing values.
    /// </summary>
    private unsafe void TopLevelsVector(int tree, int levels, int rows, float** columns, FlatNode* nodes, int* pos)
    {
        var table = _levels!;
        var root = Vector256.Create(_roots[tree]);
        var first = tree * VectorLevels;
        for (var r = 0; r < rows; r += 8)
        {
            var p = root;
            for (var k = 0; k < levels; k++)
            {
                var next = Vector256<int>.Zero;
                for (var i = table.Start[first + k]; i < table.Start[first + k + 1]; i++)
                {
                    var c = table.Nodes[i];
                    var node = nodes + c;
                    var at = Vector256.Equals(p, Vector256.Create(c));
                    var v = Vector256.Load(columns[node->Feature & FeatureMask] + r);
                    var goRight = Vector256.GreaterThan(v, Vector256.Create(node->Threshold)).AsInt32();
                    next |= at & (Vector256.Create(node->Left) - goRight);
                }

                p = next;
            }

            p.Store(pos + r);
        }
    }

    /// <summary>As <see cref="TopLevelsVector"/>, sixteen rows at a time where 512-bit vectors are fast.</summary>
    private unsafe void TopLevelsVector512(int tree, int levels, int rows, float** columns, FlatNode* nodes, int* pos)
    {
        var table = _levels!;
        var root = Vector512.Create(_roots[tree]);
        var first = tree * VectorLevels;
        for (var r = 0; r < rows; r += 16)
        {
            var p = root;
            for (var k = 0; k < levels; k++)
            {
                var next = Vector512<int>.Zero;
                for (var i = table.Start[first + k]; i < table.Start[first + k + 1]; i++)
                {
                    var c = table.Nodes[i];
                    var node = nodes + c;
                    var at = Vector512.Equals(p, Vector512.Create(c));
                    var v = Vector512.Load(columns[node->Feature & FeatureMask] + r);
                    var goRight = Vector512.GreaterThan(v, Vector512.Create(node->Threshold)).AsInt32();
                    next |= at & (Vector512.Create(node->Left) - goRight);
                }

                p = next;
            }

            p.Store(pos + r);
        }
    }

    private static unsafe bool HasNaN(float* values, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (float.IsNaN(values[i]))
            {
                return true;
            }
        }

        return false;
    }

    private sealed record Levels(int[] Start, int[] Nodes);

    private readonly record struct BlockState(nint Output, nint Nodes, nint Values, nint Columns, int Rows, int TreeCount);

    internal ReadOnlySpan<int> Roots => _roots;

    internal ReadOnlySpan<int> Depths => _depths;

    /// <summary>Node <paramref name="i"/> as <c>ModelValidator</c> checks it, without copying the ensemble.</summary>
    internal StoredNode Node(int i)
    {
        var node = _nodes[i];
        return node.Left == i && node.Right == i
            ? new StoredNode(-1, 0, -1, -1, _values[i])
            : new StoredNode(node.Feature & FeatureMask, node.Threshold, node.Left, node.Right, _values[i]);
    }

    /// <summary>The nodes as the model file stores them (leaves: feature -1, no children).</summary>
    internal TreeArrays Arrays()
    {
        var feature = new int[_nodes.Length];
        var missingLeft = new int[_nodes.Length];
        var threshold = new float[_nodes.Length];
        var left = new int[_nodes.Length];
        var right = new int[_nodes.Length];
        for (var i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            // A leaf points to itself on both sides; a split whose left child is itself is a broken split, not a leaf.
            var leaf = node.Left == i && node.Right == i;
            feature[i] = leaf ? -1 : node.Feature & FeatureMask;
            missingLeft[i] = !leaf && (node.Feature & MissingLeftFlag) != 0 ? 1 : 0;
            threshold[i] = leaf ? 0 : node.Threshold;
            left[i] = leaf ? -1 : node.Left;
            right[i] = leaf ? -1 : node.Right;
        }

        return new TreeArrays(_roots, _depths, feature, missingLeft, threshold, left, right, _values);
    }

    public void Write(Utf8JsonWriter writer)
    {
        var (roots, depths, feature, missingLeft, threshold, left, right, values) = Arrays();
        writer.WriteNumber("feature_count", FeatureCount);
        writer.WriteNumber("tree_count", TreeCount);
        PayloadArrays.WriteInts(writer, "roots", roots);
        PayloadArrays.WriteInts(writer, "depths", depths);
        PayloadArrays.WriteInts(writer, "feature", feature);
        PayloadArrays.WriteInts(writer, "missing_left", missingLeft);
        PayloadArrays.WriteFloats(writer, "threshold", threshold);
        PayloadArrays.WriteInts(writer, "left", left);
        PayloadArrays.WriteInts(writer, "right", right);
        PayloadArrays.WriteDoubles(writer, "value", values);
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

        if (!payload.TryGetProperty("tree_count", out var declared) || declared.ValueKind != JsonValueKind.Number
            || !declared.TryGetInt32(out var trees) || trees != roots.Length)
        {
            throw new FormatException($"The model payload says tree_count {declared} but holds {roots.Length} tree roots.");
        }

        var nodes = new FlatNode[count];
        for (var i = 0; i < count; i++)
        {
            if (feature[i] < 0)
            {
                nodes[i] = Leaf(i);
                continue;
            }

            // Prediction walks nodes without bounds checks: every link must stay inside the model.
            if (feature[i] >= featureCount || left[i] < 0 || left[i] >= count - 1 || right[i] != left[i] + 1)
            {
                throw new FormatException($"Tree node {i} in the model payload points outside the model (or its children are not adjacent).");
            }

            nodes[i] = new FlatNode(feature[i] | (missingLeft[i] != 0 ? MissingLeftFlag : 0), threshold[i], left[i], right[i]);
        }

        for (var t = 0; t < roots.Length; t++)
        {
            if ((uint)roots[t] >= (uint)count || depths[t] < 0)
            {
                throw new FormatException("A tree root in the model payload points outside the model.");
            }
        }

        return new TreeEnsemble(nodes, values, roots, depths, featureCount);
    }

    /// <summary>A leaf for branch-free traversal: it points to itself and no value (not even NaN) leaves it.</summary>
    private static FlatNode Leaf(int at) => new(MissingLeftFlag, float.PositiveInfinity, at, at);

    /// <summary>One node as stored: feature -1 for a leaf (then no children), else the split and its children.</summary>
    internal readonly record struct StoredNode(int Feature, float Threshold, int Left, int Right, double Value);

    /// <summary>The stored form of an ensemble: per tree its root and depth, per node its split (feature -1 for a leaf) and value.</summary>
    internal sealed record TreeArrays(
        int[] Roots, int[] Depths, int[] Feature, int[] MissingLeft, float[] Threshold, int[] Left, int[] Right, double[] Values);

    /// <summary>A split node; the right child is always <see cref="Left"/> + 1.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct FlatNode(int Feature, float Threshold, int Left, int Right);
}
