using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>
/// Newton's method for L2-penalized logistic regression over column-major double data. The
/// objective is sklearn's: 0.5·||w||² + C·Σᵢ [log(1 + e^{zᵢ}) - yᵢzᵢ], zᵢ = xᵢ·w + b.
/// </summary>
internal static class NewtonSolver
{
    // Armijo sufficient-decrease constant and the number of step halvings before giving up.
    private const double Armijo = 1e-4;
    private const int MaxHalvings = 60;

    public static (double[] Coefficients, double Intercept) Solve(
        double[][] x, double[] y, double c, bool fitIntercept, int maxIter, double tol, TrainContext context)
    {
        var p = x.Length;
        var n = y.Length;
        var m = p + (fitIntercept ? 1 : 0);

        // The intercept is the coefficient of a column of ones, so one Gram call builds the Hessian.
        var columns = fitIntercept ? [.. x, Ones(n)] : x;
        var beta = new double[m];
        var z = new double[n];
        var trial = new double[n];
        var residual = new double[n];
        var curvature = new double[n];
        var dz = new double[n];
        var gradient = new double[m];
        var hessian = new double[m * m];
        var step = new double[m];
        var f = Objective(z, y, beta, p, c);
        for (var iteration = 0; iteration < maxIter; iteration++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < n; i++)
            {
                var prob = LinearPredictor.Sigmoid(z[i]);
                residual[i] = prob - y[i];
                curvature[i] = prob * (1.0 - prob);
            }

            var gradMax = 0.0;
            for (var j = 0; j < m; j++)
            {
                gradient[j] = (j < p ? beta[j] : 0.0) + (c * LinearAlgebra.Dot(columns[j], residual));
                gradMax = Math.Max(gradMax, Math.Abs(gradient[j]));
            }

            if (gradMax <= tol)
            {
                break;
            }

            LinearAlgebra.Gram(columns, curvature, hessian);
            for (var a = 0; a < m; a++)
            {
                for (var b = 0; b <= a; b++)
                {
                    hessian[(a * m) + b] *= c;
                }

                // The penalty's Hessian: identity on the coefficients, nothing on the intercept.
                if (a < p)
                {
                    hessian[(a * m) + a] += 1.0;
                }
            }

            for (var j = 0; j < m; j++)
            {
                step[j] = -gradient[j];
            }

            if (!SolveDamped(hessian, m, step, gradient))
            {
                break;
            }

            // Change of every score along the step, for the line search.
            Array.Clear(dz);
            for (var j = 0; j < m; j++)
            {
                LinearAlgebra.Axpy(step[j], columns[j], dz);
            }

            var slope = LinearAlgebra.Dot(gradient, step);
            var t = 1.0;
            var accepted = false;
            for (var h = 0; h < MaxHalvings && !accepted; h++, t *= 0.5)
            {
                for (var i = 0; i < n; i++)
                {
                    trial[i] = z[i] + (t * dz[i]);
                }

                var penalty = 0.0;
                for (var j = 0; j < p; j++)
                {
                    var v = beta[j] + (t * step[j]);
                    penalty += v * v;
                }

                var ft = (0.5 * penalty) + (c * DataLoss(trial, y));
                if (ft <= f + (Armijo * t * slope))
                {
                    accepted = true;
                    f = ft;
                    for (var j = 0; j < m; j++)
                    {
                        beta[j] += t * step[j];
                    }

                    (z, trial) = (trial, z);
                }
            }

            context.Progress?.Report(new TrainingProgress("newton", iteration + 1, maxIter));

            // No decrease even for tiny steps: the optimum is reached to machine precision.
            if (!accepted)
            {
                break;
            }
        }

        return (beta[..p], fitIntercept ? beta[p] : 0.0);
    }

    /// <summary>
    /// Solves H·s = -g. The intercept row may be nearly singular when every row is predicted with
    /// certainty; then the diagonal gets a growing damping term (Levenberg style).
    /// </summary>
    private static bool SolveDamped(double[] hessian, int m, double[] step, double[] gradient)
    {
        var copy = new double[hessian.Length];
        var damping = 0.0;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            Array.Copy(hessian, copy, hessian.Length);
            for (var j = 0; j < m; j++)
            {
                copy[(j * m) + j] += damping;
                step[j] = -gradient[j];
            }

            if (LinearAlgebra.TryCholeskySolve(copy, m, step))
            {
                return true;
            }

            damping = damping == 0.0 ? 1e-10 : damping * 100.0;
        }

        return false;
    }

    private static double Objective(double[] z, double[] y, double[] beta, int p, double c)
    {
        var penalty = 0.0;
        for (var j = 0; j < p; j++)
        {
            penalty += beta[j] * beta[j];
        }

        return (0.5 * penalty) + (c * DataLoss(z, y));
    }

    /// <summary>Σ log(1 + e^z) - y·z, written to stay finite for large |z|.</summary>
    private static double DataLoss(double[] z, double[] y)
    {
        var sum = 0.0;
        for (var i = 0; i < z.Length; i++)
        {
            var v = z[i];
            var softplus = v > 0 ? v + Math.Log(1.0 + Math.Exp(-v)) : Math.Log(1.0 + Math.Exp(v));
            sum += softplus - (y[i] * v);
        }

        return sum;
    }

    private static double[] Ones(int n)
    {
        var ones = new double[n];
        Array.Fill(ones, 1.0);
        return ones;
    }
}
