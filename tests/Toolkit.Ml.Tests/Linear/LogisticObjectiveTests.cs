using Toolkit.Ml.Linear;

namespace Toolkit.Ml.Tests.Linear;

/// <summary>
/// The blocked, vectorized objective against plain row-by-row sums of the same formulas, on more rows
/// than one block (512) with a partial last block, so block boundaries and padding are covered.
/// </summary>
public sealed class LogisticObjectiveTests
{
    private const int Rows = 1301;
    private const int Features = 5;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Evaluate_ManyBlocks_MatchesDirectSums(bool fitIntercept)
    {
        var (x, y) = Data();
        const double C = 0.7;
        var m = Features + (fitIntercept ? 1 : 0);
        var beta = Enumerable.Range(0, m).Select(j => 0.4 - (0.15 * j)).ToArray();
        var objective = new LogisticObjective(x, y, C, fitIntercept);

        var value = objective.Evaluate(beta, gradient: true, hessian: true);

        // Direct sums: z = x·w + b, loss = log(1 + e^z) - y·z, gradient and Hessian of the penalized objective.
        var expectedValue = 0.5 * beta.Take(Features).Sum(w => w * w);
        var gradient = new double[m];
        var hessian = new double[m, m];
        for (var j = 0; j < Features; j++)
        {
            gradient[j] = beta[j];
            hessian[j, j] = 1.0;
        }

        for (var i = 0; i < Rows; i++)
        {
            var row = Enumerable.Range(0, m).Select(j => j < Features ? (double)x[j][i] : 1.0).ToArray();
            var z = Enumerable.Range(0, m).Sum(j => row[j] * beta[j]);
            var probability = 1.0 / (1.0 + Math.Exp(-z));
            expectedValue += C * (Math.Log(1.0 + Math.Exp(z)) - (y[i] * z));
            for (var a = 0; a < m; a++)
            {
                gradient[a] += C * (probability - y[i]) * row[a];
                for (var b = 0; b < m; b++)
                {
                    hessian[a, b] += C * probability * (1.0 - probability) * row[a] * row[b];
                }
            }
        }

        value.Should().BeApproximately(expectedValue, 1e-10 * expectedValue);
        for (var a = 0; a < m; a++)
        {
            objective.Gradient[a].Should().BeApproximately(gradient[a], 1e-9 * (1.0 + Math.Abs(gradient[a])));
            for (var b = 0; b <= a; b++)
            {
                // The Hessian is summed in single precision within a block, by design.
                objective.Hessian[(a * m) + b].Should().BeApproximately(hessian[a, b], 1e-5 * (1.0 + Math.Abs(hessian[a, b])));
            }
        }
    }

    [Fact]
    public void Evaluate_WithoutDerivatives_GivesTheSameValue()
    {
        var (x, y) = Data();
        var objective = new LogisticObjective(x, y, 2.0, fitIntercept: true);
        var beta = new[] { 0.3, -0.2, 0.1, 0.5, -0.4, 0.25 };

        var full = objective.Evaluate(beta, gradient: true, hessian: true);
        var valueOnly = objective.Evaluate(beta, gradient: false, hessian: false);

        valueOnly.Should().Be(full);
    }

    [Fact]
    public void Evaluate_ExtremeScores_StayFinite()
    {
        // |z| of several hundred: e^z overflows, the objective must not.
        var x = new[] { new[] { 500f, -500f, 400f, -400f, 1f } };
        var y = new[] { 1.0, 0.0, 0.0, 1.0, 1.0 };
        var objective = new LogisticObjective(x, y, 1.0, fitIntercept: false);

        var value = objective.Evaluate([2.0], gradient: true, hessian: true);

        // Rows 3 and 4 are wrong by |z| = 800 each; row 5: log(1 + e^-2); penalty 0.5·2².
        value.Should().BeApproximately(2.0 + 1600.0 + Math.Log(1.0 + Math.Exp(-2.0)), 1e-9);
        objective.Gradient.Should().AllSatisfy(g => double.IsFinite(g).Should().BeTrue());
        objective.Hessian.Should().AllSatisfy(h => double.IsFinite(h).Should().BeTrue());
    }

    private static (float[][] X, double[] Y) Data()
    {
        var x = Enumerable.Range(0, Features)
            .Select(j => Enumerable.Range(0, Rows).Select(i => (float)Math.Sin((0.13 * i * (j + 2)) + j)).ToArray())
            .ToArray();
        var y = Enumerable.Range(0, Rows).Select(i => Math.Cos(0.71 * i) + x[0][i] > 0.2 ? 1.0 : 0.0).ToArray();
        return (x, y);
    }
}
