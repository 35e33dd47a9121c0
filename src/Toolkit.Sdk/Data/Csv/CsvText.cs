using System.Text;
using System.Text.Unicode;

namespace Toolkit.Ml.Data.Csv;

/// <summary>What a text field may hold: UTF-8 without NUL bytes. Anything else is a damaged or binary file, not data.</summary>
internal static class CsvText
{
    /// <summary>Longer column names are not names (a header line that lost its line breaks, or binary data).</summary>
    public const int MaxNameLength = 1024;

    public static string? Problem(ReadOnlySpan<byte> field) =>
        field.Contains((byte)0) ? "a NUL byte is not text (a binary file, or UTF-16? save it as UTF-8)"
        : !Utf8.IsValid(field) ? "not UTF-8 text (save the file as UTF-8)"
        : null;

    /// <summary><c>inf</c>, <c>-Infinity</c>, <c>+INF</c>: the spellings other tools write for infinity, which .NET does not parse.</summary>
    public static bool IsInfinityWord(ReadOnlySpan<byte> field)
    {
        var s = field.Length > 0 && field[0] is (byte)'+' or (byte)'-' ? field[1..] : field;
        return Ascii.EqualsIgnoreCase(s, "inf"u8) || Ascii.EqualsIgnoreCase(s, "infinity"u8);
    }

    /// <summary>The text as it can be shown in one error line: control characters escaped.</summary>
    public static string Printable(string text)
    {
        var b = new StringBuilder(Math.Min(text.Length, 200));
        foreach (var c in text.Length > 200 ? text[..200] : text)
        {
            _ = char.IsControl(c) ? b.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}") : b.Append(c);
        }

        return b.ToString();
    }
}
