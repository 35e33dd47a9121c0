namespace Toolkit.Ml.Trees;

/// <summary>
/// Grows one boosting tree on the round's rows: depth-wise (every splittable leaf at once, to
/// <c>max_depth</c>) or leaf-wise (the leaf with the largest gain, to <c>num_leaves</c>). One
/// histogram is built per split (the smaller child), the sibling's by subtraction.
/// </summary>
internal sealed class TreeGrower(
    GradientBoostingOptions options, HistogramBuilder histograms, RowPartition partition, float[] gradHess, ParallelSteps steps)
{
    /// <summary>Rows per chunk of the root sums; fixed so that the summation order never depends on threads.</summary>
    private const int ChunkRows = 16_384;

    /// <summary>
    /// Grows <paramref name="tree"/> on the first <paramref name="active"/> rows of the partition and
    /// sets its leaf values; returns the nodes whose rows the score update walks: leaves that own
    /// their rows, and last splits whose rows are routed to their two leaves.
    /// </summary>
    public List<GrowNode> Grow(TreeBuild tree, int active, int[] features)
    {
        var (g, h) = RootSums(active);
        var root = new GrowNode(tree.AddLeaf(0, 0), 0, active, g, h, 0) { Hist = histograms.Rent() };
        histograms.Build([(root, null, null)], features);
        var leaves = new List<GrowNode> { root };
        var routed = new List<GrowNode>();
        var leafWise = options.NumLeaves > 0;
        while (true)
        {
            var toSplit = leafWise ? BestLeaf(leaves) : Splittable(leaves);
            if (toSplit.Count == 0)
            {
                break;
            }

            // Children that can never split (at max depth, or the leaf budget is spent) need neither
            // histograms nor their own row ranges: the score update routes the parent's rows.
            var childDepth = toSplit[0].Depth + 1;
            var last = (!leafWise && options.MaxDepth > 0 && childDepth >= options.MaxDepth)
                || (leafWise && leaves.Count + toSplit.Count >= options.NumLeaves);
            var pairs = new (GrowNode Parent, GrowNode Left, GrowNode Right)[toSplit.Count];
            if (last)
            {
                foreach (var p in toSplit)
                {
                    p.Split = p.Begin;
                    routed.Add(p);
                }
            }
            else
            {
                partition.Partition(toSplit);
            }

            for (var k = 0; k < toSplit.Count; k++)
            {
                var p = toSplit[k];
                var s = p.Best;
                var leftId = tree.AddLeaf(0, p.Depth + 1);
                var rightId = tree.AddLeaf(0, p.Depth + 1);
                tree.Split(p.Id, s.Feature, s.Bin, s.MissingLeft, leftId, rightId, s.Gain);
                var left = new GrowNode(leftId, p.Begin, p.Split, s.LeftG, s.LeftH, p.Depth + 1) { Routed = last };
                var right = new GrowNode(rightId, p.Split, p.End, p.G - s.LeftG, p.H - s.LeftH, p.Depth + 1) { Routed = last };
                pairs[k] = (p, left, right);
                leaves.Remove(p);
                leaves.Add(left);
                leaves.Add(right);
            }

            if (last)
            {
                foreach (var (p, _, _) in pairs)
                {
                    histograms.Return(p.Hist!);
                    p.Hist = null;
                }

                break;
            }

            var work = new (GrowNode, GrowNode?, double[]?)[pairs.Length];
            for (var k = 0; k < pairs.Length; k++)
            {
                var (p, l, r) = pairs[k];
                var (small, large) = l.End - l.Begin <= r.End - r.Begin ? (l, r) : (r, l);
                small.Hist = histograms.Rent();
                large.Hist = p.Hist;
                work[k] = (small, large, p.Hist);
                p.Hist = null;
            }

            histograms.Build(work, features);
        }

        foreach (var leaf in leaves)
        {
            tree.Value[leaf.Id] = -leaf.G / (leaf.H + options.L2) * options.LearningRate;
            if (leaf.Hist is not null)
            {
                histograms.Return(leaf.Hist);
                leaf.Hist = null;
            }
        }

        // Score ranges: leaves that own their rows, and the last splits whose rows are routed.
        var ranges = new List<GrowNode>(leaves.Count);
        foreach (var leaf in leaves)
        {
            if (!leaf.Routed)
            {
                ranges.Add(leaf);
            }
        }

        ranges.AddRange(routed);
        return ranges;
    }

    /// <summary>Gradient and hessian sums of the root by fixed chunks, added in chunk order (deterministic, and parallel).</summary>
    private (double G, double H) RootSums(int active)
    {
        var rows = partition.Rows;
        var chunks = (active + ChunkRows - 1) / ChunkRows;
        var partial = new (double G, double H)[chunks];
        steps.For(chunks, active * 2L, c =>
        {
            double pg = 0, ph = 0;
            var end = Math.Min(active, (c + 1) * ChunkRows);
            for (var i = c * ChunkRows; i < end; i++)
            {
                var r = rows[i];
                pg += gradHess[2 * r];
                ph += gradHess[(2 * r) + 1];
            }

            partial[c] = (pg, ph);
        });
        double g = 0, h = 0;
        foreach (var (pg, ph) in partial)
        {
            g += pg;
            h += ph;
        }

        return (g, h);
    }

    /// <summary>Leaf-wise: the one leaf (if any) with the largest gain, the first on ties; none once the tree has its leaves.</summary>
    private List<GrowNode> BestLeaf(List<GrowNode> leaves)
    {
        if (leaves.Count >= options.NumLeaves)
        {
            return [];
        }

        GrowNode? best = null;
        foreach (var leaf in leaves)
        {
            if (CanSplit(leaf) && (best is null || leaf.Best.Gain > best.Best.Gain))
            {
                best = leaf;
            }
        }

        return best is null ? [] : [best];
    }

    /// <summary>Depth-wise: every leaf that can split.</summary>
    private List<GrowNode> Splittable(List<GrowNode> leaves)
    {
        var toSplit = new List<GrowNode>(leaves.Count);
        foreach (var leaf in leaves)
        {
            if (CanSplit(leaf))
            {
                toSplit.Add(leaf);
            }
        }

        return toSplit;
    }

    private bool CanSplit(GrowNode node) =>
        node.Best.Gain > SplitSearch.MinGain && node.Depth < (options.MaxDepth == 0 ? Models.ModelValidator.MaxTreeDepth : options.MaxDepth); // "unlimited" stops where a model file may go
}
