using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>
/// Newton's method for L2-penalized logistic regression, on <see cref="LogisticObjective"/>
/// (sklearn's objective). Each full step is tried with the gradient and Hessian computed in the same
/// pass as its objective value, so an accepted step costs one pass over the data and the next
/// iteration starts from derivatives already in hand; only a rejected full step falls back to cheaper
/// value-only passes while halving.
/// </summary>
internal static class NewtonSolver
{
    // Armijo sufficient-decrease constant and the number of step halvings before giving up.
    private const double Armijo = 1e-4;
    private const int MaxHalvings = 60;

    // Relative change of the objective that is indistinguishable from rounding at the optimum.
    private const double RoundingNoise = 1e-12;

    /// <summary>
    /// Minimizes <paramref name="objective"/> from zero. <paramref name="checkInputs"/> runs (and is
    /// expected to throw) when the objective at zero is not finite: with 0/1 labels that happens only
    /// when a feature value is NaN or infinite, so clean data is never scanned separately.
    /// </summary>
    public static (double[] Coefficients, double Intercept) Solve(
        LogisticObjective objective, int maxIter, double tol, TrainContext context, Action checkInputs)
    {
        var m = objective.Size;
        var beta = new double[m];
        var trial = new double[m];
        var gradient = new double[m];
        var hessian = new double[m * m];
        var step = new double[m];
        context.CancellationToken.ThrowIfCancellationRequested();
        var f = objective.Evaluate(beta, gradient: true, hessian: true);
        if (!double.IsFinite(f))
        {
            checkInputs();
        }

        Array.Copy(objective.Gradient, gradient, m);
        Array.Copy(objective.Hessian, hessian, hessian.Length);
        var previousGradMax = double.NaN;
        for (var iteration = 0; iteration < maxIter; iteration++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var gradMax = MaxAbs(gradient);
            if (gradMax <= tol || !SolveDamped(hessian, m, step, gradient))
            {
                break;
            }

            // Newton's gradients shrink quadratically, g' ≈ K·g² with K ≈ g / g_prev². When that predicts
            // convergence, the next point is the last one: its Hessian would never be used, so skip it (a
            // wrong prediction only means one step on the previous Hessian, which still converges).
            var predicted = gradMax * gradMax * gradMax / (previousGradMax * previousGradMax);
            var wantHessian = !(predicted <= tol);
            previousGradMax = gradMax;
            var slope = LinearAlgebra.Dot(gradient, step);
            var t = 1.0;
            var accepted = false;
            var haveGradient = false;
            var ft = f;
            for (var h = 0; h < MaxHalvings && !accepted; h++, t *= 0.5)
            {
                for (var j = 0; j < m; j++)
                {
                    trial[j] = beta[j] + (t * step[j]);
                }

                // The full step is almost always taken near the optimum: get its derivatives in the same pass.
                haveGradient = h == 0;
                ft = objective.Evaluate(trial, haveGradient, haveGradient && wantHessian);
                accepted = ft <= f + (Armijo * t * slope)

                    // At the optimum the decrease drowns in rounding; a step that still shrinks the gradient is progress.
                    || (haveGradient && ft - f <= RoundingNoise * Math.Abs(f) && MaxAbs(objective.Gradient) < gradMax);
            }

            if (accepted)
            {
                f = ft;
                (beta, trial) = (trial, beta);
                if (!haveGradient)
                {
                    wantHessian = true;
                    objective.Evaluate(beta, gradient: true, hessian: true);
                }

                Array.Copy(objective.Gradient, gradient, m);
                if (wantHessian)
                {
                    Array.Copy(objective.Hessian, hessian, hessian.Length);
                }
            }

            context.Progress?.Report(new TrainingProgress("newton", iteration + 1, maxIter));

            // No decrease even for tiny steps: the optimum is reached to machine precision.
            if (!accepted)
            {
                break;
            }
        }

        var p = objective.Features;
        return (beta[..p], m > p ? beta[p] : 0.0);
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
}
