namespace Toolkit.Ml.Trees;

/// <summary>
/// The rows of the tree being grown, ordered so that every node owns one contiguous range of
/// <see cref="Rows"/>; a split partitions its node's range stably (left rows first, in their order).
/// </summary>
internal sealed class RowPartition(BinnedRows binned, int capacity, ParallelSteps steps)
{
    /// <summary>Rows per chunk when one large node is partitioned in parallel.</summary>
    private const int PartitionChunk = 4096;

    private readonly int[] _scratch = new int[capacity];

    /// <summary>Row indices; the round's sample is written to its start before the tree grows.</summary>
    public int[] Rows { get; } = new int[capacity];

    /// <summary>
    /// Stable partition of each node's rows by its best split. Nodes are cut into fixed chunks
    /// (independent of the thread count), all chunks of all nodes partitioned in one parallel step;
    /// the chunks of a large node are then gathered in order: the same result as one pass per node.
    /// </summary>
    public void Partition(List<GrowNode> nodes)
    {
        var chunks = new List<(GrowNode Node, int Begin, int End)>();
        foreach (var node in nodes)
        {
            for (var begin = node.Begin; begin < node.End; begin += PartitionChunk)
            {
                chunks.Add((node, begin, Math.Min(node.End, begin + PartitionChunk)));
            }
        }

        var lefts = new int[chunks.Count];
        steps.For(chunks.Count, (long)Rows.Length * 10, c =>
        {
            var (node, begin, end) = chunks[c];
            lefts[c] = PartitionRange(node.Best, begin, end) - begin;
        });

        // Where each chunk's left and right rows go; nodes of a single chunk are done in place.
        var leftAt = new int[chunks.Count];
        var rightAt = new int[chunks.Count];
        var gather = new List<int>();
        for (var c = 0; c < chunks.Count;)
        {
            var node = chunks[c].Node;
            var first = c;
            var totalLeft = 0;
            for (; c < chunks.Count && chunks[c].Node == node; c++)
            {
                totalLeft += lefts[c];
            }

            node.Split = node.Begin + totalLeft;
            if (c - first == 1)
            {
                continue;
            }

            for (int k = first, l = node.Begin, r = node.Begin + totalLeft; k < c; k++)
            {
                leftAt[k] = l;
                rightAt[k] = r;
                l += lefts[k];
                r += chunks[k].End - chunks[k].Begin - lefts[k];
                gather.Add(k);
            }
        }

        if (gather.Count == 0)
        {
            return;
        }

        var rows = Rows;
        steps.For(gather.Count, (long)gather.Count * PartitionChunk * 2, k =>
        {
            var c = gather[k];
            var (_, begin, end) = chunks[c];
            var left = lefts[c];
            Array.Copy(rows, begin, _scratch, leftAt[c], left);
            Array.Copy(rows, begin + left, _scratch, rightAt[c], end - begin - left);
        });
        steps.For(gather.Count, (long)gather.Count * PartitionChunk * 2, k =>
        {
            var (_, begin, end) = chunks[gather[k]];
            Array.Copy(_scratch, begin, rows, begin, end - begin);
        });
    }

    /// <summary>
    /// Adds this tree's output to the scores of the rows of <paramref name="node"/>: its value when it
    /// is a leaf, otherwise (a last split) the value of the child each row goes to.
    /// </summary>
    public unsafe void AddLeafValues(TreeBuild tree, GrowNode node, double[] scores)
    {
        var id = node.Id;
        var feature = tree.Feature[id];
        if (feature < 0)
        {
            var value = tree.Value[id];
            var rowsOf = Rows;
            for (var i = node.Begin; i < node.End; i++)
            {
                scores[rowsOf[i]] += value;
            }

            return;
        }

        var bin = tree.Bin[id];
        var missingLeft = tree.MissingLeft[id];
        var leftValue = tree.Value[tree.Left[id]];
        var rightValue = tree.Value[tree.Right[id]];
        fixed (byte* codes = binned.Columns)
        fixed (int* rows = Rows)
        fixed (double* score = scores)
        {
            var column = codes + ((long)feature * scores.Length);
            for (var i = node.Begin; i < node.End; i++)
            {
                var r = rows[i];
                int c = column[r];
                score[r] += (c == FeatureBinner.MissingBin ? missingLeft : c <= bin) ? leftValue : rightValue;
            }
        }
    }

    /// <summary>Stable in-place partition of rows [begin, end) (right rows pass through the scratch range); returns where the right part starts.</summary>
    private unsafe int PartitionRange(SplitInfo s, int begin, int end)
    {
        var bin = s.Bin;
        var missingLeft = s.MissingLeft;
        int write = begin, spill = begin;
        fixed (byte* codes = binned.Columns)
        fixed (int* rows = Rows, spillRows = _scratch)
        {
            var column = codes + ((long)s.Feature * binned.RowCount);
            for (var i = begin; i < end; i++)
            {
                // Branch-free: write the row to both sides and advance only the side it belongs to
                // (left/right is close to random, so a branch would mispredict half the time).
                var r = rows[i];
                int c = column[r];
                var left = (c == FeatureBinner.MissingBin ? missingLeft : c <= bin) ? 1 : 0;
                rows[write] = r;
                spillRows[spill] = r;
                write += left;
                spill += 1 - left;
            }
        }

        Array.Copy(_scratch, begin, Rows, write, spill - begin);
        return write;
    }
}
