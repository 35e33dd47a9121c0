using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>
/// L-BFGS (limited-memory quasi-Newton, as scikit-learn's default 'lbfgs') on <see cref="LogisticObjective"/>
/// for wide data, where Newton's Size² Hessian and Size³ Cholesky would take gigabytes and minutes (10,000
/// one-hot features: 800 MB per Hessian copy). Each iteration is one or a few value-and-gradient passes,
/// O(rows · features); the token is checked and progress reported every iteration.
/// </summary>
internal static class LbfgsSolver
{
    private const int Memory = 10;
    private const double Armijo = 1e-4;
    private const int MaxHalvings = 40;

    public static (double[] Coefficients, double Intercept) Solve(
        LogisticObjective objective, int maxIter, double tol, TrainContext context, Action checkInputs)
    {
        var m = objective.Size;
        var x = new double[m];
        var trial = new double[m];
        var direction = new double[m];
        var s = new List<double[]>(Memory);
        var y = new List<double[]>(Memory);
        var rho = new List<double>(Memory);
        var alpha = new double[Memory];
        context.CancellationToken.ThrowIfCancellationRequested();
        var f = objective.Evaluate(x, gradient: true, hessian: false);
        if (!double.IsFinite(f))
        {
            checkInputs();
        }

        var g = (double[])objective.Gradient.Clone();
        for (var iteration = 0; iteration < maxIter; iteration++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (MaxAbs(g) <= tol)
            {
                break;
            }

            // Two-loop recursion: direction = -H·g with H the L-BFGS inverse-Hessian estimate.
            for (var j = 0; j < m; j++)
            {
                direction[j] = -g[j];
            }

            for (var k = s.Count - 1; k >= 0; k--)
            {
                alpha[k] = rho[k] * LinearAlgebra.Dot(s[k], direction);
                Axpy(-alpha[k], y[k], direction);
            }

            if (s.Count > 0)
            {
                var last = s.Count - 1;
                Scale(LinearAlgebra.Dot(s[last], y[last]) / LinearAlgebra.Dot(y[last], y[last]), direction);
            }

            for (var k = 0; k < s.Count; k++)
            {
                var beta = rho[k] * LinearAlgebra.Dot(y[k], direction);
                Axpy(alpha[k] - beta, s[k], direction);
            }

            var slope = LinearAlgebra.Dot(g, direction);
            if (!(slope < 0))
            {
                // Not a descent direction (rounding): start over from steepest descent.
                s.Clear();
                y.Clear();
                rho.Clear();
                for (var j = 0; j < m; j++)
                {
                    direction[j] = -g[j];
                }

                slope = -LinearAlgebra.Dot(g, g);
            }

            // The first step has no curvature estimate yet: keep it short.
            var t = s.Count == 0 ? Math.Min(1.0, 1.0 / Math.Max(1.0, MaxAbs(g))) : 1.0;
            var accepted = false;
            var ft = f;
            for (var h = 0; h < MaxHalvings && !accepted; h++, t *= 0.5)
            {
                for (var j = 0; j < m; j++)
                {
                    trial[j] = x[j] + (t * direction[j]);
                }

                ft = objective.Evaluate(trial, gradient: true, hessian: false);
                accepted = ft <= f + (Armijo * t * slope);
            }

            context.Progress?.Report(new TrainingProgress("lbfgs", iteration + 1, maxIter));
            if (!accepted)
            {
                break; // no decrease even for tiny steps: converged to machine precision
            }

            var sk = new double[m];
            var yk = new double[m];
            var gt = objective.Gradient;
            for (var j = 0; j < m; j++)
            {
                sk[j] = trial[j] - x[j];
                yk[j] = gt[j] - g[j];
            }

            var sy = LinearAlgebra.Dot(sk, yk);
            if (sy > 1e-12)
            {
                if (s.Count == Memory)
                {
                    s.RemoveAt(0);
                    y.RemoveAt(0);
                    rho.RemoveAt(0);
                }

                s.Add(sk);
                y.Add(yk);
                rho.Add(1.0 / sy);
            }

            (x, trial) = (trial, x);
            Array.Copy(gt, g, m);
            f = ft;
        }

        var p = objective.Features;
        return (x[..p], m > p ? x[p] : 0.0);
    }

    private static void Axpy(double a, double[] x, double[] into)
    {
        for (var j = 0; j < into.Length; j++)
        {
            into[j] += a * x[j];
        }
    }

    private static void Scale(double a, double[] into)
    {
        for (var j = 0; j < into.Length; j++)
        {
            into[j] *= a;
        }
    }

    private static double MaxAbs(double[] values)
    {
        var max = 0.0;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
