namespace Toolkit.Ml.Trees;

/// <summary>
/// One tree while it is being grown, on bin codes: node 0 is the root; a leaf has feature -1.
/// Converted to float thresholds by <see cref="TreeEnsemble.FromTrees"/>.
/// </summary>
internal sealed class TreeBuild
{
    public List<int> Feature { get; } = [];

    public List<int> Bin { get; } = [];

    public List<bool> MissingLeft { get; } = [];

    public List<int> Left { get; } = [];

    public List<int> Right { get; } = [];

    public List<double> Value { get; } = [];

    public List<int> NodeDepth { get; } = [];

    /// <summary>Impurity (loss) decrease of each split; 0 at leaves. Summed per feature for importance.</summary>
    public List<double> Gain { get; } = [];

    public int NodeCount => Feature.Count;

    public int Depth { get; private set; }

    public int AddLeaf(double value, int depth)
    {
        Feature.Add(-1);
        Bin.Add(0);
        MissingLeft.Add(false);
        Left.Add(-1);
        Right.Add(-1);
        Value.Add(value);
        NodeDepth.Add(depth);
        Gain.Add(0);
        Depth = Math.Max(Depth, depth);
        return Feature.Count - 1;
    }

    public void Split(int node, int feature, int bin, bool missingLeft, int left, int right, double gain)
    {
        Gain[node] = gain;
        Feature[node] = feature;
        Bin[node] = bin;
        MissingLeft[node] = missingLeft;
        Left[node] = left;
        Right[node] = right;
    }

    /// <summary>Sum of split gains per feature over <paramref name="trees"/>, normalized to sum 1.</summary>
    public static double[] Importance(IEnumerable<TreeBuild> trees, int featureCount)
    {
        var result = new double[featureCount];
        foreach (var tree in trees)
        {
            for (var i = 0; i < tree.NodeCount; i++)
            {
                if (tree.Feature[i] >= 0)
                {
                    result[tree.Feature[i]] += tree.Gain[i];
                }
            }
        }

        var total = result.Sum();
        if (total > 0)
        {
            for (var f = 0; f < featureCount; f++)
            {
                result[f] /= total;
            }
        }

        return result;
    }

    /// <summary>The leaf a row of row-major bin codes (<paramref name="stride"/> codes per row) falls into.</summary>
    public int LeafOf(byte[] codes, int stride, int row)
    {
        var node = 0;
        var offset = (long)row * stride;
        while (Feature[node] >= 0)
        {
            var code = codes[offset + Feature[node]];
            var left = code == FeatureBinner.MissingBin ? MissingLeft[node] : code <= Bin[node];
            node = left ? Left[node] : Right[node];
        }

        return node;
    }

    /// <summary>The leaf a row of column-major bin codes falls into.</summary>
    public int LeafOf(byte[][] codes, int row)
    {
        var node = 0;
        while (Feature[node] >= 0)
        {
            var code = codes[Feature[node]][row];
            var left = code == FeatureBinner.MissingBin ? MissingLeft[node] : code <= Bin[node];
            node = left ? Left[node] : Right[node];
        }

        return node;
    }
}
