using System.Buffers;
using System.Text;

namespace Toolkit.Ml.Data.Csv;

/// <summary>
/// The typed values of one block of whole records. Blocks are parsed independently (in parallel) and joined
/// in file order, so the result does not depend on scheduling.
/// </summary>
internal sealed class CsvChunk
{
    private CsvChunk(int index, long offset, int length, long firstLine, ColumnKind[] plan, int columns)
    {
        Index = index;
        Offset = offset;
        Length = length;
        FirstLine = firstLine;
        Plan = plan;
        Floats = new float[columns][];
        Doubles = new double[columns][];
        Codes = new int[columns][];
        Categories = new List<string>[columns];
        Surprises = new bool[columns];
    }

    public int Index { get; }

    /// <summary>Byte offset of the block in the source stream, so it can be read again with another plan.</summary>
    public long Offset { get; }

    public int Length { get; }

    public long FirstLine { get; }

    /// <summary>The column kinds this block was parsed with.</summary>
    public ColumnKind[] Plan { get; }

    public int Rows { get; private set; }

    public float[]?[] Floats { get; }

    public double[]?[] Doubles { get; }

    public int[]?[] Codes { get; }

    /// <summary>Per text column, the distinct values in order of first appearance in this block.</summary>
    public List<string>?[] Categories { get; }

    /// <summary>Columns parsed as numbers that held a text value: they must become categorical.</summary>
    public bool[] Surprises { get; }

    public bool HasSurprise => Array.IndexOf(Surprises, true) >= 0;

    public DataFormatException? Error { get; private set; }

    public static CsvChunk Parse(
        CsvLayout layout, ReadOnlySpan<byte> data, ColumnKind[] plan, int index, long offset, long firstLine, CancellationToken ct)
    {
        var n = layout.ColumnCount;
        var chunk = new CsvChunk(index, offset, data.Length, firstLine, plan, n);
        var capacity = data.Count((byte)'\n') + 1;
        var lookups = new Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>[n];
        for (var c = 0; c < n; c++)
        {
            switch (plan[c])
            {
                case ColumnKind.Float32:
                    chunk.Floats[c] = new float[capacity];
                    break;
                case ColumnKind.Float64:
                    chunk.Doubles[c] = new double[capacity];
                    break;
                default:
                    chunk.Codes[c] = new int[capacity];
                    chunk.Categories[c] = [];
                    lookups[c] = new Dictionary<string, int>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
                    break;
            }
        }

        chunk.Error = chunk.Fill(layout, data, lookups, ct);
        return chunk;
    }

    private DataFormatException? Fill(
        CsvLayout layout, ReadOnlySpan<byte> data, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>[] lookups, CancellationToken ct)
    {
        var n = layout.ColumnCount;
        var plan = Plan;
        var strict = layout.Strict;
        var labelIndex = layout.LabelValues is null ? -1 : layout.LabelIndex;
        var chars = new char[256];
        var tok = new CsvTokenizer(data, layout.Delimiter, FirstLine);
        var row = 0;
        while (!tok.AtEnd)
        {
            if ((row & 0x3FFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            // An empty line holds no fields; with a single column it is a record with one missing value.
            if (n > 1 && tok.SkipEmptyLine())
            {
                continue;
            }

            var recordLine = tok.Line;
            var fi = 0;
            while (true)
            {
                var fieldLine = tok.Line;
                var problem = tok.Next(out var field, out var quoted, out var end);
                if (problem is not null)
                {
                    return layout.Error(fieldLine, fi, field, problem);
                }

                if (fi >= n)
                {
                    var found = fi + 1 + (end == FieldEnd.EndOfRecord ? 0 : tok.SkipRecord());
                    return layout.Error(recordLine, -1, field, $"expected {n} fields, found {found}");
                }

                // Numbers first: the missing tokens only need checking when a field is not a number, unless
                // some token looks like one (e.g. -999).
                bool missing;
                switch (plan[fi])
                {
                    case ColumnKind.Float32:
                        {
                            if (CsvNumber.TryParseFloat(field, out var v))
                            {
                                missing = layout.HasNumericTokens && layout.IsMissing(field, quoted);
                                if (float.IsInfinity(v) && !missing)
                                {
                                    return layout.Error(fieldLine, fi, field, OutOfRange(field, float.MaxValue));
                                }
                            }
                            else if (!(missing = layout.IsMissing(field, quoted)))
                            {
                                if (CsvText.IsInfinityWord(field))
                                {
                                    return layout.Error(fieldLine, fi, field, OutOfRange(field, 0));
                                }

                                if (strict[fi])
                                {
                                    return layout.Error(fieldLine, fi, field, "expected a number in a numeric column");
                                }

                                Surprises[fi] = true;
                            }

                            Floats[fi]![row] = missing ? float.NaN : v;
                            break;
                        }

                    case ColumnKind.Float64:
                        {
                            if (CsvNumber.TryParseDouble(field, out var v))
                            {
                                missing = layout.HasNumericTokens && layout.IsMissing(field, quoted);
                                if (double.IsInfinity(v) && !missing)
                                {
                                    return layout.Error(fieldLine, fi, field, OutOfRange(field, double.MaxValue));
                                }
                            }
                            else if (!(missing = layout.IsMissing(field, quoted)))
                            {
                                if (CsvText.IsInfinityWord(field))
                                {
                                    return layout.Error(fieldLine, fi, field, OutOfRange(field, 0));
                                }

                                if (strict[fi])
                                {
                                    return layout.Error(fieldLine, fi, field, "expected a number in a numeric column");
                                }

                                Surprises[fi] = true;
                            }

                            Doubles[fi]![row] = missing ? double.NaN : v;
                            break;
                        }

                    default:
                        missing = layout.IsMissing(field, quoted);
                        if (!missing && CsvText.Problem(field) is { } notText)
                        {
                            return layout.Error(fieldLine, fi, CsvText.Printable(Encoding.UTF8.GetString(field)), notText);
                        }

                        Codes[fi]![row] = missing ? -1 : CodeOf(fi, field, lookups[fi], ref chars);
                        break;
                }

                if (fi == labelIndex && !missing && !layout.IsAllowedLabel(field))
                {
                    return layout.Error(
                        fieldLine, fi, field, $"unknown label value; allowed values are: {string.Join(", ", layout.LabelValues!)}");
                }

                if (end == FieldEnd.EndOfRecord)
                {
                    break;
                }

                fi++;
            }

            if (fi + 1 < n)
            {
                return layout.Error(recordLine, fi + 1, (string?)null, $"expected {n} fields, found {fi + 1}");
            }

            row++;
        }

        Rows = row;
        return null;
    }

    private int CodeOf(int column, ReadOnlySpan<byte> field, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup, ref char[] chars)
    {
        if (chars.Length < field.Length + 1)
        {
            chars = new char[Math.Max(field.Length + 1, chars.Length * 2)];
        }

        // Most category text is ASCII, which converts without the UTF-8 decoder's overhead.
        ReadOnlySpan<char> text;
        if (Ascii.ToUtf16(field, chars, out var written) == OperationStatus.Done)
        {
            text = chars.AsSpan(0, written);
        }
        else
        {
            text = chars.AsSpan(0, Encoding.UTF8.GetChars(field, chars));
        }

        if (!lookup.TryGetValue(text, out var code))
        {
            var categories = Categories[column]!;
            code = categories.Count;
            var s = text.ToString();
            lookup.Dictionary.Add(s, code);
            categories.Add(s);
        }

        return code;
    }

    // Infinity is not a measurement, and a number beyond the column's range would turn into one: both
    // are refused rather than read as "missing" (only empty, NA and NaN are missing).
    private static string OutOfRange(ReadOnlySpan<byte> field, double max)
    {
        var text = System.Text.Encoding.UTF8.GetString(field).TrimStart('+', '-');
        return text.StartsWith("inf", StringComparison.OrdinalIgnoreCase) || text == "∞"
            ? "infinite values are not numbers a model can use; leave the field empty (or NA) for missing"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"out of range for a number column (at most ±{max:G3})");
    }
}
