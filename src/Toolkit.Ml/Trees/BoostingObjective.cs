using System.Runtime.Intrinsics;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>The loss being boosted: log loss on raw scores (classification) or squared error (regression).</summary>
internal sealed class BoostingObjective(ModelTask task, ParallelSteps steps)
{
    /// <summary>Rows per chunk of the per-row passes (gradients); small enough to balance two to eight threads.</summary>
    private const int RowChunk = 4096;

    /// <summary>Raw score before the first tree: the prior log-odds, or the target mean, of <paramref name="rows"/>.</summary>
    public double BaseScore(double[] label, int[] rows)
    {
        var sum = 0.0;
        foreach (var r in rows)
        {
            sum += label[r];
        }

        var mean = sum / rows.Length;
        if (task == ModelTask.Regression)
        {
            return mean;
        }

        var p = Math.Clamp(mean, 1e-6, 1 - 1e-6);
        return Math.Log(p / (1 - p));
    }

    /// <summary>Gradient and hessian of every row in <paramref name="rows"/> into <paramref name="gh"/> (at 2r and 2r + 1).</summary>
    public void Gradients(double[] label, double[] scores, int[] rows, float[] gh)
    {
        var classification = task == ModelTask.BinaryClassification;
        var chunks = (rows.Length + RowChunk - 1) / RowChunk;

        // All rows (they are then 0..n-1 in order): the logistic function four rows at a time.
        var vector = classification && rows.Length == scores.Length && Vector256.IsHardwareAccelerated;
        steps.For(chunks, rows.Length * 20L, c =>
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
}
