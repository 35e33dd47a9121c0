using Toolkit.Ml.Linear;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Linear;

/// <summary>
/// L-BFGS, the solver for wide logistic regression: it reaches Newton's optimum (the objective is strictly
/// convex, so both must find the same point), it stops at once when cancelled, and it reports progress.
/// </summary>
public sealed class LbfgsSolverTests
{
    [Theory]
    [InlineData(300, 20, true)]
    [InlineData(60, 200, true)]
    [InlineData(120, 40, false)]
    public void Solve_SameOptimumAsNewton(int rows, int features, bool fitIntercept)
    {
        var (x, y) = Data(rows, features, seed: rows + features);

        var newton = NewtonSolver.Solve(new LogisticObjective(x, y, 1.0, fitIntercept), 100, 1e-8, new TrainContext(), () => { });
        var lbfgs = LbfgsSolver.Solve(new LogisticObjective(x, y, 1.0, fitIntercept), 5000, 1e-8, new TrainContext(), () => { });

        lbfgs.Coefficients.Should().Equal(newton.Coefficients, (a, b) => Math.Abs(a - b) < 1e-5);
        lbfgs.Intercept.Should().BeApproximately(newton.Intercept, 1e-5);
    }

    [Fact]
    public void Solve_Cancelled_StopsAtTheNextIteration_AfterReportingProgress()
    {
        var (x, y) = Data(60, 10_000, seed: 3);
        using var cancellation = new CancellationTokenSource();
        var reports = new List<TrainingProgress>();
        var context = new TrainContext
        {
            CancellationToken = cancellation.Token,
            Progress = new Inline(p =>
            {
                reports.Add(p);
                cancellation.Cancel();
            }),
        };

        var solve = () => LbfgsSolver.Solve(new LogisticObjective(x, y, 1.0, true), 1000, 1e-12, context, () => { });

        solve.Should().Throw<OperationCanceledException>();
        reports.Should().ContainSingle().Which.Stage.Should().Be("lbfgs");
    }

    [Fact]
    public void Fit_60RowsBy10kColumns_UsesLbfgs_NoHessianAllocated()
    {
        var (x, y) = Data(60, 10_000, seed: 5);
        var objective = new LogisticObjective(x, y, 1.0, true);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var (w, _) = LbfgsSolver.Solve(objective, 1000, 1e-4, new TrainContext(), () => { });

        // Newton would allocate two 10,001² double arrays (1.6 GB) before its first step.
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(200L << 20);
        w.Should().HaveCount(10_000).And.OnlyContain(v => double.IsFinite(v));
        objective.Size.Should().BeGreaterThan(LogisticRegressionAlgorithm.NewtonMaxSize);
    }

    private static (float[][] X, double[] Y) Data(int rows, int features, int seed)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, features).Select(_ => Enumerable.Range(0, rows).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray()).ToArray();
        var y = Enumerable.Range(0, rows).Select(i => x[0][i] + (0.5 * x[1 % features][i]) + (rng.NextDouble() - 0.5) > 0 ? 1.0 : 0.0).ToArray();
        return (x, y);
    }

    private sealed class Inline(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
