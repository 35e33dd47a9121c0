using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;

namespace Toolkit.Monitoring.Drift;

/// <summary>
/// Reads a reference and a current CSV for comparison: numbers as doubles (as pandas reads them, so every
/// statistic sees the same values scipy would), the current file's column types fixed by the reference's,
/// and its columns checked against the reference's before any row is read.
/// </summary>
internal static class DriftCsv
{
    public static DataTable ReadReference(string path, CancellationToken cancellationToken = default) =>
        CsvReader.Read(path, new CsvReadOptions { NumericType = ColumnType.Float64 }, cancellationToken);

    /// <summary>
    /// Reads <paramref name="path"/> with the reference's columns: the compared ones must all be there and, unless
    /// a column subset is given, no other column may be (the excluded ones may be either way). A text value in a
    /// column the reference has as numbers is an error naming file, line and column.
    /// </summary>
    public static DataTable ReadCurrent(string path, DataTable reference, DriftOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(options);
        var header = CsvReader.ReadHeader(path, cancellationToken);
        var optional = new HashSet<string>(options.Exclude, StringComparer.Ordinal);
        var required = options.Columns is { } only
            ? [.. only.Concat(options.PredictionColumn is { } p ? [p] : [])]
            : reference.Columns.Select(c => c.Name).Where(n => !optional.Contains(n)).ToList();
        var missing = required.Where(n => !header.Contains(n, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            throw new DataFormatException(path, 1, missing[0], null,
                $"the current data lacks column{(missing.Count > 1 ? "s" : "")} {ColumnNames.List(missing)} that the reference has");
        }

        if (options.Columns is null)
        {
            var extra = header.Where(n => !reference.Contains(n) && !optional.Contains(n)).ToList();
            if (extra.Count > 0)
            {
                throw new DataFormatException(path, 1, extra[0], null,
                    $"the current data has column{(extra.Count > 1 ? "s" : "")} {ColumnNames.List(extra)} that the reference does not");
            }
        }

        var types = new Dictionary<string, ColumnType>(StringComparer.Ordinal);
        foreach (var name in header.Where(reference.Contains))
        {
            types[name] = reference[name].Type == ColumnType.Categorical ? ColumnType.Categorical : ColumnType.Float64;
        }

        return CsvReader.Read(path, new CsvReadOptions { NumericType = ColumnType.Float64, ColumnTypes = types }, cancellationToken);
    }
}
