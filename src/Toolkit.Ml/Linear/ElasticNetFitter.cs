using System.Globalization;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>Elastic-net settings, named as scikit-learn's ElasticNet / ElasticNetCV (lasso: l1_ratio = 1).</summary>
internal sealed record ElasticNetSettings(
    double Alpha, double L1Ratio, int MaxIter, double Tol, bool FitIntercept, int Cv, int NAlphas, double Eps);

/// <summary>The outcome of cross-validating the alpha path: mean test MSE per alpha, and the best alpha.</summary>
internal sealed record AlphaSearch(double[] Alphas, double[] MeanMse, int BestIndex)
{
    public double BestAlpha => Alphas[BestIndex];
}

/// <summary>
/// Fits lasso and elastic net as scikit-learn does: centered data (when fitting an intercept), coordinate
/// descent from zero, intercept = mean(y) - mean(X)·w. With cv = k ≥ 2 it first chooses alpha the
/// way LassoCV / ElasticNetCV do: a log-spaced path from alpha_max (the smallest alpha giving all-zero
/// coefficients) down to alpha_max·eps, fitted with warm starts on each of k seeded folds, the alpha
/// with the lowest mean held-out MSE winning; then it refits on all rows.
/// </summary>
internal static class ElasticNetFitter
{
    public static IReadOnlyList<ParameterInfo> Parameters(bool withL1Ratio)
    {
        var list = new List<ParameterInfo>
        {
            new("alpha", ParameterKind.Real, "1.0", "Penalty strength (ignored when cv >= 2 chooses it).") { Min = 0, MinExclusive = true },
            new("max_iter", ParameterKind.Integer, "1000", "Maximum coordinate-descent sweeps.") { Min = 1 },
            new("tol", ParameterKind.Real, "0.0001", "Tolerance on the coefficient change and the duality gap (relative to ||y||²).") { Min = 0 },
            new("fit_intercept", ParameterKind.Boolean, "true", "Fit an unpenalized intercept (centers the data)."),
            new("cv", ParameterKind.Integer, "0", "0: use alpha as given; k >= 2: choose alpha by k-fold cross-validation.") { Min = 0 },
            new("n_alphas", ParameterKind.Integer, "100", "Number of alphas on the cross-validation path.") { Min = 1 },
            new("eps", ParameterKind.Real, "0.001", "Smallest path alpha as a fraction of alpha_max.") { Min = 0, MinExclusive = true, Max = 1 },
        };
        if (withL1Ratio)
        {
            list.Add(new("l1_ratio", ParameterKind.Real, "0.5", "Mix of L1 (1) and L2 (0) penalties.") { Min = 0, Max = 1 });
        }

        return list;
    }

    public static ElasticNetSettings Settings(string algorithm, HyperParameters hp, double? l1Ratio)
    {
        ArgumentNullException.ThrowIfNull(hp);
        var settings = new ElasticNetSettings(
            hp.GetDouble("alpha"),
            l1Ratio ?? hp.GetDouble("l1_ratio"),
            hp.GetInt("max_iter"),
            hp.GetDouble("tol"),
            hp.GetBool("fit_intercept"),
            hp.GetInt("cv"),
            hp.GetInt("n_alphas"),
            hp.GetDouble("eps"));
        if (settings.Cv == 1)
        {
            throw new InvalidParameterException(
                $"{algorithm} parameter 'cv' = '1' is invalid: one fold leaves nothing to validate on; valid: 0 (no cross-validation) or an integer >= 2.");
        }

        if (settings.Cv >= 2 && settings.L1Ratio == 0)
        {
            throw new InvalidParameterException(
                $"{algorithm} parameter 'l1_ratio' = '0' is invalid with cv >= 2: the alpha path needs an L1 part; valid: number > 0 <= 1.");
        }

        return settings;
    }

    public static LinearPredictor Fit(string algorithm, TrainingData data, ElasticNetSettings settings, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(context);
        LinearInputs.CheckLabel(data, algorithm);
        var columns = LinearInputs.Columns(data.Features, algorithm);
        var alpha = settings.Alpha;
        double? chosen = null;
        if (settings.Cv >= 2)
        {
            var n = data.Label.Length;
            if (n < settings.Cv)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture, $"{algorithm}: cv = {settings.Cv} folds need at least as many rows; there are {n}."));
            }

            var search = CrossValidate(columns, data.Label, settings, Folds(n, settings.Cv, context.Seed), context);
            alpha = search.BestAlpha;
            chosen = alpha;
        }

        var (w, intercept) = FitOne(columns, data.Label, alpha, settings, context, report: true);
        return new LinearPredictor(ModelTask.Regression, w, intercept, chosen);
    }

    /// <summary>
    /// Fits one alpha on all rows, centering <paramref name="columns"/> in place; returns the
    /// coefficients on the original (uncentered) inputs and the intercept.
    /// </summary>
    internal static (double[] Coefficients, double Intercept) FitOne(
        double[][] columns, ReadOnlySpan<double> label, double alpha, ElasticNetSettings s, TrainContext context, bool report)
    {
        var n = label.Length;
        var xMean = LinearInputs.Center(columns, s.FitIntercept);
        var y = LinearInputs.CenterLabel(label, s.FitIntercept, out var yMean);
        var w = new double[columns.Length];
        var l1 = alpha * s.L1Ratio * n;
        var l2 = alpha * (1 - s.L1Ratio) * n;
        var progress = report ? context.Progress : null;
        Action<int>? onIteration = progress is null
            ? null
            : i => progress.Report(new TrainingProgress("coordinate-descent", i, s.MaxIter));
        if (n > columns.Length)
        {
            // Many more rows than features: one pass builds XᵀX and Xᵀy, and every sweep after that
            // costs p² instead of n·p (scikit-learn's precompute), the same optimum to rounding.
            new FoldSolver(columns, y, useGram: true).Solve(w, l1, l2, s.MaxIter, s.Tol, context.CancellationToken, onIteration);
        }
        else
        {
            var residual = (double[])y.Clone();
            CoordinateDescent.Run(
                columns,
                CoordinateDescent.ColumnNormsSquared(columns),
                y,
                w,
                residual,
                l1,
                l2,
                s.MaxIter,
                s.Tol,
                context.CancellationToken,
                onIteration);
        }

        return (w, yMean - LinearAlgebra.Dot(xMean, w));
    }

    /// <summary>
    /// The alpha path of LassoCV / ElasticNetCV: n_alphas values log-spaced from alpha_max =
    /// max|Xᵀy| / (n·l1_ratio) (centered data) down to alpha_max·eps, largest first.
    /// </summary>
    internal static double[] AlphaGrid(double[][] columns, ReadOnlySpan<double> label, ElasticNetSettings s)
    {
        var n = label.Length;
        var y = LinearInputs.CenterLabel(label, s.FitIntercept, out _);
        var maxXy = 0.0;
        foreach (var col in columns)
        {
            // With y centered, Σ (x - mean x)·y = Σ x·y, so the columns need no centering here.
            maxXy = Math.Max(maxXy, Math.Abs(LinearAlgebra.Dot(col, y)));
        }

        var alphaMax = maxXy / (n * s.L1Ratio);
        var alphas = new double[s.NAlphas];

        // As sklearn: a target the features cannot explain at all gets a constant, tiny path.
        if (alphaMax <= 1e-15)
        {
            Array.Fill(alphas, 1e-15);
            return alphas;
        }

        var hi = Math.Log10(alphaMax);
        var lo = Math.Log10(alphaMax * s.Eps);
        var count = s.NAlphas;
        for (var k = 0; k < count; k++)
        {
            // numpy.logspace(lo, hi, count) reversed, with its exact endpoint.
            var exponent = count == 1 ? lo : k == count - 1 ? hi : lo + (k * ((hi - lo) / (count - 1)));
            alphas[count - 1 - k] = Math.Pow(10.0, exponent);
        }

        return alphas;
    }

    /// <summary>Fold of each row: a seeded shuffle cut into k near-equal parts (the first n mod k one row larger).</summary>
    internal static int[] Folds(int n, int k, int seed)
    {
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var random = new Random(seed);
        for (var i = n - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var foldOf = new int[n];
        var position = 0;
        for (var f = 0; f < k; f++)
        {
            var size = (n / k) + (f < n % k ? 1 : 0);
            for (var t = 0; t < size; t++)
            {
                foldOf[order[position++]] = f;
            }
        }

        return foldOf;
    }

    /// <summary>
    /// Cross-validates the alpha path over the given fold assignment (fold index per row, 0..k-1).
    /// Folds run in parallel but each writes only its own results, so the outcome does not depend on
    /// the thread count.
    /// </summary>
    internal static AlphaSearch CrossValidate(
        double[][] columns, double[] label, ElasticNetSettings s, int[] foldOf, TrainContext context)
    {
        var alphas = AlphaGrid(columns, label, s);
        var k = foldOf.Max() + 1;
        var mse = new double[k][];
        var done = 0;
        var gate = new object();
        var total = k * alphas.Length;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, context.MaxThreads),
            CancellationToken = context.CancellationToken,
        };
        try
        {
            Parallel.For(0, k, options, fold =>
            {
                mse[fold] = FoldPath(columns, label, s, alphas, foldOf, fold, context.CancellationToken, () =>
                {
                    if (context.Progress is { } progress)
                    {
                        lock (gate)
                        {
                            progress.Report(new TrainingProgress("cross-validation", ++done, total));
                        }
                    }
                });
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0 && e.InnerExceptions[0] is OperationCanceledException oce)
        {
            throw oce;
        }

        var mean = new double[alphas.Length];
        var best = 0;
        for (var a = 0; a < alphas.Length; a++)
        {
            var sum = 0.0;
            for (var f = 0; f < k; f++)
            {
                sum += mse[f][a];
            }

            mean[a] = sum / k;
            if (mean[a] < mean[best])
            {
                best = a;
            }
        }

        return new AlphaSearch(alphas, mean, best);
    }

    /// <summary>Held-out MSE of each alpha on one fold, fitting the path with warm starts.</summary>
    private static double[] FoldPath(
        double[][] columns, double[] label, ElasticNetSettings s, double[] alphas, int[] foldOf, int fold,
        CancellationToken cancellationToken, Action onAlpha)
    {
        var testCount = foldOf.Count(f => f == fold);
        var trainRows = new int[foldOf.Length - testCount];
        var testRows = new int[testCount];
        for (int i = 0, tr = 0, te = 0; i < foldOf.Length; i++)
        {
            if (foldOf[i] == fold)
            {
                testRows[te++] = i;
            }
            else
            {
                trainRows[tr++] = i;
            }
        }

        var p = columns.Length;
        var train = new double[p][];
        var test = new double[p][];
        for (var j = 0; j < p; j++)
        {
            train[j] = Gather(columns[j], trainRows);
            test[j] = Gather(columns[j], testRows);
        }

        var n = trainRows.Length;
        var xMean = LinearInputs.Center(train, s.FitIntercept);
        var y = LinearInputs.CenterLabel(Gather(label, trainRows), s.FitIntercept, out var yMean);
        var w = new double[p];
        var prediction = new double[testRows.Length];
        var result = new double[alphas.Length];
        var path = new FoldSolver(train, y, useGram: n > p);
        for (var a = 0; a < alphas.Length; a++)
        {
            var alpha = alphas[a];
            path.Solve(w, alpha * s.L1Ratio * n, alpha * (1 - s.L1Ratio) * n, s.MaxIter, s.Tol, cancellationToken);
            Array.Fill(prediction, yMean - LinearAlgebra.Dot(xMean, w));
            for (var j = 0; j < p; j++)
            {
                if (w[j] != 0.0)
                {
                    LinearAlgebra.Axpy(w[j], test[j], prediction);
                }
            }

            var sum = 0.0;
            for (var t = 0; t < prediction.Length; t++)
            {
                var e = prediction[t] - label[testRows[t]];
                sum += e * e;
            }

            result[a] = sum / prediction.Length;
            onAlpha();
        }

        return result;
    }

    private static double[] Gather(double[] source, int[] rows)
    {
        var result = new double[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = source[rows[i]];
        }

        return result;
    }

    /// <summary>
    /// Coordinate descent along one fold's path with warm starts, on the Gram matrix when rows
    /// outnumber features (as LassoCV's precompute='auto'), else on the residual.
    /// </summary>
    private sealed class FoldSolver
    {
        private readonly double[][] _x;
        private readonly double[] _y;
        private readonly double[]? _gram;
        private readonly double[]? _xty;
        private readonly double[]? _h;
        private readonly double[]? _residual;
        private readonly double[]? _norms;
        private readonly double _yNorm2;

        public FoldSolver(double[][] x, double[] y, bool useGram)
        {
            _x = x;
            _y = y;
            var p = x.Length;
            if (useGram)
            {
                _gram = new double[p * p];
                LinearAlgebra.Gram(x, default, _gram);
                for (var a = 0; a < p; a++)
                {
                    for (var b = 0; b < a; b++)
                    {
                        _gram[(b * p) + a] = _gram[(a * p) + b];
                    }
                }

                _xty = [.. x.Select(col => LinearAlgebra.Dot(col, y))];
                _h = new double[p];
                _yNorm2 = LinearAlgebra.Dot(y, y);
            }
            else
            {
                _residual = (double[])y.Clone();
                _norms = CoordinateDescent.ColumnNormsSquared(x);
            }
        }

        /// <summary>Moves <paramref name="w"/> (the previous alpha's solution) to this alpha's.</summary>
        public void Solve(double[] w, double l1, double l2, int maxIter, double tol, CancellationToken cancellationToken, Action<int>? onIteration = null)
        {
            if (_gram is not null)
            {
                CoordinateDescent.RunGram(_gram, _xty!, _yNorm2, w, _h!, l1, l2, maxIter, tol, cancellationToken, onIteration);
            }
            else
            {
                CoordinateDescent.Run(_x, _norms, _y, w, _residual!, l1, l2, maxIter, tol, cancellationToken, onIteration);
            }
        }
    }
}
