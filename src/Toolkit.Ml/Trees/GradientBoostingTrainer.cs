using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>Validated settings of one gradient-boosting fit.</summary>
internal sealed record GradientBoostingOptions
{
    public int Rounds { get; init; } = 100;

    public double LearningRate { get; init; } = 0.1;

    /// <summary>0 = unlimited (only with leaf-wise growth).</summary>
    public int MaxDepth { get; init; } = 6;

    /// <summary>0 = depth-wise growth to <see cref="MaxDepth"/>; otherwise best-first with this many leaves.</summary>
    public int NumLeaves { get; init; }

    public double MinChildWeight { get; init; } = 1.0;

    public double L2 { get; init; } = 1.0;

    public double Subsample { get; init; } = 1.0;

    public double Colsample { get; init; } = 1.0;

    public int MaxBins { get; init; } = 255;

    public int EarlyStoppingRounds { get; init; }
}

/// <summary>What a boosting fit produced; <paramref name="TrainingScores"/> are the raw scores of every training row under the returned trees, when the fit kept them.</summary>
internal sealed record BoostingResult(TreeEnsemble Ensemble, double BaseScore, double[] GainImportance, int BestRound, double[]? TrainingScores = null);

/// <summary>
/// Histogram gradient boosting (XGBoost "hist" / LightGBM style): bin codes per feature, ordered
/// gradients moved along with the row partition, one histogram built per split (the smaller child)
/// and the sibling obtained by subtraction. Every floating-point sum runs in a fixed order (one
/// feature's histogram is built by one thread over rows in a fixed order), so the model is the same
/// whatever the number of threads.
/// </summary>
internal sealed class GradientBoostingTrainer
{
    private const int BinStride = 256 * 2;
    private const double MinGain = 1e-6;
    /// <summary>Rows per chunk of the root sums; fixed so that the summation order never depends on threads.</summary>
    private const int ChunkRows = 16_384;

    /// <summary>Rows per chunk of the per-row passes (gradients); small enough to balance two to eight threads.</summary>
    private const int RowChunk = 4096;

    /// <summary>Below this much work (about one memory touch per unit) a step runs on the calling thread.</summary>
    private const long ParallelWork = 100_000;

    /// <summary>Rows per chunk when one large node is partitioned in parallel.</summary>
    private const int PartitionChunk = 4096;

    /// <summary>Rows per histogram block; fixed so that the summation order never depends on threads.</summary>
    private const int BlockRows = 8192;

    private readonly GradientBoostingOptions _options;
    private readonly ModelTask _task;
    private readonly TrainContext _context;
    private WorkCrew? _crew;
    private readonly Stack<double[]> _histPool = new();

    /// <summary>Bin codes, row-major: the histogram kernel reads all features of a row from one cache line.</summary>
    private byte[] _codes = [];

    /// <summary>The same codes column-major (feature f's at f × rows): partition and routing read one feature of scattered rows.</summary>
    private byte[] _columns = [];
    private int[] _binCounts = [];
    private int _featureCount;
    private int[] _rows = [];

    /// <summary>Gradient and hessian of row r at 2r and 2r + 1 (one 8-byte load in the histogram kernel).</summary>
    private float[] _gh = [];
    private int[] _scratchRows = [];

    public GradientBoostingTrainer(GradientBoostingOptions options, ModelTask task, TrainContext context)
    {
        _options = options;
        _task = task;
        _context = context;
    }

    public BoostingResult Fit(TrainingData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var crew = _context.MaxThreads > 1 ? new WorkCrew(_context.MaxThreads, _context.CancellationToken) : null;
        _crew = crew;
        try
        {
            return FitCore(data);
        }
        finally
        {
            _crew = null;
        }
    }

    private BoostingResult FitCore(TrainingData data)
    {
        var features = data.Features;
        var label = data.Label;
        var n = features.RowCount;
        if (n == 0)
        {
            throw new ArgumentException("Cannot fit gradient boosting on zero rows.", nameof(data));
        }

        var binner = FeatureBinner.Fit(features, _options.MaxBins, _context.Seed, _context.MaxThreads);
        _codes = binner.TransformRows(features, _context.MaxThreads);
        _columns = Transpose(_codes, n, features.ColumnCount);
        _featureCount = features.ColumnCount;
        _binCounts = new int[_featureCount];
        for (var f = 0; f < _featureCount; f++)
        {
            _binCounts[f] = binner.BinCount(f);
        }

        // Rows used for fitting, and where early stopping looks.
        int[] trainRows;
        Validation? validation = null;
        if (_options.EarlyStoppingRounds > 0 && data.ValidationFeatures is { } vf && data.ValidationLabel is { } vl)
        {
            trainRows = [.. Enumerable.Range(0, n)];
            validation = new Validation(binner.TransformRows(vf, _context.MaxThreads), features.ColumnCount, [.. Enumerable.Range(0, vf.RowCount)], vl);
        }
        else if (_options.EarlyStoppingRounds > 0 && n >= 20)
        {
            var order = Enumerable.Range(0, n).ToArray();
            var rng = new TreeRandom(_context.Seed, 3, 0);
            for (var i = n - 1; i > 0; i--)
            {
                var j = rng.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            var holdout = Math.Max(1, n / 10);
            var held = order[..holdout];
            Array.Sort(held);
            trainRows = order[holdout..];
            Array.Sort(trainRows);
            validation = new Validation(_codes, features.ColumnCount, held, [.. held.Select(r => label[r])]);
        }
        else
        {
            trainRows = [.. Enumerable.Range(0, n)];
        }

        var baseScore = BaseScore(label, trainRows);
        var scores = new double[n];
        Array.Fill(scores, baseScore);
        validation?.Scores.AsSpan().Fill(baseScore);
        _gh = new float[2 * n];
        _rows = new int[trainRows.Length];
        _scratchRows = new int[trainRows.Length];

        var trees = new List<TreeBuild>();
        var bestLoss = double.PositiveInfinity;
        var bestRound = -1;
        var inSample = _options.Subsample < 1.0 ? new bool[n] : null;
        for (var round = 0; round < _options.Rounds; round++)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            Gradients(label, scores, trainRows);
            var active = SampleRows(trainRows, round, inSample);

            var tree = new TreeBuild();
            var leaves = GrowTree(tree, active, SampleFeatures(round));
            trees.Add(tree);

            // Training scores: rows in the sample by their leaf ranges (or the last split of their
            // range), the others by walking the tree. Ranges hold disjoint rows, so they can be
            // updated in parallel.
            For(leaves.Count, active * 5L, k => AddLeafValues(tree, leaves[k], scores));

            if (inSample is not null)
            {
                foreach (var r in trainRows)
                {
                    if (!inSample[r])
                    {
                        scores[r] += tree.Value[tree.LeafOf(_codes, _featureCount, r)];
                    }
                }
            }

            if (validation is not null)
            {
                var loss = validation.Update(tree, _task);
                if (loss < bestLoss)
                {
                    bestLoss = loss;
                    bestRound = round;
                }
                else if (round - bestRound >= _options.EarlyStoppingRounds)
                {
                    _context.Progress?.Report(new TrainingProgress("round", round + 1, _options.Rounds));
                    break;
                }
            }

            _context.Progress?.Report(new TrainingProgress("round", round + 1, _options.Rounds));
        }

        var scoresComplete = trainRows.Length == n;
        if (validation is not null && bestRound >= 0 && bestRound + 1 < trees.Count)
        {
            trees.RemoveRange(bestRound + 1, trees.Count - bestRound - 1);
            scoresComplete = false;
        }

        // Every row's score is the base score plus its leaf of each tree, added in tree order: the
        // same sum as predicting the training rows, which can therefore reuse it.
        return new BoostingResult(
            TreeEnsemble.FromTrees(trees, binner), baseScore, TreeBuild.Importance(trees, _featureCount), trees.Count,
            scoresComplete ? scores : null);
    }

    /// <summary>Row-major codes to column-major, in parallel blocks of rows.</summary>
    private byte[] Transpose(byte[] codes, int rows, int stride)
    {
        var columns = new byte[codes.Length];
        const int Block = 8192;
        For((rows + Block - 1) / Block, codes.Length, b =>
        {
            var end = Math.Min(rows, (b + 1) * Block);
            for (var f = 0; f < stride; f++)
            {
                var column = columns.AsSpan(f * rows, rows);
                for (var r = b * Block; r < end; r++)
                {
                    column[r] = codes[(r * stride) + f];
                }
            }
        });
        return columns;
    }

    private double BaseScore(double[] label, int[] rows)
    {
        var sum = 0.0;
        foreach (var r in rows)
        {
            sum += label[r];
        }

        var mean = sum / rows.Length;
        if (_task == ModelTask.Regression)
        {
            return mean;
        }

        var p = Math.Clamp(mean, 1e-6, 1 - 1e-6);
        return Math.Log(p / (1 - p));
    }

    private void Gradients(double[] label, double[] scores, int[] rows)
    {
        var gh = _gh;
        var classification = _task == ModelTask.BinaryClassification;
        var chunks = (rows.Length + RowChunk - 1) / RowChunk;

        // All rows (they are then 0..n-1 in order): the logistic function four rows at a time.
        var vector = classification && rows.Length == scores.Length && Vector256.IsHardwareAccelerated;
        For(chunks, rows.Length * 20L, c =>
        {
            var end = Math.Min(rows.Length, (c + 1) * RowChunk);
            var i = c * RowChunk;
            if (vector)
            {
                i = LogisticGradients(label, scores, gh, i, end);
            }

            for (; i < end; i++)
            {
                var r = rows[i];
                if (classification)
                {
                    var p = 1.0 / (1.0 + Math.Exp(-scores[r]));
                    gh[2 * r] = (float)(p - label[r]);
                    gh[(2 * r) + 1] = (float)Math.Max(p * (1 - p), 1e-16);
                }
                else
                {
                    gh[2 * r] = (float)(scores[r] - label[r]);
                    gh[(2 * r) + 1] = 1f;
                }
            }
        });
    }

    /// <summary>
    /// Gradient p - y and hessian p(1 - p) of the log loss for rows [begin, end) in blocks of four
    /// (rows at the same place in their block always take the same path); returns where the
    /// scalar remainder starts.
    /// </summary>
    private static int LogisticGradients(double[] label, double[] scores, float[] gh, int begin, int end)
    {
        var one = Vector256<double>.One;
        var floor = Vector256.Create(1e-16);
        var i = begin;
        for (; i + 4 <= end; i += 4)
        {
            var p = one / (one + Vector256.Exp(-Vector256.Create(scores.AsSpan(i, 4))));
            var g = p - Vector256.Create(label.AsSpan(i, 4));
            var h = Vector256.Max(p * (one - p), floor);
            for (var k = 0; k < 4; k++)
            {
                gh[2 * (i + k)] = (float)g.GetElement(k);
                gh[(2 * (i + k)) + 1] = (float)h.GetElement(k);
            }
        }

        return i;
    }

    /// <summary>Fills the row list for this round (all training rows, or a seeded subsample); returns its length.</summary>
    private int SampleRows(int[] trainRows, int round, bool[]? inSample)
    {
        if (inSample is null)
        {
            trainRows.CopyTo(_rows, 0);
            return trainRows.Length;
        }

        return SampleSubset(trainRows, round, inSample);
    }

    private int SampleSubset(int[] trainRows, int round, bool[] inSample)
    {
        var rng = new TreeRandom(_context.Seed, 1, round);
        var count = 0;
        foreach (var r in trainRows)
        {
            var take = rng.NextDouble() < _options.Subsample;
            inSample[r] = take;
            if (take)
            {
                _rows[count++] = r;
            }
        }

        if (count == 0)
        {
            _rows[0] = trainRows[0];
            inSample[trainRows[0]] = true;
            count = 1;
        }

        return count;
    }

    private int[] SampleFeatures(int round)
    {
        var all = new int[_featureCount];
        for (var f = 0; f < all.Length; f++)
        {
            all[f] = f;
        }

        if (_options.Colsample >= 1.0)
        {
            return all;
        }

        var k = Math.Max(1, (int)Math.Round(_options.Colsample * _featureCount));
        var rng = new TreeRandom(_context.Seed, 2, round);
        for (var i = 0; i < k; i++)
        {
            var j = i + rng.NextInt(_featureCount - i);
            (all[i], all[j]) = (all[j], all[i]);
        }

        var chosen = all[..k];
        Array.Sort(chosen);
        return chosen;
    }

    private List<GrowNode> GrowTree(TreeBuild tree, int active, int[] features)
    {
        // Root sums by fixed chunks, added in chunk order (deterministic, and parallel).
        var chunks = (active + ChunkRows - 1) / ChunkRows;
        var partial = new (double G, double H)[chunks];
        For(chunks, active * 2L, c =>
        {
            double pg = 0, ph = 0;
            var end = Math.Min(active, (c + 1) * ChunkRows);
            for (var i = c * ChunkRows; i < end; i++)
            {
                var r = _rows[i];
                pg += _gh[2 * r];
                ph += _gh[(2 * r) + 1];
            }

            partial[c] = (pg, ph);
        });
        double g = 0, h = 0;
        foreach (var (pg, ph) in partial)
        {
            g += pg;
            h += ph;
        }

        var root = new GrowNode(tree.AddLeaf(0, 0), 0, active, g, h, 0) { Hist = RentHist() };
        BuildHistograms([(root, null, null)], features);
        var leaves = new List<GrowNode> { root };
        var routed = new List<GrowNode>();
        var leafWise = _options.NumLeaves > 0;
        while (true)
        {
            List<GrowNode> toSplit;
            if (leafWise)
            {
                if (leaves.Count >= _options.NumLeaves)
                {
                    break;
                }

                GrowNode? best = null;
                foreach (var leaf in leaves)
                {
                    if (CanSplit(leaf) && (best is null || leaf.Best.Gain > best.Best.Gain))
                    {
                        best = leaf;
                    }
                }

                toSplit = best is null ? [] : [best];
            }
            else
            {
                toSplit = new List<GrowNode>(leaves.Count);
                foreach (var leaf in leaves)
                {
                    if (CanSplit(leaf))
                    {
                        toSplit.Add(leaf);
                    }
                }
            }

            if (toSplit.Count == 0)
            {
                break;
            }

            // Children that can never split (at max depth, or the leaf budget is spent) need neither
            // histograms nor their own row ranges: the score update routes the parent's rows.
            var childDepth = toSplit[0].Depth + 1;
            var last = (!leafWise && _options.MaxDepth > 0 && childDepth >= _options.MaxDepth)
                || (leafWise && leaves.Count + toSplit.Count >= _options.NumLeaves);
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
                Partition(toSplit);
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
                    _histPool.Push(p.Hist!);
                    p.Hist = null;
                }

                break;
            }

            var work = new (GrowNode, GrowNode?, double[]?)[pairs.Length];
            for (var k = 0; k < pairs.Length; k++)
            {
                var (p, l, r) = pairs[k];
                var (small, large) = l.End - l.Begin <= r.End - r.Begin ? (l, r) : (r, l);
                small.Hist = RentHist();
                large.Hist = p.Hist;
                work[k] = (small, large, p.Hist);
                p.Hist = null;
            }

            BuildHistograms(work, features);
        }

        foreach (var leaf in leaves)
        {
            tree.Value[leaf.Id] = -leaf.G / (leaf.H + _options.L2) * _options.LearningRate;
            if (leaf.Hist is not null)
            {
                _histPool.Push(leaf.Hist);
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

    /// <summary>
    /// Adds this tree's output to the scores of the rows of <paramref name="node"/>: its value when it
    /// is a leaf, otherwise (a last split) the value of the child each row goes to.
    /// </summary>
    private unsafe void AddLeafValues(TreeBuild tree, GrowNode node, double[] scores)
    {
        var id = node.Id;
        var feature = tree.Feature[id];
        if (feature < 0)
        {
            var value = tree.Value[id];
            for (var i = node.Begin; i < node.End; i++)
            {
                scores[_rows[i]] += value;
            }

            return;
        }

        var bin = tree.Bin[id];
        var missingLeft = tree.MissingLeft[id];
        var leftValue = tree.Value[tree.Left[id]];
        var rightValue = tree.Value[tree.Right[id]];
        fixed (byte* codes = _columns)
        fixed (int* rows = _rows)
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

    /// <summary>
    /// A parallel step on the crew, unless the work (roughly, memory touches) is too small to pay
    /// for the hand-over. Results are the same either way.
    /// </summary>
    private void For(int count, long work, Action<int> body)
    {
        if (count == 1 || work < ParallelWork || _crew is null)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < count; i++)
            {
                body(i);
            }
        }
        else
        {
            _crew.For(count, body);
        }
    }

    private bool CanSplit(GrowNode node) =>
        node.Best.Gain > MinGain && (_options.MaxDepth == 0 || node.Depth < _options.MaxDepth);

    private double[] RentHist() => _histPool.Count > 0 ? _histPool.Pop() : new double[_featureCount * BinStride];

    /// <summary>
    /// For each (small, large, parent) triple: the small node's histogram from its rows, the large
    /// one as parent minus small (in place, the large node owns the parent's array), and the best
    /// split of both. Rows are cut into fixed blocks (independent of the thread count) whose partial
    /// histograms are added in block order, so the sums never depend on scheduling.
    /// </summary>
    private void BuildHistograms((GrowNode Small, GrowNode? Large, double[]? Parent)[] work, int[] features)
    {
        var items = new List<(double[] Target, int Begin, int End)>();

        // Block histograms of a node cut into several blocks, added in block order per feature.
        var partsOf = new double[work.Length][][];
        for (var w = 0; w < work.Length; w++)
        {
            var small = work[w].Small;
            var rows = small.End - small.Begin;
            var blocks = Math.Max(1, (rows + BlockRows - 1) / BlockRows);
            if (blocks == 1)
            {
                items.Add((small.Hist!, small.Begin, small.End));
                continue;
            }

            var parts = new double[blocks][];
            for (var b = 0; b < blocks; b++)
            {
                parts[b] = RentHist();
                items.Add((parts[b], small.Begin + (b * BlockRows), Math.Min(small.End, small.Begin + ((b + 1) * BlockRows))));
            }

            partsOf[w] = parts;
        }

        var offsets = new int[features.Length];
        var lengths = new int[features.Length];
        for (var fi = 0; fi < features.Length; fi++)
        {
            offsets[fi] = features[fi] * BinStride;
            lengths[fi] = (_binCounts[features[fi]] + 1) * 2;
        }

        var rowCount = 0L;
        foreach (var (small, _, _) in work)
        {
            rowCount += small.End - small.Begin;
        }

        For(items.Count, rowCount * features.Length, k =>
        {
            var (target, begin, end) = items[k];
            for (var fi = 0; fi < features.Length; fi++)
            {
                target.AsSpan(offsets[fi], lengths[fi]).Clear();
            }

            Accumulate(_codes, _featureCount, _rows, _gh, begin, end, offsets, target);
        });

        var candidates = new SplitInfo[work.Length * 2, features.Length];
        For(work.Length * features.Length, work.Length * features.Length * 20_000L, k =>
        {
            var (small, large, _) = work[k / features.Length];
            var fi = k % features.Length;
            var w = k / features.Length;
            var hist = small.Hist!.AsSpan(offsets[fi], lengths[fi]);
            if (partsOf[w] is { } parts)
            {
                // This feature's part of the node's histogram: the blocks added in order (one step less than merging first).
                parts[0].AsSpan(offsets[fi], lengths[fi]).CopyTo(hist);
                for (var b = 1; b < parts.Length; b++)
                {
                    var src = parts[b].AsSpan(offsets[fi], lengths[fi]);
                    for (var i = 0; i < hist.Length; i++)
                    {
                        hist[i] += src[i];
                    }
                }
            }

            candidates[w * 2, fi] = BestSplit(small, features[fi], hist);
            if (large is not null)
            {
                var big = large.Hist!.AsSpan(offsets[fi], lengths[fi]);
                for (var b = 0; b < big.Length; b++)
                {
                    big[b] -= hist[b];
                }

                candidates[(w * 2) + 1, fi] = BestSplit(large, features[fi], big);
            }
        });

        foreach (var parts in partsOf)
        {
            foreach (var part in parts ?? [])
            {
                _histPool.Push(part);
            }
        }

        for (var k = 0; k < work.Length; k++)
        {
            work[k].Small.Best = Reduce(candidates, k * 2, features.Length);
            if (work[k].Large is { } large)
            {
                large.Best = Reduce(candidates, (k * 2) + 1, features.Length);
            }
        }
    }

    /// <summary>
    /// The histogram kernel: for each row (in order) add its gradient and hessian to the bin of
    /// every selected feature (<paramref name="offsets"/> = feature × 512). With all features
    /// selected, four rows go through the feature loop together (more independent adds in flight);
    /// each bin still receives its rows in row order, so the sums are the same as one row at a time.
    /// </summary>
    private static unsafe void Accumulate(
        byte[] codes, int stride, int[] rows, float[] gradHess, int begin, int end, int[] offsets, double[] hist)
    {
        fixed (byte* binned = codes)
        fixed (int* row = rows, offset = offsets)
        fixed (float* ghp = gradHess)
        fixed (double* sums = hist)
        {
            var nf = offsets.Length;
            var i = begin;
            if (nf == stride)
            {
                for (; i + 4 <= end; i += 4)
                {
                    var c0 = binned + ((long)row[i] * stride);
                    var c1 = binned + ((long)row[i + 1] * stride);
                    var c2 = binned + ((long)row[i + 2] * stride);
                    var c3 = binned + ((long)row[i + 3] * stride);
                    var g0 = PairOf(ghp, row[i]);
                    var g1 = PairOf(ghp, row[i + 1]);
                    var g2 = PairOf(ghp, row[i + 2]);
                    var g3 = PairOf(ghp, row[i + 3]);
                    var s = sums;
                    for (var f = 0; f < nf; f++, s += BinStride)
                    {
                        var d0 = s + (c0[f] << 1);
                        Vector128.Store(Vector128.Load(d0) + g0, d0);
                        var d1 = s + (c1[f] << 1);
                        Vector128.Store(Vector128.Load(d1) + g1, d1);
                        var d2 = s + (c2[f] << 1);
                        Vector128.Store(Vector128.Load(d2) + g2, d2);
                        var d3 = s + (c3[f] << 1);
                        Vector128.Store(Vector128.Load(d3) + g3, d3);
                    }
                }
            }

            for (; i < end; i++)
            {
                var codesOfRow = binned + ((long)row[i] * stride);
                var gh = PairOf(ghp, row[i]);
                for (var k = 0; k < nf; k++)
                {
                    var d = sums + offset[k] + (codesOfRow[offset[k] / BinStride] << 1);
                    Vector128.Store(Vector128.Load(d) + gh, d);
                }
            }
        }
    }

    /// <summary>Gradient and hessian of row <paramref name="r"/> widened to one 16-byte pair (gradient, hessian).</summary>
    private static unsafe Vector128<double> PairOf(float* gh, int r) =>
        Sse2.IsSupported
            ? Sse2.ConvertToVector128Double(Vector128.CreateScalarUnsafe(*(double*)(gh + (2 * r))).AsSingle())
            : Vector128.Create(gh[2 * r], (double)gh[(2 * r) + 1]);

    private static SplitInfo Reduce(SplitInfo[,] candidates, int row, int count)
    {
        var best = SplitInfo.None;
        for (var i = 0; i < count; i++)
        {
            if (candidates[row, i].Gain > best.Gain)
            {
                best = candidates[row, i];
            }
        }

        return best;
    }

    [SkipLocalsInit] // The scratch spans below are written before they are read.
    private SplitInfo BestSplit(GrowNode node, int feature, ReadOnlySpan<double> hist)
    {
        var lambda = _options.L2;
        var minChild = _options.MinChildWeight;
        double totalG = node.G, totalH = node.H;
        var parentScore = totalG * totalG / (totalH + lambda);
        double missG = hist[0], missH = hist[1];
        var hasMissing = missH > 0;
        var bins = hist.Length / 2;

        // Left sums for every threshold t (codes 1..t go left), then the gains of all thresholds
        // (missing values to the right) four at a time; the divisions dominate otherwise.
        Span<double> gls = stackalloc double[256];
        Span<double> hls = stackalloc double[256];
        Span<double> gains = stackalloc double[256];
        Span<double> hs = stackalloc double[256];
        double gl = 0, hl = 0;
        for (var t = 1; t < bins; t++)
        {
            var h = hist[(2 * t) + 1];
            gl += hist[2 * t];
            hl += h;
            gls[t] = gl;
            hls[t] = hl;
            hs[t] = h;
        }

        if (!hasMissing && Vector256.IsHardwareAccelerated)
        {
            var (at, gain) = BestThreshold(gls[..bins], hls[..bins], hs[..bins], totalG, totalH, lambda, minChild, parentScore);
            if (at < 0)
            {
                return SplitInfo.None;
            }

            // No missing values seen here: send future ones to the heavier side.
            return new SplitInfo(gain, feature, at, hls[at] > totalH - hls[at], gls[at], hls[at]);
        }

        Gains(gls[..bins], hls[..bins], gains[..bins], totalG, totalH, lambda, minChild, parentScore);

        var best = SplitInfo.None;
        for (var t = 1; t < bins; t++)
        {
            if (hist[(2 * t) + 1] == 0 && t + 1 < bins)
            {
                // An empty bin gives the same partition as the previous threshold.
                continue;
            }

            if (gains[t] > best.Gain)
            {
                best = new SplitInfo(gains[t], feature, t, false, gls[t], hls[t]);
            }

            if (hasMissing)
            {
                var glm = gls[t] + missG;
                var hlm = hls[t] + missH;
                var hrm = totalH - hlm;
                if (hlm >= minChild && hrm >= minChild)
                {
                    var grm = totalG - glm;
                    var gain = (glm * glm / (hlm + lambda)) + (grm * grm / (hrm + lambda)) - parentScore;
                    if (gain > best.Gain)
                    {
                        best = new SplitInfo(gain, feature, t, true, glm, hlm);
                    }
                }
            }
        }

        // No missing values seen here: send future ones to the heavier side.
        if (!hasMissing && best.Feature >= 0 && best.LeftH > totalH - best.LeftH)
        {
            best = best with { MissingLeft = true };
        }

        return best;
    }

    /// <summary>
    /// The first threshold with the largest gain above <see cref="MinGain"/> (-1 if none), skipping
    /// thresholds after an empty bin (they repeat the previous partition) except the last one: the
    /// same choice as scanning <see cref="Gains"/> in order, four thresholds at a time. Each lane
    /// keeps its first strict maximum; ties between lanes go to the smaller threshold.
    /// </summary>
    internal static (int At, double Gain) BestThreshold(
        ReadOnlySpan<double> gls, ReadOnlySpan<double> hls, ReadOnlySpan<double> hs,
        double totalG, double totalH, double lambda, double minChild, double parentScore)
    {
        var bins = gls.Length;
        var g = Vector256.Create(totalG);
        var h = Vector256.Create(totalH);
        var l2 = Vector256.Create(lambda);
        var min = Vector256.Create(minChild);
        var parent = Vector256.Create(parentScore);
        var zero = Vector256<double>.Zero;
        var bestGain = Vector256.Create(MinGain);
        var bestAt = Vector256.Create(-1L);
        var at = Vector256.Create(1L, 2L, 3L, 4L);
        var four = Vector256.Create(4L);
        var t = 1;
        for (; t + 4 < bins; t += 4)
        {
            // t + 4 < bins: the last threshold (bins - 1) is never in this loop, so empty bins are always skipped here.
            var gl = Vector256.Create(gls.Slice(t, 4));
            var hl = Vector256.Create(hls.Slice(t, 4));
            var gr = g - gl;
            var hr = h - hl;
            var gain = (gl * gl / (hl + l2)) + (gr * gr / (hr + l2)) - parent;
            var ok = Vector256.GreaterThanOrEqual(hl, min) & Vector256.GreaterThanOrEqual(hr, min)
                & ~Vector256.Equals(Vector256.Create(hs.Slice(t, 4)), zero);
            var better = ok & Vector256.GreaterThan(gain, bestGain);
            bestGain = Vector256.ConditionalSelect(better, gain, bestGain);
            bestAt = Vector256.ConditionalSelect(better.AsInt64(), at, bestAt);
            at += four;
        }

        var best = MinGain;
        var bestT = -1;
        for (var lane = 0; lane < 4; lane++)
        {
            var lg = bestGain.GetElement(lane);
            var lt = (int)bestAt.GetElement(lane);
            if (lt >= 0 && (lg > best || (lg == best && bestT >= 0 && lt < bestT)))
            {
                best = lg;
                bestT = lt;
            }
        }

        for (; t < bins; t++)
        {
            if (hs[t] == 0 && t + 1 < bins)
            {
                continue;
            }

            double gl = gls[t], hl = hls[t];
            double gr = totalG - gl, hr = totalH - hl;
            if (hl >= minChild && hr >= minChild)
            {
                var gain = (gl * gl / (hl + lambda)) + (gr * gr / (hr + lambda)) - parentScore;
                if (gain > best)
                {
                    best = gain;
                    bestT = t;
                }
            }
        }

        return (bestT, best);
    }

    /// <summary>
    /// gain[t] = GL²/(HL+λ) + GR²/(HR+λ) - parent, or -∞ where a child is lighter than the minimum.
    /// Vector and scalar lanes use the same operations in the same order, so the values are identical.
    /// </summary>
    private static void Gains(
        ReadOnlySpan<double> gls, ReadOnlySpan<double> hls, Span<double> gains,
        double totalG, double totalH, double lambda, double minChild, double parentScore)
    {
        var t = 1;
        if (Vector256.IsHardwareAccelerated)
        {
            var g = Vector256.Create(totalG);
            var h = Vector256.Create(totalH);
            var l2 = Vector256.Create(lambda);
            var min = Vector256.Create(minChild);
            var parent = Vector256.Create(parentScore);
            var none = Vector256.Create(double.NegativeInfinity);
            for (; t + 4 <= gls.Length; t += 4)
            {
                var gl = Vector256.Create(gls.Slice(t, 4));
                var hl = Vector256.Create(hls.Slice(t, 4));
                var gr = g - gl;
                var hr = h - hl;
                var gain = (gl * gl / (hl + l2)) + (gr * gr / (hr + l2)) - parent;
                var ok = Vector256.GreaterThanOrEqual(hl, min) & Vector256.GreaterThanOrEqual(hr, min);
                Vector256.ConditionalSelect(ok, gain, none).CopyTo(gains.Slice(t, 4));
            }
        }

        for (; t < gls.Length; t++)
        {
            double gl = gls[t], hl = hls[t];
            double gr = totalG - gl, hr = totalH - hl;
            gains[t] = hl >= minChild && hr >= minChild
                ? (gl * gl / (hl + lambda)) + (gr * gr / (hr + lambda)) - parentScore
                : double.NegativeInfinity;
        }
    }

    /// <summary>
    /// Stable partition of each node's rows by its best split. Nodes are cut into fixed chunks
    /// (independent of the thread count), all chunks of all nodes partitioned in one parallel step;
    /// the chunks of a large node are then gathered in order: the same result as one pass per node.
    /// </summary>
    private void Partition(List<GrowNode> nodes)
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
        For(chunks.Count, (long)_rows.Length * 10, c =>
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

        For(gather.Count, (long)gather.Count * PartitionChunk * 2, k =>
        {
            var c = gather[k];
            var (_, begin, end) = chunks[c];
            var left = lefts[c];
            Array.Copy(_rows, begin, _scratchRows, leftAt[c], left);
            Array.Copy(_rows, begin + left, _scratchRows, rightAt[c], end - begin - left);
        });
        For(gather.Count, (long)gather.Count * PartitionChunk * 2, k =>
        {
            var (_, begin, end) = chunks[gather[k]];
            Array.Copy(_scratchRows, begin, _rows, begin, end - begin);
        });
    }

    /// <summary>Stable in-place partition of rows [begin, end) (right rows pass through the scratch range); returns where the right part starts.</summary>
    private unsafe int PartitionRange(SplitInfo s, int begin, int end)
    {
        var bin = s.Bin;
        var missingLeft = s.MissingLeft;
        int write = begin, spill = begin;
        fixed (byte* codes = _columns)
        fixed (int* rows = _rows, spillRows = _scratchRows)
        {
            var column = codes + ((long)s.Feature * (_columns.Length / _featureCount));
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

        Array.Copy(_scratchRows, begin, _rows, write, spill - begin);
        return write;
    }

    private readonly record struct SplitInfo(double Gain, int Feature, int Bin, bool MissingLeft, double LeftG, double LeftH)
    {
        public static SplitInfo None => new(MinGain, -1, 0, false, 0, 0);
    }

    private sealed class GrowNode(int id, int begin, int end, double g, double h, int depth)
    {
        public int Id { get; } = id;

        public int Begin { get; } = begin;

        public int End { get; } = end;

        public double G { get; } = g;

        public double H { get; } = h;

        public int Depth { get; } = depth;

        public int Split { get; set; }

        /// <summary>A child of a last split: its rows are not partitioned out of the parent's range.</summary>
        public bool Routed { get; init; }

        public double[]? Hist { get; set; }

        public SplitInfo Best { get; set; } = SplitInfo.None;
    }

    /// <summary>Rows watched for early stopping, with their running raw scores.</summary>
    private sealed class Validation(byte[] codes, int stride, int[] rows, double[] label)
    {
        public double[] Scores { get; } = new double[rows.Length];

        public double Update(TreeBuild tree, ModelTask task)
        {
            var loss = 0.0;
            for (var i = 0; i < rows.Length; i++)
            {
                Scores[i] += tree.Value[tree.LeafOf(codes, stride, rows[i])];
                var s = Scores[i];
                if (task == ModelTask.BinaryClassification)
                {
                    // Log loss from the raw score, stable for large |s|.
                    loss += label[i] > 0.5 ? Softplus(-s) : Softplus(s);
                }
                else
                {
                    loss += (s - label[i]) * (s - label[i]);
                }
            }

            return loss / rows.Length;
        }

        private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
    }
}
