using System.Globalization;
using Toolkit.Ml.Data;

namespace Toolkit.Sdk;

/// <summary>The first difference between two tables (columns, types, values bit for bit), or null when they are equal.</summary>
public static class TableDifference
{
    public static string? Of(DataTable expected, DataTable actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var names = expected.Columns.Select(c => c.Name).ToList();
        var other = actual.Columns.Select(c => c.Name).ToList();
        if (!names.SequenceEqual(other))
        {
            return $"columns [{ColumnNames.List(names)}] vs [{ColumnNames.List(other)}]";
        }

        if (expected.RowCount != actual.RowCount)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{expected.RowCount} rows vs {actual.RowCount}");
        }

        for (var c = 0; c < expected.ColumnCount; c++)
        {
            var (a, b) = (expected[c], actual[c]);
            if (a.Type != b.Type)
            {
                return $"column '{a.Name}' is {a.Type} vs {b.Type}";
            }

            for (var row = 0; row < a.Length; row++)
            {
                var (x, y) = (Text(a, row), Text(b, row));
                if (x != y)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"column '{a.Name}' row {row}: {x} vs {y}");
                }
            }
        }

        return null;
    }

    // Categories compare by value (codes may differ); numbers by their exact bits, NaN equal to NaN.
    private static string Text(Column column, int row) => column switch
    {
        CategoricalColumn cat => cat[row] is { } v ? "'" + v + "'" : "missing",
        Float32Column f => float.IsNaN(f[row]) ? "missing" : f[row].ToString("R", CultureInfo.InvariantCulture),
        _ => double.IsNaN(column.GetDouble(row)) ? "missing" : column.GetDouble(row).ToString("R", CultureInfo.InvariantCulture),
    };
}
