namespace Toolkit.Ml.Data.Csv;

/// <summary>Finds record boundaries in a block of bytes that starts at a record boundary.</summary>
internal static class CsvScan
{
    /// <summary>
    /// The position just after the first (or last) line break that ends a record, or -1 when the block holds
    /// no complete record. Quotes are interpreted exactly as <see cref="CsvTokenizer"/> does: a quote opens a
    /// quoted field only at the start of a field.
    /// </summary>
    public static int RecordBoundary(ReadOnlySpan<byte> data, byte delimiter, bool first)
    {
        if (data.IndexOf((byte)'"') < 0)
        {
            // The common case: no quotes, so every line break ends a record.
            return first
                ? (data.IndexOf((byte)'\n') is var f and >= 0 ? f + 1 : -1)
                : (data.LastIndexOf((byte)'\n') is var l and >= 0 ? l + 1 : -1);
        }

        var last = -1;
        var i = 0;
        var fieldStart = true;
        while (i < data.Length)
        {
            if (fieldStart && data[i] == (byte)'"')
            {
                var j = i + 1;
                while (true)
                {
                    var k = data[j..].IndexOf((byte)'"');
                    if (k < 0)
                    {
                        return last;
                    }

                    var p = j + k;
                    if (p + 1 >= data.Length)
                    {
                        // A quote at the very end may be the first half of a doubled quote: undecided.
                        return last;
                    }

                    if (data[p + 1] == (byte)'"')
                    {
                        j = p + 2;
                        continue;
                    }

                    i = p + 1;
                    break;
                }

                fieldStart = false;
                continue;
            }

            var m = data[i..].IndexOfAny(delimiter, (byte)'\n');
            if (m < 0)
            {
                return last;
            }

            var q = i + m;
            if (data[q] == (byte)'\n')
            {
                last = q + 1;
                if (first)
                {
                    return last;
                }
            }

            fieldStart = true;
            i = q + 1;
        }

        return last;
    }
}
