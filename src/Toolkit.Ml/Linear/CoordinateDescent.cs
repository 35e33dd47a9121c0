namespace Toolkit.Ml.Linear;

/// <summary>
/// Cyclic coordinate descent for the elastic net in scikit-learn's formulation (cd_fast):
/// minimizes 0.5·||y - Xw||² + l1·||w||₁ + 0.5·l2·||w||² over (already centered) column-major X,
/// which is n·[(1/(2n))||y - Xw||² + α·ρ||w||₁ + 0.5·α(1-ρ)||w||²] with l1 = nαρ, l2 = nα(1-ρ).
/// A sweep whose largest coefficient change is below tol·(largest coefficient) triggers the
/// duality-gap check; the fit stops when the gap is below tol·||y||².
/// </summary>
internal static class CoordinateDescent
{
    /// <summary>
    /// Runs coordinate descent from the coefficients in <paramref name="w"/> (warm start), whose
    /// residual <paramref name="residual"/> = y - Xw the caller supplies and this method maintains.
    /// Returns the number of sweeps and whether the duality gap fell below the tolerance.
    /// </summary>
    public static (int Iterations, bool Converged) Run(
        double[][] x,
        ReadOnlySpan<double> columnNormSquared,
        ReadOnlySpan<double> y,
        double[] w,
        double[] residual,
        double l1,
        double l2,
        int maxIter,
        double tol,
        CancellationToken cancellationToken,
        Action<int>? onIteration = null)
    {
        var gapTolerance = tol * LinearAlgebra.Dot(y, y);
        for (var iteration = 0; iteration < maxIter; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wMax = 0.0;
            var dwMax = 0.0;
            for (var j = 0; j < x.Length; j++)
            {
                // All-zero columns (constant features after centering) never move.
                if (columnNormSquared[j] == 0.0)
                {
                    continue;
                }

                var col = x[j];
                var old = w[j];
                if (old != 0.0)
                {
                    LinearAlgebra.Axpy(old, col, residual);
                }

                var rho = LinearAlgebra.Dot(col, residual);
                var updated = Math.Sign(rho) * Math.Max(Math.Abs(rho) - l1, 0.0) / (columnNormSquared[j] + l2);
                w[j] = updated;
                if (updated != 0.0)
                {
                    LinearAlgebra.Axpy(-updated, col, residual);
                }

                dwMax = Math.Max(dwMax, Math.Abs(updated - old));
                wMax = Math.Max(wMax, Math.Abs(updated));
            }

            onIteration?.Invoke(iteration + 1);
            if (wMax == 0.0 || dwMax / wMax < tol || iteration == maxIter - 1)
            {
                if (DualityGap(x, y, w, residual, l1, l2) <= gapTolerance)
                {
                    return (iteration + 1, true);
                }
            }
        }

        return (maxIter, false);
    }

    /// <summary>
    /// The same coordinate descent on precomputed Q = XᵀX (full, row-major) and q = Xᵀy, keeping
    /// h = Q·w instead of the residual: each update costs O(p) instead of O(n). This is sklearn's
    /// precomputed-Gram variant, which LassoCV uses when there are more rows than features.
    /// </summary>
    public static (int Iterations, bool Converged) RunGram(
        double[] gram,
        double[] xty,
        double yNorm2,
        double[] w,
        double[] h,
        double l1,
        double l2,
        int maxIter,
        double tol,
        CancellationToken cancellationToken,
        Action<int>? onIteration = null)
    {
        var p = xty.Length;
        var gapTolerance = tol * yNorm2;
        for (var iteration = 0; iteration < maxIter; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wMax = 0.0;
            var dwMax = 0.0;
            for (var j = 0; j < p; j++)
            {
                var qjj = gram[(j * p) + j];
                if (qjj == 0.0)
                {
                    continue;
                }

                var row = gram.AsSpan(j * p, p);
                var old = w[j];
                if (old != 0.0)
                {
                    LinearAlgebra.Axpy(-old, row, h);
                }

                var rho = xty[j] - h[j];
                var updated = Math.Sign(rho) * Math.Max(Math.Abs(rho) - l1, 0.0) / (qjj + l2);
                w[j] = updated;
                if (updated != 0.0)
                {
                    LinearAlgebra.Axpy(updated, row, h);
                }

                dwMax = Math.Max(dwMax, Math.Abs(updated - old));
                wMax = Math.Max(wMax, Math.Abs(updated));
            }

            onIteration?.Invoke(iteration + 1);
            if (wMax == 0.0 || dwMax / wMax < tol || iteration == maxIter - 1)
            {
                if (GramDualityGap(xty, yNorm2, w, h, l1, l2) <= gapTolerance)
                {
                    return (iteration + 1, true);
                }
            }
        }

        return (maxIter, false);
    }

    /// <summary>The duality gap of <see cref="RunGram"/>, with ||y - Xw||² = yᵀy + wᵀQw - 2qᵀw.</summary>
    private static double GramDualityGap(double[] xty, double yNorm2, double[] w, double[] h, double l1, double l2)
    {
        var dualNorm = 0.0;
        var l1Norm = 0.0;
        for (var j = 0; j < w.Length; j++)
        {
            dualNorm = Math.Max(dualNorm, Math.Abs(xty[j] - h[j] - (l2 * w[j])));
            l1Norm += Math.Abs(w[j]);
        }

        var qw = LinearAlgebra.Dot(xty, w);
        var rNorm2 = yNorm2 + LinearAlgebra.Dot(w, h) - (2.0 * qw);
        var wNorm2 = LinearAlgebra.Dot(w, w);
        double scale, gap;
        if (dualNorm > l1)
        {
            scale = l1 / dualNorm;
            gap = 0.5 * (rNorm2 + (rNorm2 * scale * scale));
        }
        else
        {
            scale = 1.0;
            gap = rNorm2;
        }

        return gap + (l1 * l1Norm) - (scale * (yNorm2 - qw)) + (0.5 * l2 * (1 + (scale * scale)) * wNorm2);
    }

    /// <summary>The elastic-net duality gap at w, with the dual point scaled into the feasible set.</summary>
    internal static double DualityGap(double[][] x, ReadOnlySpan<double> y, double[] w, double[] residual, double l1, double l2)
    {
        var dualNorm = 0.0;
        var l1Norm = 0.0;
        for (var j = 0; j < x.Length; j++)
        {
            dualNorm = Math.Max(dualNorm, Math.Abs(LinearAlgebra.Dot(x[j], residual) - (l2 * w[j])));
            l1Norm += Math.Abs(w[j]);
        }

        var rNorm2 = LinearAlgebra.Dot(residual, residual);
        var wNorm2 = LinearAlgebra.Dot(w, w);
        double scale, gap;
        if (dualNorm > l1)
        {
            scale = l1 / dualNorm;
            gap = 0.5 * (rNorm2 + (rNorm2 * scale * scale));
        }
        else
        {
            scale = 1.0;
            gap = rNorm2;
        }

        return gap + (l1 * l1Norm) - (scale * LinearAlgebra.Dot(residual, y)) + (0.5 * l2 * (1 + (scale * scale)) * wNorm2);
    }

    public static double[] ColumnNormsSquared(double[][] x)
    {
        var norms = new double[x.Length];
        for (var j = 0; j < x.Length; j++)
        {
            norms[j] = LinearAlgebra.Dot(x[j], x[j]);
        }

        return norms;
    }
}
