using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>Validated settings of one random-forest fit.</summary>
internal sealed record RandomForestOptions
{
    public int Trees { get; init; } = 100;

    public int MaxDepth { get; init; } = Models.ModelValidator.MaxTreeDepth;

    public int MinSamplesLeaf { get; init; } = 1;

    /// <summary>Features tried per split (at least this many non-constant ones, as scikit-learn does).</summary>
    public int MaxFeatures { get; init; } = 1;

    /// <summary>0 = unlimited; otherwise best-first growth to this many leaves.</summary>
    public int MaxLeafNodes { get; init; }

    public bool Entropy { get; init; }

    public bool Bootstrap { get; init; } = true;

    public int MaxBins { get; init; } = 255;
}

/// <summary>What a forest fit produced.</summary>
internal sealed record ForestResult(TreeEnsemble Ensemble, double[] GainImportance, double? OobScore);

/// <summary>
/// Random forest on bin codes (LightGBM-style binned splits): trees in parallel, each from its own
/// seeded stream (seed, tree index), bootstrap as integer row weights like scikit-learn, features
/// sampled per node, histograms built only for the sampled features.
/// </summary>
internal sealed class RandomForestTrainer
{
    private const int Stride = 256;

    private readonly RandomForestOptions _options;
    private readonly ModelTask _task;
    private readonly TrainContext _context;
    private byte[][] _codes = [];
    private int[] _binCounts = [];
    private double[] _label = [];

    public RandomForestTrainer(RandomForestOptions options, ModelTask task, TrainContext context)
    {
        _options = options;
        _task = task;
        _context = context;
    }

    public ForestResult Fit(TrainingData data)
    {
        var features = data.Features;
        var n = features.RowCount;
        var binner = FeatureBinner.Fit(features, _options.MaxBins, _context.Seed, _context.MaxThreads);
        _codes = binner.Transform(features, _context.MaxThreads);
        _binCounts = [.. Enumerable.Range(0, features.ColumnCount).Select(binner.BinCount)];
        _label = data.Label;
        var trees = new TreeBuild[_options.Trees];
        var inBag = _options.Bootstrap ? new ulong[_options.Trees][] : null;
        var done = 0;
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, _context.MaxThreads),
            CancellationToken = _context.CancellationToken,
        };
        // One worker (scratch buffers) per thread; threads take the next tree index until none are
        // left. Which thread builds a tree does not matter: a tree depends only on its index.
        var next = -1;
        var workers = Math.Max(1, Math.Min(parallel.MaxDegreeOfParallelism, _options.Trees));
        Parallel.For(0, workers, parallel, _ =>
        {
            var worker = new Worker(this, n, features.ColumnCount);
            int t;
            while ((t = Interlocked.Increment(ref next)) < _options.Trees)
            {
                _context.CancellationToken.ThrowIfCancellationRequested();
                trees[t] = worker.Build(t, out var bag);
                if (inBag is not null)
                {
                    inBag[t] = bag!;
                }

                _context.Progress?.Report(new TrainingProgress("tree", Interlocked.Increment(ref done), _options.Trees));
            }
        });

        double? oob = inBag is null ? null : OobScore(trees, inBag, parallel);
        return new ForestResult(TreeEnsemble.FromTrees(trees, binner), TreeBuild.Importance(trees, features.ColumnCount), oob);
    }

    /// <summary>Accuracy (classification) or R² (regression) of each row's out-of-bag trees, like scikit-learn's oob_score_.</summary>
    private double? OobScore(TreeBuild[] trees, ulong[][] inBag, ParallelOptions parallel)
    {
        var n = _label.Length;
        var prediction = new double[n];
        var counted = new bool[n];
        Parallel.For(0, (n + 4095) / 4096, parallel, b =>
        {
            var end = Math.Min(n, (b + 1) * 4096);
            for (var r = b * 4096; r < end; r++)
            {
                double sum = 0;
                var k = 0;
                for (var t = 0; t < trees.Length; t++)
                {
                    if ((inBag[t][r >> 6] & (1UL << (r & 63))) == 0)
                    {
                        sum += trees[t].Value[trees[t].LeafOf(_codes, r)];
                        k++;
                    }
                }

                if (k > 0)
                {
                    prediction[r] = sum / k;
                    counted[r] = true;
                }
            }
        });

        double hits = 0, ssRes = 0, ssTot = 0, sumY = 0;
        var m = 0;
        for (var r = 0; r < n; r++)
        {
            if (counted[r])
            {
                m++;
                sumY += _label[r];
            }
        }

        if (m == 0)
        {
            return null;
        }

        var mean = sumY / m;
        for (var r = 0; r < n; r++)
        {
            if (!counted[r])
            {
                continue;
            }

            hits += (prediction[r] > 0.5 ? 1.0 : 0.0) == _label[r] ? 1 : 0;
            ssRes += (prediction[r] - _label[r]) * (prediction[r] - _label[r]);
            ssTot += (_label[r] - mean) * (_label[r] - mean);
        }

        return _task == ModelTask.BinaryClassification ? hits / m : (ssTot > 0 ? 1 - (ssRes / ssTot) : 0);
    }

    /// <summary>Per-thread scratch space; a tree's result depends only on its index.</summary>
    private sealed class Worker
    {
        private readonly RandomForestTrainer _owner;
        private readonly int _n;
        private readonly int[] _rows;
        private readonly float[] _weight;
        private readonly double[] _sum;
        private readonly int[] _spillRows;
        private readonly float[] _spillWeight;
        private readonly double[] _spillSum;
        private readonly int[] _counts;
        private readonly int[] _featureOrder;
        private readonly double[] _histW;
        private readonly double[] _histS;
        private readonly int[] _histN;

        public Worker(RandomForestTrainer owner, int n, int featureCount)
        {
            _owner = owner;
            _n = n;
            _rows = new int[n];
            _weight = new float[n];
            _sum = new double[n];
            _spillRows = new int[n];
            _spillWeight = new float[n];
            _spillSum = new double[n];
            _counts = new int[n];
            _featureOrder = new int[featureCount];
            _histW = new double[featureCount * Stride];
            _histS = new double[featureCount * Stride];
            _histN = new int[featureCount * Stride];
        }

        private RandomForestOptions Options => _owner._options;

        public TreeBuild Build(int treeIndex, out ulong[]? inBag)
        {
            var rng = new TreeRandom(_owner._context.Seed, 5, treeIndex);
            var label = _owner._label;
            var active = 0;
            inBag = null;
            if (Options.Bootstrap)
            {
                Array.Clear(_counts);
                for (var i = 0; i < _n; i++)
                {
                    _counts[rng.NextInt(_n)]++;
                }

                inBag = new ulong[(_n + 63) / 64];
                for (var r = 0; r < _n; r++)
                {
                    if (_counts[r] > 0)
                    {
                        inBag[r >> 6] |= 1UL << (r & 63);
                        _rows[active] = r;
                        _weight[active] = _counts[r];
                        _sum[active] = _counts[r] * label[r];
                        active++;
                    }
                }
            }
            else
            {
                for (var r = 0; r < _n; r++)
                {
                    _rows[r] = r;
                    _weight[r] = 1;
                    _sum[r] = label[r];
                }

                active = _n;
            }

            double w = 0, s = 0, q = 0;
            for (var i = 0; i < active; i++)
            {
                w += _weight[i];
                s += _sum[i];
                q += _sum[i] * _sum[i] / _weight[i];
            }

            var tree = new TreeBuild();
            var root = new Node(tree.AddLeaf(s / w, 0), 0, active, w, s, q, 0);
            Evaluate(root, ref rng);
            var bestFirst = Options.MaxLeafNodes > 0;
            var stack = new Stack<Node>();
            var queue = new PriorityQueue<Node, (double, int)>();
            if (bestFirst)
            {
                queue.Enqueue(root, (-root.Best.Gain, root.Id));
            }
            else
            {
                stack.Push(root);
            }

            var leaves = 1;
            while (bestFirst ? queue.Count > 0 : stack.Count > 0)
            {
                var node = bestFirst ? queue.Dequeue() : stack.Pop();
                if (node.Best.Feature < 0 || (bestFirst && leaves >= Options.MaxLeafNodes))
                {
                    continue;
                }

                var (left, right) = Split(tree, node);
                leaves++;
                Evaluate(left, ref rng);
                Evaluate(right, ref rng);
                if (bestFirst)
                {
                    queue.Enqueue(left, (-left.Best.Gain, left.Id));
                    queue.Enqueue(right, (-right.Best.Gain, right.Id));
                }
                else
                {
                    stack.Push(right);
                    stack.Push(left);
                }
            }

            return tree;
        }

        private (Node Left, Node Right) Split(TreeBuild tree, Node node)
        {
            var split = node.Best;
            var col = _owner._codes[split.Feature];
            var write = node.Begin;
            var spill = node.Begin;
            double ql = 0, qr = 0;
            for (var i = node.Begin; i < node.End; i++)
            {
                var r = _rows[i];
                int c = col[r];
                var sq = _sum[i] * _sum[i] / _weight[i];
                if (c == FeatureBinner.MissingBin ? split.MissingLeft : c <= split.Bin)
                {
                    _rows[write] = r;
                    _weight[write] = _weight[i];
                    _sum[write] = _sum[i];
                    ql += sq;
                    write++;
                }
                else
                {
                    _spillRows[spill] = r;
                    _spillWeight[spill] = _weight[i];
                    _spillSum[spill] = _sum[i];
                    qr += sq;
                    spill++;
                }
            }

            var rightCount = spill - node.Begin;
            Array.Copy(_spillRows, node.Begin, _rows, write, rightCount);
            Array.Copy(_spillWeight, node.Begin, _weight, write, rightCount);
            Array.Copy(_spillSum, node.Begin, _sum, write, rightCount);
            var depth = node.Depth + 1;
            var wl = split.LeftW;
            var sl = split.LeftS;
            var wr = node.W - wl;
            var sr = node.S - sl;
            var leftId = tree.AddLeaf(sl / wl, depth);
            var rightId = tree.AddLeaf(sr / wr, depth);
            tree.Split(node.Id, split.Feature, split.Bin, split.MissingLeft, leftId, rightId, split.Gain);
            return (new Node(leftId, node.Begin, write, wl, sl, ql, depth), new Node(rightId, write, node.End, wr, sr, qr, depth));
        }

        /// <summary>Finds the node's best split over randomly ordered features (leaves Best.Feature = -1 if none).</summary>
        private void Evaluate(Node node, ref TreeRandom rng)
        {
            var count = node.End - node.Begin;
            var impurity = node.Q - (node.S * node.S / node.W);
            if (node.Depth >= Options.MaxDepth || count < 2 * Options.MinSamplesLeaf || impurity <= 1e-12 * Math.Abs(node.Q))
            {
                return;
            }

            var featureCount = _featureOrder.Length;
            for (var f = 0; f < featureCount; f++)
            {
                _featureOrder[f] = f;
            }

            var visited = 0;
            var best = new SplitCandidate(0, -1, 0, false, 0, 0);
            for (var i = 0; i < featureCount && (visited < Options.MaxFeatures || best.Feature < 0); i++)
            {
                var j = i + rng.NextInt(featureCount - i);
                (_featureOrder[i], _featureOrder[j]) = (_featureOrder[j], _featureOrder[i]);
                var f = _featureOrder[i];
                if (EvaluateFeature(node, f, impurity, ref best))
                {
                    visited++;
                }
            }

            node.Best = best;
        }

        /// <summary>Builds the feature's histogram over the node and updates <paramref name="best"/>; false if the feature is constant here.</summary>
        private bool EvaluateFeature(Node node, int f, double impurity, ref SplitCandidate best)
        {
            var codes = _owner._codes[f];
            var offset = f * Stride;
            var histW = _histW.AsSpan(offset, Stride);
            var histS = _histS.AsSpan(offset, Stride);
            var histN = _histN.AsSpan(offset, Stride);
            var bins = _owner._binCounts[f];
            histW[..(bins + 1)].Clear();
            histS[..(bins + 1)].Clear();
            histN[..(bins + 1)].Clear();
            int lo = 256, hi = 0;
            for (var i = node.Begin; i < node.End; i++)
            {
                int c = codes[_rows[i]];
                histW[c] += _weight[i];
                histS[c] += _sum[i];
                histN[c]++;
                lo = Math.Min(lo, c);
                hi = Math.Max(hi, c);
            }

            var hasMissing = histN[0] > 0;
            if (hasMissing)
            {
                // lo counted the missing bin; the smallest value bin is found below.
                lo = 1;
                while (lo <= hi && histN[lo] == 0)
                {
                    lo++;
                }
            }

            var valueBins = 0;
            for (var c = lo; c <= hi && valueBins < 2; c++)
            {
                valueBins += histN[c] > 0 ? 1 : 0;
            }

            if (valueBins + (hasMissing ? 1 : 0) < 2)
            {
                return false;
            }

            double totalW = node.W, totalS = node.S;
            var totalN = node.End - node.Begin;
            double missW = histW[0], missS = histS[0];
            var missN = histN[0];
            var minLeaf = Options.MinSamplesLeaf;
            var entropy = Options.Entropy;
            var parent = entropy ? totalW * Entropy(totalS / totalW) : totalS * totalS / totalW;
            double wl = 0, sl = 0;
            var nl = 0;
            var threshold = 1e-10 * impurity;
            for (var t = lo; t <= hi; t++)
            {
                if (histN[t] == 0)
                {
                    continue;
                }

                wl += histW[t];
                sl += histS[t];
                nl += histN[t];
                for (var side = 0; side < (hasMissing ? 2 : 1); side++)
                {
                    var missingLeft = side == 1;
                    var leftW = missingLeft ? wl + missW : wl;
                    var leftS = missingLeft ? sl + missS : sl;
                    var leftN = missingLeft ? nl + missN : nl;
                    if (leftN < minLeaf || totalN - leftN < minLeaf)
                    {
                        continue;
                    }

                    var rightW = totalW - leftW;
                    var rightS = totalS - leftS;
                    var gain = entropy
                        ? parent - (leftW * Entropy(leftS / leftW)) - (rightW * Entropy(rightS / rightW))
                        : (leftS * leftS / leftW) + (rightS * rightS / rightW) - parent;
                    if (gain > threshold && gain > best.Gain)
                    {
                        best = new SplitCandidate(gain, f, t, missingLeft, leftW, leftS);
                    }
                }
            }

            // No missing values here: future ones follow the heavier side.
            if (!hasMissing && best.Feature == f && best.LeftW > totalW - best.LeftW)
            {
                best = best with { MissingLeft = true };
            }

            return true;
        }

        private static double Entropy(double p) =>
            p <= 0 || p >= 1 ? 0 : -(p * Math.Log(p)) - ((1 - p) * Math.Log(1 - p));
    }

    private readonly record struct SplitCandidate(double Gain, int Feature, int Bin, bool MissingLeft, double LeftW, double LeftS);

    private sealed class Node(int id, int begin, int end, double w, double s, double q, int depth)
    {
        public int Id { get; } = id;

        public int Begin { get; } = begin;

        public int End { get; } = end;

        /// <summary>Sum of row weights (bootstrap counts).</summary>
        public double W { get; } = w;

        /// <summary>Sum of weight × label.</summary>
        public double S { get; } = s;

        /// <summary>Sum of weight × label².</summary>
        public double Q { get; } = q;

        public int Depth { get; } = depth;

        public SplitCandidate Best { get; set; } = new(0, -1, 0, false, 0, 0);
    }
}
