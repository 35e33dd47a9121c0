using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Toolkit.Ml.Data.Csv;

/// <summary>What ended a field.</summary>
internal enum FieldEnd
{
    Delimiter,
    EndOfRecord,
}

/// <summary>
/// Splits RFC 4180 text (UTF-8 bytes) into fields without allocating: a field is a slice of the input, or of
/// a scratch buffer when a quoted field contains doubled quotes. Physical lines are counted as it goes,
/// including line breaks inside quoted fields.
/// </summary>
internal ref struct CsvTokenizer
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly byte _delimiter;
    private byte[] _scratch;
    private int _pos;

    public CsvTokenizer(ReadOnlySpan<byte> data, byte delimiter, long firstLine)
    {
        _data = data;
        _delimiter = delimiter;
        _scratch = [];
        _pos = 0;
        Line = firstLine;
    }

    /// <summary>The 1-based physical line at the current position.</summary>
    public long Line { get; private set; }

    public readonly bool AtEnd => _pos >= _data.Length;

    /// <summary>Skips a line that is entirely empty; true when one was skipped.</summary>
    public bool SkipEmptyLine()
    {
        var rest = _data[_pos..];
        if (rest.Length > 0 && rest[0] == (byte)'\n')
        {
            _pos++;
            Line++;
            return true;
        }

        if (rest.Length > 0 && rest[0] == (byte)'\r' && (rest.Length == 1 || rest[1] == (byte)'\n'))
        {
            _pos += Math.Min(2, rest.Length);
            Line++;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Reads the next field. Returns null on success, or a problem text (the field then holds what was read)
    /// for an unterminated quote or text after a closing quote.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public string? Next(out ReadOnlySpan<byte> field, out bool quoted, out FieldEnd end)
    {
        var data = _data;
        var pos = _pos;
        if (pos < data.Length && data[pos] == (byte)'"')
        {
            quoted = true;
            return NextQuoted(out field, out end);
        }

        quoted = false;
        var rest = data[pos..];
        var idx = FindDelimiterOrNewline(rest);
        if (idx < 0)
        {
            field = TrimCr(rest);
            _pos = data.Length;
            end = FieldEnd.EndOfRecord;
            return null;
        }

        if (rest[idx] == _delimiter)
        {
            field = rest[..idx];
            _pos = pos + idx + 1;
            end = FieldEnd.Delimiter;
            return null;
        }

        field = TrimCr(rest[..idx]);
        _pos = pos + idx + 1;
        Line++;
        end = FieldEnd.EndOfRecord;
        return null;
    }

    /// <summary>Skips to the end of the current record, returning how many more fields it had.</summary>
    public int SkipRecord()
    {
        var count = 0;
        while (true)
        {
            var problem = Next(out _, out _, out var end);
            count++;
            if (problem is not null || end == FieldEnd.EndOfRecord)
            {
                return count;
            }
        }
    }

    /// <summary>
    /// Index of the first delimiter or line feed. Most fields are short, so one 16-byte vector compare
    /// usually finds it; the general search handles the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int FindDelimiterOrNewline(ReadOnlySpan<byte> rest)
    {
        if (Vector128.IsHardwareAccelerated && rest.Length >= Vector128<byte>.Count)
        {
            var v = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(rest));
            var hits = Vector128.Equals(v, Vector128.Create(_delimiter)) | Vector128.Equals(v, Vector128.Create((byte)'\n'));
            var mask = hits.ExtractMostSignificantBits();
            if (mask != 0)
            {
                return BitOperations.TrailingZeroCount(mask);
            }
        }

        return rest.IndexOfAny(_delimiter, (byte)'\n');
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> s) =>
        s.Length > 0 && s[^1] == (byte)'\r' ? s[..^1] : s;

    private string? NextQuoted(out ReadOnlySpan<byte> field, out FieldEnd end)
    {
        var data = _data;
        var start = _pos + 1;
        var pos = start;
        var scratchLength = -1; // -1: the field is a plain slice (no doubled quotes seen yet)
        while (true)
        {
            var idx = data[pos..].IndexOf((byte)'"');
            if (idx < 0)
            {
                var tail = data[start..];
                Line += tail.Count((byte)'\n');
                field = tail;
                end = FieldEnd.EndOfRecord;
                _pos = data.Length;
                return "unterminated quoted field";
            }

            var q = pos + idx;
            var isEscaped = q + 1 < data.Length && data[q + 1] == (byte)'"';
            if (isEscaped || scratchLength >= 0)
            {
                // Doubled quotes: copy the unescaped text into the scratch buffer.
                if (scratchLength < 0)
                {
                    scratchLength = 0;
                }

                var piece = data[pos..(q + (isEscaped ? 1 : 0))];
                EnsureScratch(scratchLength + piece.Length);
                piece.CopyTo(_scratch.AsSpan(scratchLength));
                scratchLength += piece.Length;
            }

            if (isEscaped)
            {
                pos = q + 2;
                continue;
            }

            Line += data[start..q].Count((byte)'\n');
            field = scratchLength >= 0 ? _scratch.AsSpan(0, scratchLength) : data[start..q];
            var after = q + 1;
            if (after >= data.Length)
            {
                _pos = after;
                end = FieldEnd.EndOfRecord;
                return null;
            }

            var c = data[after];
            if (c == _delimiter)
            {
                _pos = after + 1;
                end = FieldEnd.Delimiter;
                return null;
            }

            if (c == (byte)'\n')
            {
                _pos = after + 1;
                Line++;
                end = FieldEnd.EndOfRecord;
                return null;
            }

            if (c == (byte)'\r' && (after + 1 == data.Length || data[after + 1] == (byte)'\n'))
            {
                _pos = Math.Min(after + 2, data.Length);
                Line++;
                end = FieldEnd.EndOfRecord;
                return null;
            }

            // Leave the position at the offending text so the caller can skip the record.
            _pos = after;
            end = FieldEnd.Delimiter;
            return "unexpected text after a closing quote";
        }
    }

    private void EnsureScratch(int size)
    {
        if (_scratch.Length < size)
        {
            Array.Resize(ref _scratch, Math.Max(size, Math.Max(64, _scratch.Length * 2)));
        }
    }
}
