using System.Globalization;

namespace Toolkit.Ml.Data;

/// <summary>Column names in messages: a file may have 100,000 columns, an error line lists a few.</summary>
public static class ColumnNames
{
    private const int Shown = 12;

    /// <summary><c>a, b, c, … (100,000 in all)</c>: at most a dozen names, and the count when there are more.</summary>
    public static string List(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var shown = new List<string>(Shown);
        var count = 0;
        foreach (var name in names)
        {
            if (count++ < Shown)
            {
                shown.Add(name);
            }
        }

        var text = string.Join(", ", shown);
        return count > Shown ? string.Create(CultureInfo.InvariantCulture, $"{text}, … ({count:N0} in all)") : text;
    }

    /// <inheritdoc cref="List(IEnumerable{string})"/>
    public static string List(DataTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return List(table.Columns.Select(c => c.Name));
    }
}
