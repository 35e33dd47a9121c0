using System.Globalization;
using System.Text;

namespace Toolkit.Ml.Data;

/// <summary>
/// Bad input data: names the file, the 1-based line, the column and the offending field so a user can
/// go straight to it. The message is one line.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string message)
        : base(message)
    {
    }

    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DataFormatException(string? file, long? line, string? column, string? field, string problem)
        : base(Format(file, line, column, field, problem))
    {
        File = file;
        Line = line;
        ColumnName = column;
        Field = field;
        Problem = problem;
    }

    public DataFormatException()
    {
    }

    public string? File { get; }

    /// <summary>
    /// The same problem, naming <paramref name="file"/>: code that checks a table does not know where it came
    /// from, the command that read it does. A problem that already names a file is returned as is.
    /// </summary>
    public DataFormatException InFile(string file) =>
        File is not null || Problem is null ? this : new DataFormatException(file, Line, ColumnName, Field, Problem);

    public long? Line { get; }

    public string? ColumnName { get; }

    public string? Field { get; }

    public string? Problem { get; }

    private static string Format(string? file, long? line, string? column, string? field, string problem)
    {
        var sb = new StringBuilder();
        sb.Append(file ?? "<data>");
        if (line is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $":{line}");
        }

        sb.Append(": ");
        if (column is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"column '{column}': ");
        }

        sb.Append(problem);
        if (field is not null)
        {
            var shown = field.Length > 60 ? field[..57] + "..." : field;
            sb.Append(CultureInfo.InvariantCulture, $" (field: \"{shown}\")");
        }

        return sb.ToString();
    }
}
