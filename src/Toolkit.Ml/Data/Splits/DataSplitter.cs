using System.Globalization;

namespace Toolkit.Ml.Data.Splits;

/// <summary>
/// Seeded, reproducible row splits: train/test, train/validation/test and k-fold, optionally
/// stratified so each part keeps the class proportions of a label (numeric 0/1 or categorical).
/// Every part lists its rows in ascending original order, so a split depends only on the data,
/// the fractions and the seed.
/// </summary>
/// <remarks>
/// Part sizes: the test part has round(n * testFraction) rows (half away from zero), at least one,
/// and leaves at least one row for training. Stratified splits give each stratum its share by
/// largest remainder, so the part sizes are the same as unstratified ones and each stratum's
/// count is within one row of its exact proportional share. Missing values (NaN, code -1) form
/// their own stratum.
/// </remarks>
public static class DataSplitter
{
    /// <summary>A numeric stratify column with more distinct values than this is not a class label.</summary>
    private const int MaxNumericStrata = 1000;

    /// <summary>Splits rows into train and test tables.</summary>
    public static (DataTable Train, DataTable Test) TrainTest(
        DataTable data, double testFraction, int seed, string? stratifyBy = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (train, test) = TrainTestIndices(data.RowCount, testFraction, seed, StrataOf(data, stratifyBy));
        return (data.Take(train), data.Take(test));
    }

    /// <summary>Splits rows into train, validation and test tables.</summary>
    public static (DataTable Train, DataTable Validation, DataTable Test) TrainValidationTest(
        DataTable data, double validationFraction, double testFraction, int seed, string? stratifyBy = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (train, validation, test) = TrainValidationTestIndices(
            data.RowCount, validationFraction, testFraction, seed, StrataOf(data, stratifyBy));
        return (data.Take(train), data.Take(validation), data.Take(test));
    }

    /// <summary>
    /// Row indices of a train/test split of <paramref name="rowCount"/> rows; stratified when
    /// <paramref name="strata"/> (a column of that length) is given.
    /// </summary>
    public static (int[] Train, int[] Test) TrainTestIndices(int rowCount, double testFraction, int seed, Column? strata = null)
    {
        CheckFraction(testFraction, "test fraction", nameof(testFraction));
        var testCount = PartSize(rowCount, testFraction);
        var parts = Partition(rowCount, [testCount], seed, strata);
        return (parts[1], parts[0]);
    }

    /// <summary>Row indices of a train/validation/test split; stratified when <paramref name="strata"/> is given.</summary>
    public static (int[] Train, int[] Validation, int[] Test) TrainValidationTestIndices(
        int rowCount, double validationFraction, double testFraction, int seed, Column? strata = null)
    {
        CheckFraction(validationFraction, "validation fraction", nameof(validationFraction));
        CheckFraction(testFraction, "test fraction", nameof(testFraction));
        if (validationFraction + testFraction >= 1)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Validation fraction {validationFraction} plus test fraction {testFraction} must be below 1 to leave rows for training."),
                nameof(validationFraction));
        }

        var testCount = PartSize(rowCount, testFraction);
        var validationCount = PartSize(rowCount, validationFraction);
        if (testCount + validationCount >= rowCount)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{rowCount} rows are too few for a validation part of {validationCount} and a test part of {testCount} rows with rows left for training."),
                nameof(rowCount));
        }

        var parts = Partition(rowCount, [testCount, validationCount], seed, strata);
        return (parts[2], parts[1], parts[0]);
    }

    /// <summary>
    /// K-fold cross-validation: each row is in exactly one test fold; fold sizes differ by at most
    /// one (the first rowCount % folds folds are one larger). Without <paramref name="shuffle"/>
    /// the folds are consecutive blocks of rows and the seed is unused.
    /// </summary>
    public static IReadOnlyList<(int[] Train, int[] Test)> KFold(int rowCount, int folds, int seed, bool shuffle = true)
    {
        CheckFolds(rowCount, folds);
        var order = Identity(rowCount);
        if (shuffle)
        {
            Shuffle(order, new Random(seed));
        }

        var assignment = new int[rowCount];
        var start = 0;
        for (var f = 0; f < folds; f++)
        {
            var size = (rowCount / folds) + (f < rowCount % folds ? 1 : 0);
            for (var i = start; i < start + size; i++)
            {
                assignment[order[i]] = f;
            }

            start += size;
        }

        return FoldsFrom(assignment, folds);
    }

    /// <summary>
    /// Stratified k-fold: the rows of each stratum are shuffled and dealt round-robin over the folds
    /// (continuing from one stratum to the next), so every fold holds each class within one row of
    /// its share and fold sizes differ by at most one.
    /// </summary>
    public static IReadOnlyList<(int[] Train, int[] Test)> StratifiedKFold(Column strata, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(strata);
        CheckFolds(strata.Length, folds);
        var random = new Random(seed);
        var assignment = new int[strata.Length];
        var next = 0;
        foreach (var rows in GroupRows(strata.Length, strata))
        {
            Shuffle(rows, random);
            foreach (var row in rows)
            {
                assignment[row] = next;
                next = (next + 1) % folds;
            }
        }

        return FoldsFrom(assignment, folds);
    }

    private static Column? StrataOf(DataTable data, string? stratifyBy)
    {
        if (stratifyBy is null)
        {
            return null;
        }

        if (!data.Contains(stratifyBy))
        {
            throw new ArgumentException(
                $"Cannot stratify by '{stratifyBy}': no such column; columns are: {ColumnNames.List(data)}.",
                nameof(stratifyBy));
        }

        return data[stratifyBy];
    }

    private static void CheckFraction(double fraction, string what, string paramName)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The {what} must be between 0 and 1 (exclusive); got {fraction}."),
                paramName);
        }
    }

    private static int PartSize(int rowCount, double fraction)
    {
        if (rowCount < 2)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Cannot split {rowCount} row(s): a split needs at least 2 rows."),
                nameof(rowCount));
        }

        var size = (int)Math.Round(rowCount * fraction, MidpointRounding.AwayFromZero);
        // Tiny tables: keep both parts non-empty rather than fail on a rounding artefact.
        return Math.Clamp(size, 1, rowCount - 1);
    }

    private static void CheckFolds(int rowCount, int folds)
    {
        if (folds < 2)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"K-fold needs at least 2 folds; got {folds}."), nameof(folds));
        }

        if (folds > rowCount)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Cannot make {folds} folds from {rowCount} rows: each fold needs a row."),
                nameof(folds));
        }
    }

    /// <summary>
    /// Splits rows into held-out parts of the given sizes plus the rest (last element). Within each
    /// stratum the rows are shuffled and the first ones go to the held-out parts in order.
    /// </summary>
    private static int[][] Partition(int rowCount, int[] sizes, int seed, Column? strata)
    {
        if (strata is not null && strata.Length != rowCount)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Stratify column '{strata.Name}' has {strata.Length} rows; expected {rowCount}."),
                nameof(strata));
        }

        var groups = GroupRows(rowCount, strata);
        var random = new Random(seed);
        var groupSizes = groups.Select(g => g.Length).ToArray();

        // Allocate the parts one after another over the rows still unassigned in each stratum:
        // proportional to what is left, so each part keeps the stratum proportions.
        var remaining = (int[])groupSizes.Clone();
        var remainingTotal = rowCount;
        var counts = new int[sizes.Length][];
        for (var p = 0; p < sizes.Length; p++)
        {
            counts[p] = Apportion(remaining, remainingTotal, sizes[p]);
            for (var g = 0; g < groups.Count; g++)
            {
                remaining[g] -= counts[p][g];
            }

            remainingTotal -= sizes[p];
        }

        var parts = new List<int>[sizes.Length + 1];
        for (var p = 0; p < parts.Length; p++)
        {
            parts[p] = [];
        }

        for (var g = 0; g < groups.Count; g++)
        {
            var rows = groups[g];
            Shuffle(rows, random);
            var at = 0;
            for (var p = 0; p < sizes.Length; p++)
            {
                for (var k = 0; k < counts[p][g]; k++)
                {
                    parts[p].Add(rows[at++]);
                }
            }

            while (at < rows.Length)
            {
                parts[sizes.Length].Add(rows[at++]);
            }
        }

        return [.. parts.Select(p =>
        {
            var a = p.ToArray();
            Array.Sort(a);
            return a;
        })];
    }

    /// <summary>
    /// Splits <paramref name="total"/> over groups in proportion to <paramref name="weights"/> (which sum
    /// to <paramref name="weightSum"/>) by largest remainder, in exact integer arithmetic. No group gets
    /// more than its weight. Ties go to the larger group, then the earlier one.
    /// </summary>
    private static int[] Apportion(int[] weights, int weightSum, int total)
    {
        var result = new int[weights.Length];
        var remainders = new long[weights.Length];
        var given = 0;
        for (var g = 0; g < weights.Length; g++)
        {
            var product = (long)weights[g] * total;
            result[g] = (int)(product / weightSum);
            remainders[g] = product % weightSum;
            given += result[g];
        }

        var order = Enumerable.Range(0, weights.Length)
            .OrderByDescending(g => remainders[g])
            .ThenByDescending(g => weights[g])
            .ThenBy(g => g)
            .ToArray();
        for (var k = 0; given < total; k++)
        {
            result[order[k]]++;
            given++;
        }

        return result;
    }

    /// <summary>Row indices grouped by stratum value, groups in ascending value order (missing first).</summary>
    private static List<int[]> GroupRows(int rowCount, Column? strata)
    {
        if (strata is null)
        {
            return [Identity(rowCount)];
        }

        if (strata is CategoricalColumn categorical)
        {
            var byCode = new SortedDictionary<int, List<int>>();
            var codes = categorical.Codes;
            for (var i = 0; i < codes.Length; i++)
            {
                var code = codes[i] < 0 ? -1 : codes[i];
                if (!byCode.TryGetValue(code, out var list))
                {
                    list = [];
                    byCode.Add(code, list);
                }

                list.Add(i);
            }

            return [.. byCode.Values.Select(l => l.ToArray())];
        }

        // Double.CompareTo orders NaN first and treats NaN as equal to NaN, so missing is one stratum.
        var byValue = new SortedDictionary<double, List<int>>();
        for (var i = 0; i < strata.Length; i++)
        {
            var v = strata.GetDouble(i);
            if (!byValue.TryGetValue(v, out var list))
            {
                if (byValue.Count == MaxNumericStrata)
                {
                    throw new ArgumentException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"Cannot stratify by '{strata.Name}': it has more than {MaxNumericStrata} distinct values; stratify by a class label."),
                        nameof(strata));
                }

                list = [];
                byValue.Add(v, list);
            }

            list.Add(i);
        }

        return [.. byValue.Values.Select(l => l.ToArray())];
    }

    private static int[] Identity(int n)
    {
        var a = new int[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = i;
        }

        return a;
    }

    /// <summary>Fisher-Yates; <see cref="Random"/> with a seed is reproducible across runs and platforms.</summary>
    private static void Shuffle(int[] values, Random random)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static (int[] Train, int[] Test)[] FoldsFrom(int[] assignment, int folds)
    {
        var result = new (int[] Train, int[] Test)[folds];
        for (var f = 0; f < folds; f++)
        {
            var test = new List<int>();
            var train = new List<int>();
            for (var i = 0; i < assignment.Length; i++)
            {
                (assignment[i] == f ? test : train).Add(i);
            }

            result[f] = (train.ToArray(), test.ToArray());
        }

        return result;
    }
}
