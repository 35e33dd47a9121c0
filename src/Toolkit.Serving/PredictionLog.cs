using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;

namespace Toolkit.Serving;

/// <summary>Where a server appends its sampled prediction log (JSONL, rotated by size) and how much of the traffic goes in.</summary>
public sealed record PredictionLogOptions
{
    /// <summary>The current file, e.g. <c>predictions.jsonl</c>; rotated ones are <c>predictions.1.jsonl</c> (newest) … <c>predictions.N.jsonl</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The share of request rows logged, 0..1 (0 logs nothing, 1 every row).</summary>
    public double SampleRate { get; init; } = 0.1;

    /// <summary>A file is rotated before a line would take it past this size.</summary>
    public long MaxBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Rotated files kept besides the current one.</summary>
    public int Files { get; init; } = 5;

    /// <summary>Fixes which rows are sampled (the same seed and row order sample the same rows); null: a random seed.</summary>
    public long? Seed { get; init; }

    /// <summary>Rows waiting for the writer; a row that finds the queue full is dropped and counted, never waited for.</summary>
    public int Capacity { get; init; } = 10_000;

    /// <summary>Refuses values the log cannot work with, naming the option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("the prediction log needs a file path");
        }

        if (!(SampleRate is >= 0 and <= 1))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the prediction log sample rate must be between 0 and 1; got {SampleRate}"));
        }

        if (MaxBytes < 1 || Files < 0 || Capacity < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"the prediction log needs max bytes >= 1, files >= 0 and capacity >= 1; got {MaxBytes}, {Files}, {Capacity}"));
        }
    }
}

/// <summary>
/// The prediction log: the request path samples rows and hands them to a bounded channel without
/// waiting; one background task turns them into JSON lines and appends them to the file, rotating it
/// by size. Disposing completes the channel and waits until every queued row is on disk.
/// </summary>
internal sealed class PredictionLog : IAsyncDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly PredictionLogOptions _options;
    private readonly ServedModel _served;
    private readonly Channel<Entry> _channel;
    private readonly ulong _seed;
    private readonly ulong _threshold;
    private readonly Task _writer;
    private long _sequence;
    private long _written;
    private long _dropped;

    // The writer waits for start before taking rows: tests fill the queue with it held back.
    public PredictionLog(PredictionLogOptions options, ServedModel served, Task? start = null)
    {
        options.Validate();
        _options = options;
        _served = served;
        _seed = unchecked((ulong)(options.Seed ?? Random.Shared.NextInt64()));

        // A row is sampled when its 53-bit hash falls under rate * 2^53 (rate 1 takes every row).
        _threshold = (ulong)(options.SampleRate * (1UL << 53));
        _channel = Channel.CreateBounded<Entry>(new BoundedChannelOptions(options.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        FileStream file;
        try
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            // Opened here, so a path that cannot be written is refused at start rather than by a silent writer.
            file = Open();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot write the prediction log '{options.Path}': {ex.Message}", ex);
        }

        _writer = Task.Run(() => WriteAsync(file, start ?? Task.CompletedTask));
    }

    public string Path => _options.Path;

    /// <summary>Rows written to the log file.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Sampled rows dropped because the writer was behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Samples the rows of one scored request onto the queue; never blocks.</summary>
    public void Append(DataTable inputs, Prediction prediction)
    {
        if (_threshold == 0)
        {
            return;
        }

        DateTimeOffset? time = null;
        string[]? names = null;
        for (var row = 0; row < prediction.Scores.Length; row++)
        {
            if (!Sampled())
            {
                continue;
            }

            time ??= DateTimeOffset.UtcNow;
            names ??= [.. inputs.Columns.Select(c => c.Name)];
            var values = new object?[inputs.Columns.Count];
            for (var c = 0; c < values.Length; c++)
            {
                values[c] = inputs.Columns[c] switch
                {
                    Float32Column f => float.IsNaN(f[row]) ? null : f[row],
                    Float64Column d => double.IsNaN(d[row]) ? null : d[row],
                    CategoricalColumn k => k[row],
                    var other => other.IsMissing(row) ? null : other.GetDouble(row),
                };
            }

            var entry = new Entry(time.Value, names, values, prediction.Classes?[row], prediction.Scores[row]);
            if (!_channel.Writer.TryWrite(entry))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    /// <summary>Flushes and closes <paramref name="log"/> when there is one.</summary>
    public static ValueTask CloseAsync(PredictionLog? log) => log?.DisposeAsync() ?? ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private bool Sampled()
    {
        // splitmix64 of seed + sequence: lock-free, and the same seed samples the same row positions.
        var z = _seed + (unchecked((ulong)Interlocked.Increment(ref _sequence)) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) < _threshold;
    }

    private async Task WriteAsync(FileStream file, Task start)
    {
        await start.ConfigureAwait(false);
        var reader = _channel.Reader;
        var buffer = new MemoryStream();
        var size = file.Length;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var entry))
                {
                    buffer.SetLength(0);
                    Serialize(buffer, entry);
                    if (size > 0 && size + buffer.Length > _options.MaxBytes)
                    {
                        await file.DisposeAsync().ConfigureAwait(false);
                        Rotate();
                        file = Open();
                        size = 0;
                    }

                    await file.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
                    size += buffer.Length;
                    Interlocked.Increment(ref _written);
                }

                // Whole lines reach the file after each burst, so a reader never waits on a quiet server.
                await file.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A log that cannot be written must not take the server down: the rest is counted as dropped.
            while (reader.TryRead(out _))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
        finally
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }
    }

    private FileStream Open() => new(_options.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>predictions.jsonl → predictions.1.jsonl, .1 → .2, …; the oldest beyond <see cref="PredictionLogOptions.Files"/> goes.</summary>
    private void Rotate()
    {
        if (_options.Files == 0)
        {
            File.Delete(_options.Path);
            return;
        }

        File.Delete(RotatedPath(_options.Path, _options.Files));
        for (var i = _options.Files - 1; i >= 1; i--)
        {
            var from = RotatedPath(_options.Path, i);
            if (File.Exists(from))
            {
                File.Move(from, RotatedPath(_options.Path, i + 1));
            }
        }

        File.Move(_options.Path, RotatedPath(_options.Path, 1));
    }

    /// <summary>The path of rotated file <paramref name="index"/>: the index goes before the extension.</summary>
    public static string RotatedPath(string path, int index)
    {
        var folder = System.IO.Path.GetDirectoryName(path) ?? "";
        var stem = System.IO.Path.GetFileNameWithoutExtension(path);
        var extension = System.IO.Path.GetExtension(path);
        return System.IO.Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{stem}.{index}{extension}"));
    }

    private void Serialize(MemoryStream buffer, Entry entry)
    {
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("time", entry.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("model", _served.Name);
            if (_served.Version is { } version)
            {
                w.WriteNumber("version", version);
            }
            else
            {
                w.WriteNull("version");
            }

            w.WriteString("digest", _served.Digest);
            w.WriteStartObject("inputs");
            for (var c = 0; c < entry.Values.Length; c++)
            {
                w.WritePropertyName(entry.Names[c]);
                switch (entry.Values[c])
                {
                    case float f:
                        w.WriteNumberValue(f);
                        break;
                    case double d:
                        w.WriteNumberValue(d);
                        break;
                    case string s:
                        w.WriteStringValue(s);
                        break;
                    default:
                        w.WriteNullValue();
                        break;
                }
            }

            w.WriteEndObject();
            if (entry.Class is { } label)
            {
                w.WriteString("prediction", label);
                WriteNumber(w, "probability", entry.Score);
            }
            else
            {
                WriteNumber(w, "prediction", entry.Score);
            }

            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private sealed record Entry(DateTimeOffset Time, string[] Names, object?[] Values, string? Class, double Score);
}
