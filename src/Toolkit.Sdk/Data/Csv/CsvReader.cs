using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Toolkit.Ml.Data.Csv;

/// <summary>
/// Reads RFC 4180 CSV into a <see cref="DataTable"/>: header row, quoted fields with doubled quotes and
/// embedded delimiters or line breaks, CRLF or LF, optional UTF-8 BOM. A column is numeric (Float32) when
/// every non-missing value is an invariant-culture number, otherwise categorical; <see cref="CsvReadOptions.ColumnTypes"/>
/// overrides that. Entirely empty lines are skipped (they hold no fields) unless the file has one column.
/// Any malformed record is a <see cref="DataFormatException"/> naming file, line, column and field; no row is
/// ever dropped.
/// </summary>
/// <remarks>
/// The file is read in blocks of whole records that are parsed in parallel straight from UTF-8 bytes into
/// typed buffers and joined in file order, so the result does not depend on thread count or timing; only the
/// blocks in flight are in memory. Columns are parsed as numbers until a text value shows up; blocks parsed
/// before that are read again from the stream as text, so a late text value costs a partial second read
/// instead of keeping every field's text. Forward-only streams are spooled to a temporary file for that.
/// </remarks>
public static class CsvReader
{
    /// <summary>The longest header row <see cref="ReadHeader"/> reads.</summary>
    public const int MaxHeaderChars = 1 << 20;

    private const int DefaultBlockSize = 4 << 20;

    public static DataTable Read(string path, CsvReadOptions? options = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new DataFormatException(path, null, null, null, "is a directory, not a CSV file");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return ReadSeekable(stream, path, options ?? new CsvReadOptions(), ct);
    }

    /// <summary>
    /// The column names of the file's header record, parsed as <see cref="Read(string, CsvReadOptions?, CancellationToken)"/>
    /// parses it, without reading any data row. A header that does not end within <see cref="MaxHeaderChars"/> is an error.
    /// </summary>
    public static IReadOnlyList<string> ReadHeader(string path, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new DataFormatException(path, null, null, null, "is a directory, not a CSV file");
        }

        var line = new StringBuilder();
        var ended = false;
        using (var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            int c;
            while ((c = reader.Read()) != -1 && !(ended = c == '\n'))
            {
                if (line.Length == MaxHeaderChars)
                {
                    throw new DataFormatException(path, 1, null, null, $"the header row is longer than {MaxHeaderChars} characters");
                }

                line.Append((char)c);
            }
        }

        if (line.Length == 0)
        {
            throw new DataFormatException(path, 1, null, null, ended ? "the first line is empty; expected a header row" : "the file is empty; expected a header row");
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(line.Append('\n').ToString()));
        return [.. Read(stream, path, null, ct).Columns.Select(c => c.Name)];
    }

    /// <summary>Reads from <paramref name="stream"/>; <paramref name="sourceName"/> names it in error messages.</summary>
    public static DataTable Read(Stream stream, string sourceName, CsvReadOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        options ??= new CsvReadOptions();
        if (stream.CanSeek)
        {
            return ReadSeekable(stream, sourceName, options, ct);
        }

        // Blocks may need a second read, so a forward-only stream is spooled to disk (not to memory).
        var temp = Path.Combine(Path.GetTempPath(), $"toolkit-csv-{Guid.NewGuid():N}.tmp");
        using var spool = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        stream.CopyToAsync(spool, ct).GetAwaiter().GetResult();
        spool.Position = 0;
        return ReadSeekable(spool, sourceName, options, ct);
    }

    /// <summary>Reads a seekable stream in blocks of about <paramref name="blockSize"/> bytes (tests use tiny blocks).</summary>
    internal static DataTable Read(Stream stream, string sourceName, CsvReadOptions? options, int blockSize, CancellationToken ct = default) =>
        ReadSeekable(stream, sourceName, options ?? new CsvReadOptions(), ct, blockSize);

    private static DataTable ReadSeekable(Stream stream, string source, CsvReadOptions options, CancellationToken ct, int blockSize = DefaultBlockSize)
    {
        if (options.Delimiter is '"' or '\r' or '\n' or > (char)127)
        {
            throw new ArgumentException($"Delimiter must be an ASCII character other than a quote or line break; got '{options.Delimiter}'.", nameof(options));
        }

        if (options.LabelValues is not null && options.Label is null)
        {
            throw new ArgumentException("LabelValues needs Label: the allowed values apply to the label column.", nameof(options));
        }

        return new Session(stream, source, options, blockSize, ct).Run();
    }

    /// <summary>One read of one stream.</summary>
    private sealed class Session
    {
        private readonly Stream _stream;
        private readonly string _source;
        private readonly CsvReadOptions _options;
        private readonly CancellationToken _ct;
        private readonly long _origin;
        private readonly int _blockSize;
        private readonly Lock _gate = new();
        private readonly List<CsvChunk?> _chunks = [];
        private readonly List<Task> _tasks = [];
        private readonly SemaphoreSlim _slots = new(Math.Max(1, Environment.ProcessorCount));
        private CsvLayout _layout = null!;
        private ColumnKind[] _plan = [];
        private volatile bool _failed;

        public Session(Stream stream, string source, CsvReadOptions options, int blockSize, CancellationToken ct)
        {
            _blockSize = blockSize;
            _stream = stream;
            _source = source;
            _options = options;
            _ct = ct;
            _origin = stream.Position;
        }

        public DataTable Run()
        {
            try
            {
                ReadBlocks();
            }
            finally
            {
                // Never leave workers running on pooled buffers, whatever happened.
                try
                {
                    Task.WaitAll(_tasks, CancellationToken.None);
                }
                catch (AggregateException)
                {
                    // Reported below or superseded by the exception already in flight.
                }
            }

            foreach (var t in _tasks)
            {
                t.GetAwaiter().GetResult();
            }

            var error = _chunks.FirstOrDefault(c => c?.Error is not null)?.Error;
            if (error is not null)
            {
                throw error;
            }

            RereadStale();
            return Assemble();
        }

        private void ReadBlocks()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
            var filled = Fill(buffer, 0, out var eof);
            var start = filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
            if (filled - start == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw new DataFormatException(_source, 1, null, null, "the file is empty; expected a header row");
            }

            // The header record, growing the buffer if it is longer than one block.
            int headerEnd;
            while ((headerEnd = CsvScan.RecordBoundary(buffer.AsSpan(start, filled - start), (byte)_options.Delimiter, first: true)) < 0 && !eof)
            {
                buffer = Grow(buffer, filled);
                filled += Fill(buffer, filled, out eof);
            }

            headerEnd = headerEnd < 0 ? filled - start : headerEnd;
            var headerBytes = buffer.AsSpan(start, headerEnd);
            ParseHeader(headerBytes);
            var line = 1 + headerBytes.Count((byte)'\n');
            var offset = _origin + start + headerEnd;
            var consumed = start + headerEnd;

            while (true)
            {
                _ct.ThrowIfCancellationRequested();
                var pending = filled - consumed;
                if (pending == 0 && eof)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return;
                }

                // Move the unparsed tail to the front of a fresh buffer; the old one now belongs to a worker.
                if (consumed > 0)
                {
                    var next = ArrayPool<byte>.Shared.Rent(Math.Max(_blockSize, pending * 2));
                    buffer.AsSpan(consumed, pending).CopyTo(next);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = next;
                    filled = pending;
                    consumed = 0;
                }

                if (!eof)
                {
                    filled += Fill(buffer, filled, out eof);
                }

                var length = eof ? filled : CsvScan.RecordBoundary(buffer.AsSpan(0, filled), (byte)_options.Delimiter, first: false);
                if (length < 0)
                {
                    // One record longer than the buffer: read more of it.
                    buffer = Grow(buffer, filled);
                    continue;
                }

                if (length == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return;
                }

                if (_failed)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return;
                }

                var lines = buffer.AsSpan(0, length).Count((byte)'\n');
                var owned = buffer;
                if (length < filled)
                {
                    // Keep the tail for the next block in a new buffer; the worker owns this one.
                    var next = ArrayPool<byte>.Shared.Rent(Math.Max(_blockSize, (filled - length) * 2));
                    buffer.AsSpan(length, filled - length).CopyTo(next);
                    buffer = next;
                    filled -= length;
                }
                else
                {
                    buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
                    filled = 0;
                }

                consumed = 0;
                Dispatch(owned, length, offset, line);
                offset += length;
                line += lines;
            }
        }

        private void ParseHeader(ReadOnlySpan<byte> header)
        {
            var names = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var tok = new CsvTokenizer(header, (byte)_options.Delimiter, 1);
            while (true)
            {
                var fieldLine = tok.Line;
                var problem = tok.Next(out var field, out _, out var end);
                var name = Encoding.UTF8.GetString(field);
                if (problem is not null)
                {
                    throw new DataFormatException(_source, fieldLine, null, CsvText.Printable(name), $"header: {problem}");
                }

                if (CsvText.Problem(field) is { } notText)
                {
                    throw new DataFormatException(_source, fieldLine, null, CsvText.Printable(name), $"header: column {names.Count + 1}: {notText}");
                }

                if (name.Length > CsvText.MaxNameLength)
                {
                    throw new DataFormatException(_source, fieldLine, null, CsvText.Printable(name),
                        $"header: column {names.Count + 1} has a name of {name.Length:N0} characters; at most {CsvText.MaxNameLength:N0}");
                }

                if (string.IsNullOrWhiteSpace(name))
                {
                    throw new DataFormatException(_source, fieldLine, null, name, $"header: column {names.Count + 1} has an empty name");
                }

                if (!seen.Add(name))
                {
                    throw new DataFormatException(_source, fieldLine, name, name, "header: duplicate column name");
                }

                names.Add(name);
                if (end == FieldEnd.EndOfRecord)
                {
                    break;
                }
            }

            if (_options.Label is { } label && !seen.Contains(label))
            {
                throw new DataFormatException(
                    _source, null, null, null, $"label column '{label}' does not exist; columns are: {ColumnNames.List(names)}");
            }

            _layout = new CsvLayout(_source, [.. names], _options);
            _plan = (ColumnKind[])_layout.InitialPlan.Clone();
        }

        private void Dispatch(byte[] buffer, int length, long offset, long line)
        {
            int index;
            lock (_gate)
            {
                // Workers store results into this list; growing it must not race with their writes.
                index = _chunks.Count;
                _chunks.Add(null);
            }

            if (index == 0)
            {
                // The first block settles the column types before the others start, so a file whose text
                // columns show text early is read exactly once.
                _chunks[0] = ParseBlock(buffer, length, 0, offset, line);
                return;
            }

            _slots.Wait(_ct);
            _tasks.Add(Task.Run(
                () =>
                {
                    try
                    {
                        var chunk = ParseBlock(buffer, length, index, offset, line);
                        lock (_gate)
                        {
                            _chunks[index] = chunk;
                        }
                    }
                    finally
                    {
                        _slots.Release();
                    }
                },
                _ct));
        }

        /// <summary>Parses a block, again in memory with text columns when it finds new ones, then frees the buffer.</summary>
        private CsvChunk ParseBlock(byte[] buffer, int length, int index, long offset, long line)
        {
            try
            {
                while (true)
                {
                    ColumnKind[] plan;
                    lock (_gate)
                    {
                        plan = (ColumnKind[])_plan.Clone();
                    }

                    var chunk = CsvChunk.Parse(_layout, buffer.AsSpan(0, length), plan, index, offset, line, _ct);
                    if (chunk.Error is not null)
                    {
                        _failed = true;
                        return chunk;
                    }

                    if (!chunk.HasSurprise)
                    {
                        return chunk;
                    }

                    lock (_gate)
                    {
                        for (var c = 0; c < plan.Length; c++)
                        {
                            if (chunk.Surprises[c])
                            {
                                _plan[c] = ColumnKind.Text;
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Blocks parsed before a column turned out to be text are read again with the final plan.</summary>
        private void RereadStale()
        {
            var stale = Enumerable.Range(0, _chunks.Count).Where(i => !_chunks[i]!.Plan.AsSpan().SequenceEqual(_plan)).ToArray();
            var parallel = new ParallelOptions { CancellationToken = _ct, MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) };
            try
            {
                Parallel.ForEach(stale, parallel, i => Reread(i));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }

        private void Reread(int i)
        {
            var chunk = _chunks[i]!;
            var buffer = ArrayPool<byte>.Shared.Rent(chunk.Length);
            try
            {
                lock (_gate)
                {
                    _stream.Position = chunk.Offset;
                    _stream.ReadExactly(buffer, 0, chunk.Length);
                }

                var again = CsvChunk.Parse(_layout, buffer.AsSpan(0, chunk.Length), _plan, chunk.Index, chunk.Offset, chunk.FirstLine, _ct);
                if (again.Error is not null || again.HasSurprise)
                {
                    // Same bytes, same result, unless the file changed between the reads.
                    throw again.Error ?? new DataFormatException(_source, chunk.FirstLine, null, null, "the file changed while it was read");
                }

                _chunks[i] = again;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private DataTable Assemble()
        {
            var chunks = _chunks.Select(c => c!).ToArray();
            var total = chunks.Sum(c => c.Rows);
            var columns = new Column[_layout.ColumnCount];
            for (var c = 0; c < columns.Length; c++)
            {
                var name = _layout.Names[c];
                switch (_plan[c])
                {
                    case ColumnKind.Float32:
                        columns[c] = new Float32Column(name, Concat(chunks, k => k.Floats[c]!, total));
                        break;
                    case ColumnKind.Float64:
                        columns[c] = new Float64Column(name, Concat(chunks, k => k.Doubles[c]!, total));
                        break;
                    default:
                        columns[c] = MergeText(chunks, c, total);
                        break;
                }
            }

            return new DataTable(columns, _options.Label);
        }

        private static T[] Concat<T>(CsvChunk[] chunks, Func<CsvChunk, T[]> part, int total)
        {
            var result = new T[total];
            var at = 0;
            foreach (var chunk in chunks)
            {
                part(chunk).AsSpan(0, chunk.Rows).CopyTo(result.AsSpan(at));
                at += chunk.Rows;
            }

            return result;
        }

        private CategoricalColumn MergeText(CsvChunk[] chunks, int c, int total)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var categories = new List<string>();
            if (c == _layout.LabelIndex && _layout.LabelValues is { } allowed)
            {
                foreach (var v in allowed)
                {
                    if (index.TryAdd(v, categories.Count))
                    {
                        categories.Add(v);
                    }
                }
            }

            var codes = new int[total];
            var at = 0;
            foreach (var chunk in chunks)
            {
                var local = chunk.Categories[c]!;
                var map = new int[local.Count];
                for (var i = 0; i < local.Count; i++)
                {
                    if (!index.TryGetValue(local[i], out var code))
                    {
                        code = categories.Count;
                        index.Add(local[i], code);
                        categories.Add(local[i]);
                    }

                    map[i] = code;
                }

                var src = chunk.Codes[c]!;
                for (var r = 0; r < chunk.Rows; r++)
                {
                    codes[at + r] = src[r] < 0 ? -1 : map[src[r]];
                }

                at += chunk.Rows;
            }

            return new CategoricalColumn(_layout.Names[c], codes, categories);
        }

        private int Fill(byte[] buffer, int from, out bool eof)
        {
            var total = 0;
            eof = false;
            while (from + total < buffer.Length)
            {
                _ct.ThrowIfCancellationRequested();
                var n = _stream.Read(buffer, from + total, buffer.Length - from - total);
                if (n == 0)
                {
                    eof = true;
                    break;
                }

                total += n;
            }

            return total;
        }

        /// <summary>
        /// One record (a row, or the header) may be this long. Far beyond real data, and a bound so that a file
        /// without line breaks (or /dev/zero) is refused instead of read into memory until it runs out.
        /// </summary>
        internal const int MaxRecordBytes = 256 * 1024 * 1024;

        private byte[] Grow(byte[] buffer, int filled)
        {
            if (buffer.Length >= MaxRecordBytes)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw new DataFormatException(_source, null, null, null,
                    $"a single record is longer than {MaxRecordBytes / (1024 * 1024)} MiB (a line break missing, an unclosed quote, or not a CSV file?)");
            }

            var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
            buffer.AsSpan(0, filled).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(buffer);
            return bigger;
        }
    }
}
