namespace Toolkit.Ml.Trees;

/// <summary>The seeded row sample of each round (<c>subsample</c>) and feature sample of each tree (<c>colsample</c>).</summary>
internal sealed class BoostingSampler(GradientBoostingOptions options, int seed, int featureCount)
{
    /// <summary>
    /// Writes this round's rows (all training rows, or a seeded subsample) to the start of
    /// <paramref name="rows"/>, marking them in <paramref name="inSample"/> when subsampling; returns how many.
    /// </summary>
    public int SampleRows(int[] trainRows, int round, bool[]? inSample, int[] rows)
    {
        if (inSample is null)
        {
            trainRows.CopyTo(rows, 0);
            return trainRows.Length;
        }

        return SampleSubset(trainRows, round, inSample, rows);
    }

    /// <summary>This tree's features, in increasing order.</summary>
    public int[] SampleFeatures(int round)
    {
        var all = new int[featureCount];
        for (var f = 0; f < all.Length; f++)
        {
            all[f] = f;
        }

        if (options.Colsample >= 1.0)
        {
            return all;
        }

        var k = Math.Max(1, (int)Math.Round(options.Colsample * featureCount));
        var rng = new TreeRandom(seed, 2, round);
        for (var i = 0; i < k; i++)
        {
            var j = i + rng.NextInt(featureCount - i);
            (all[i], all[j]) = (all[j], all[i]);
        }

        var chosen = all[..k];
        Array.Sort(chosen);
        return chosen;
    }

    private int SampleSubset(int[] trainRows, int round, bool[] inSample, int[] rows)
    {
        var rng = new TreeRandom(seed, 1, round);
        var count = 0;
        foreach (var r in trainRows)
        {
            var take = rng.NextDouble() < options.Subsample;
            inSample[r] = take;
            if (take)
            {
                rows[count++] = r;
            }
        }

        if (count == 0)
        {
            rows[0] = trainRows[0];
            inSample[trainRows[0]] = true;
            count = 1;
        }

        return count;
    }
}
