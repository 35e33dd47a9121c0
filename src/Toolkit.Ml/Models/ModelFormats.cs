namespace Toolkit.Ml.Models;

/// <summary>
/// The flavors a program can read, and the one way to open a model file of any of them: the flavor is
/// recognised from the file's first bytes, never from its name.
/// </summary>
public sealed class ModelFormats
{
    /// <summary>Bytes of a file's start that <see cref="IModelFormat.Recognizes"/> is shown.</summary>
    public const int HeadBytes = 16;

    private readonly IModelFormat[] _formats;

    public ModelFormats(IEnumerable<IModelFormat> formats)
    {
        ArgumentNullException.ThrowIfNull(formats);
        _formats = [.. formats];
        if (_formats.Select(f => f.Flavor).Distinct(StringComparer.Ordinal).Count() != _formats.Length)
        {
            throw new ArgumentException("A flavor is listed twice.", nameof(formats));
        }
    }

    /// <summary>Only our own <c>.tkm</c> files.</summary>
    public static ModelFormats TkmOnly { get; } = new([TkmFormat.Instance]);

    public IReadOnlyList<IModelFormat> All => _formats;

    /// <summary>The format of <paramref name="flavor"/>, or an error listing the flavors this program reads.</summary>
    public IModelFormat Get(string flavor) =>
        Array.Find(_formats, f => f.Flavor == flavor)
        ?? throw new ModelFileException($"'{flavor}' is not a model flavor; flavors: {string.Join(", ", _formats.Select(f => f.Flavor))}");

    public IScoringModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
        {
            throw new ModelFileException($"'{path}' is a directory, not a model file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Recognises the flavor from the first bytes and reads the model with it.</summary>
    public IScoringModel Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var head = new byte[HeadBytes];
        var count = 0;
        int read;
        while (count < head.Length && (read = stream.Read(head, count, head.Length - count)) > 0)
        {
            count += read;
        }

        var format = Detect(head.AsSpan(0, count))
            ?? throw new ModelFileException(
                $"'{sourceName}' is not a model file this toolkit reads ({string.Join(", ", _formats.Select(f => $"{f.Flavor} ({f.Extension})"))}).");
        using var replay = new ReplayStream(head.AsMemory(0, count), stream);
        return format.Read(replay, sourceName);
    }

    /// <summary>The flavor a file starting with <paramref name="head"/> is, or null.</summary>
    public IModelFormat? Detect(ReadOnlySpan<byte> head)
    {
        foreach (var f in _formats)
        {
            if (f.Recognizes(head))
            {
                return f;
            }
        }

        return null;
    }

    /// <summary>The bytes already read to recognise the flavor, then the rest of the stream.</summary>
    private sealed class ReplayStream(ReadOnlyMemory<byte> head, Stream rest) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position < head.Length)
            {
                var n = Math.Min(buffer.Length, head.Length - _position);
                head.Span.Slice(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }

            return rest.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Our own <c>.tkm</c> file as a flavor (see <see cref="ModelFile"/>).</summary>
public sealed class TkmFormat : IModelFormat
{
    private TkmFormat()
    {
    }

    public static TkmFormat Instance { get; } = new();

    public string Flavor => ModelFlavors.Tkm;

    public string Extension => ".tkm";

    public bool Recognizes(ReadOnlySpan<byte> head) => head.StartsWith("TKM "u8);

    public IScoringModel Read(Stream stream, string sourceName) => ModelFile.Read(stream, sourceName);
}
