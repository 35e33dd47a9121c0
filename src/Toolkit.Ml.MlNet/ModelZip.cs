using System.IO.Compression;
using Toolkit.Ml.Models;

namespace Toolkit.Ml.MlNet;

/// <summary>How much a model zip may hold once unpacked: a zip bomb is refused before it fills memory.</summary>
internal sealed record ZipLimits(int MaxEntries, long MaxUncompressedBytes)
{
    public static ZipLimits Default { get; } = new(10_000, ModelFile.MaxFileBytes);
}

/// <summary>
/// Reads a model zip's entries within <see cref="ZipLimits"/> and writes zips deterministically: entries
/// in ordinal name order, one fixed timestamp, one compression level, so the same model is the same bytes.
/// </summary>
internal static class ModelZip
{
    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Reads all of <paramref name="stream"/>, at most <see cref="ModelFile.MaxFileBytes"/>.</summary>
    public static byte[] ReadBounded(Stream stream, string sourceName)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > ModelFile.MaxFileBytes)
            {
                throw new ModelFileException($"'{sourceName}' is larger than {ModelFile.MaxFileBytes / (1024 * 1024)} MiB; not a model file this toolkit reads.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Every entry's bytes by name; a damaged zip, a duplicate name or a zip past the limits is refused.</summary>
    public static SortedDictionary<string, byte[]> ReadEntries(byte[] file, string sourceName, ZipLimits limits)
    {
        var entries = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var zip = new ZipArchive(new MemoryStream(file, writable: false), ZipArchiveMode.Read);
            if (zip.Entries.Count > limits.MaxEntries)
            {
                throw new ModelFileException($"'{sourceName}' holds {zip.Entries.Count} zip entries, more than the {limits.MaxEntries} a model may have.");
            }

            long total = 0;
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/'))
                {
                    continue;
                }

                // The declared sizes first (cheap), then the bytes actually inflated: a header may lie.
                if (entry.Length > limits.MaxUncompressedBytes - total)
                {
                    throw Bomb(sourceName, limits);
                }

                using var source = entry.Open();
                using var bytes = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = source.Read(chunk)) > 0)
                {
                    total += read;
                    if (total > limits.MaxUncompressedBytes)
                    {
                        throw Bomb(sourceName, limits);
                    }

                    bytes.Write(chunk, 0, read);
                }

                if (!entries.TryAdd(entry.FullName, bytes.ToArray()))
                {
                    throw new ModelFileException($"'{sourceName}' holds the zip entry '{entry.FullName}' twice; not a model this toolkit reads.");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new ModelFileException($"'{sourceName}' is not a readable zip (truncated or damaged: {ex.Message}).", ex);
        }

        return entries;
    }

    /// <summary>A zip of <paramref name="entries"/>, the same bytes for the same entries.</summary>
    public static byte[] Write(IEnumerable<KeyValuePair<string, byte[]>> entries, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                var entry = zip.CreateEntry(name, level);
                entry.LastWriteTime = FixedTime;
                using var target = entry.Open();
                target.Write(bytes);
            }
        }

        return buffer.ToArray();
    }

    private static ModelFileException Bomb(string sourceName, ZipLimits limits) => new(
        $"'{sourceName}' unpacks to more than {limits.MaxUncompressedBytes / (1024 * 1024)} MiB; refusing it (not a model this toolkit reads).");
}
