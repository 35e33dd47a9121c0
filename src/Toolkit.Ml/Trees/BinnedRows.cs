using Toolkit.Ml.Training;

namespace Toolkit.Ml.Trees;

/// <summary>The training rows as bin codes, in the two layouts the fit reads.</summary>
internal sealed class BinnedRows
{
    private BinnedRows(byte[] codes, byte[] columns, int rowCount, int[] binCounts)
    {
        Codes = codes;
        Columns = columns;
        RowCount = rowCount;
        BinCounts = binCounts;
    }

    /// <summary>Row-major: the histogram kernel reads all features of a row from one cache line.</summary>
    public byte[] Codes { get; }

    /// <summary>The same codes column-major (feature f's at f × rows): partition and routing read one feature of scattered rows.</summary>
    public byte[] Columns { get; }

    public int RowCount { get; }

    public int FeatureCount => BinCounts.Length;

    /// <summary>Bins per feature, not counting the missing bin.</summary>
    public int[] BinCounts { get; }

    public static BinnedRows Create(FeatureBinner binner, FeatureMatrix features, int maxThreads, ParallelSteps steps)
    {
        var codes = binner.TransformRows(features, maxThreads);
        var columns = Transpose(codes, features.RowCount, features.ColumnCount, steps);
        var binCounts = new int[features.ColumnCount];
        for (var f = 0; f < binCounts.Length; f++)
        {
            binCounts[f] = binner.BinCount(f);
        }

        return new BinnedRows(codes, columns, features.RowCount, binCounts);
    }

    /// <summary>Row-major codes to column-major, in parallel blocks of rows.</summary>
    private static byte[] Transpose(byte[] codes, int rows, int stride, ParallelSteps steps)
    {
        var columns = new byte[codes.Length];
        const int Block = 8192;
        steps.For((rows + Block - 1) / Block, codes.Length, b =>
        {
            var end = Math.Min(rows, (b + 1) * Block);
            for (var f = 0; f < stride; f++)
            {
                var column = columns.AsSpan(f * rows, rows);
                for (var r = b * Block; r < end; r++)
                {
                    column[r] = codes[(r * stride) + f];
                }
            }
        });
        return columns;
    }
}
