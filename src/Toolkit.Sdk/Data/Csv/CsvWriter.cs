using System.Globalization;
using System.Text;

namespace Toolkit.Ml.Data.Csv;

/// <summary>
/// Writes a <see cref="DataTable"/> as comma-separated UTF-8 text (LF line ends, no BOM) that
/// <see cref="CsvReader"/> reads back to the same values: numbers in shortest round-trip form, missing values
/// as empty fields, text quoted when it holds a delimiter, quote or line break, or could be mistaken for a
/// missing value. Numeric-looking categories come back numeric unless the reader is given the column types.
/// </summary>
public static class CsvWriter
{
    private const int FlushAt = 1 << 16;
    private static readonly string[] QuotedTokens = ["NA", "NaN"];

    /// <summary>Writes atomically: to a temporary file in the same folder, then renamed over <paramref name="path"/>.</summary>
    public static void Write(DataTable table, string path, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                Write(table, stream, ct);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex)
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // The original failure is the one worth reporting.
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new OutputPathException(full, temp, ex);
            }

            throw;
        }
    }

    public static void Write(DataTable table, Stream stream, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[FlushAt + 4096];
        var used = 0;
        var columns = table.Columns;
        for (var c = 0; c < columns.Count; c++)
        {
            if (c > 0)
            {
                buffer[used++] = (byte)',';
            }

            AppendText(columns[c].Name, ref buffer, ref used);
        }

        buffer[used++] = (byte)'\n';

        // With one column a missing value is an empty line, which the reader keeps as a record.
        for (var r = 0; r < table.RowCount; r++)
        {
            if ((r & 0xFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            for (var c = 0; c < columns.Count; c++)
            {
                Ensure(ref buffer, used, 1);
                if (c > 0)
                {
                    buffer[used++] = (byte)',';
                }

                AppendValue(columns[c], r, ref buffer, ref used);
            }

            buffer[used++] = (byte)'\n';
            if (used >= FlushAt)
            {
                stream.Write(buffer, 0, used);
                used = 0;
            }
        }

        stream.Write(buffer, 0, used);
        stream.Flush();
    }

    private static void AppendValue(Column column, int row, ref byte[] buffer, ref int used)
    {
        switch (column)
        {
            case Float32Column f:
                {
                    var v = f[row];
                    if (!float.IsNaN(v))
                    {
                        Ensure(ref buffer, used, 32);
                        v.TryFormat(buffer.AsSpan(used), out var n, "R", CultureInfo.InvariantCulture);
                        used += n;
                    }

                    break;
                }

            case Float64Column d:
                {
                    var v = d[row];
                    if (!double.IsNaN(v))
                    {
                        Ensure(ref buffer, used, 32);
                        v.TryFormat(buffer.AsSpan(used), out var n, "R", CultureInfo.InvariantCulture);
                        used += n;
                    }

                    break;
                }

            case CategoricalColumn k:
                if (k[row] is { } text)
                {
                    AppendText(text, ref buffer, ref used);
                }

                break;

            default:
                if (!column.IsMissing(row))
                {
                    Ensure(ref buffer, used, 32);
                    column.GetDouble(row).TryFormat(buffer.AsSpan(used), out var n, "R", CultureInfo.InvariantCulture);
                    used += n;
                }

                break;
        }
    }

    private static void AppendText(string text, ref byte[] buffer, ref int used)
    {
        var quote = text.Length == 0
            || text.AsSpan().IndexOfAny(",\"\r\n") >= 0
            || Array.IndexOf(QuotedTokens, text) >= 0;
        Ensure(ref buffer, used, (Encoding.UTF8.GetMaxByteCount(text.Length) * 2) + 2);
        if (!quote)
        {
            used += Encoding.UTF8.GetBytes(text, buffer.AsSpan(used));
            return;
        }

        buffer[used++] = (byte)'"';
        foreach (var part in text.Split('"'))
        {
            used += Encoding.UTF8.GetBytes(part, buffer.AsSpan(used));
            buffer[used++] = (byte)'"';
            buffer[used++] = (byte)'"';
        }

        // The loop wrote one doubled quote too many; the last one closes the field.
        used--;
    }

    private static void Ensure(ref byte[] buffer, int used, int extra)
    {
        // Keep room for the delimiter and line break that follow a value.
        if (used + extra + 2 > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, used + extra + 2));
        }
    }
}
