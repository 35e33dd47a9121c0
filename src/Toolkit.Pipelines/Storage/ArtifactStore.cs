using System.Globalization;
using System.Security.Cryptography;
using Toolkit.Storage;

namespace Toolkit.Pipelines.Storage;

/// <summary>
/// Content-addressed artifact store: each artifact is one read-only file at
/// <c>&lt;root&gt;/sha256/&lt;first 2 hex&gt;/&lt;64 hex&gt;</c>. Writes go to a temp file under <c>&lt;root&gt;/tmp</c> (same
/// filesystem) and are renamed into place only once complete and flushed, so a process killed at any
/// moment leaves either the whole artifact or nothing visible; leftover temps are ignored and collected by gc.
/// Safe for concurrent use by many tasks and processes: identical content converges on one file.
/// </summary>
public sealed class ArtifactStore
{
    /// <summary>Temp files younger than this may belong to an import still in progress, so gc leaves them.</summary>
    public static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(1);

    private const int BufferSize = 1 << 20;
    private const string TempSuffix = ".tmp";

    // Beside each artifact: its size and modification time when it was last known intact. A file that
    // no longer matches its stamp was touched since and is rehashed before anything trusts it.
    private const string StampSuffix = ".stamp";

    private readonly TimeProvider _time;

    public ArtifactStore(string root, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        _time = time ?? TimeProvider.System;
    }

    public string Root { get; }

    private string ObjectsDir => Path.Combine(Root, "sha256");

    private string TempDir => Path.Combine(Root, "tmp");

    /// <summary>Test seam: runs after the temp file is complete and before it is published (simulates a crash window).</summary>
    internal Func<string, CancellationToken, Task>? BeforePublish { get; set; }

    /// <summary>Copies <paramref name="sourcePath"/> into the store, hashing while copying.</summary>
    public Task<ArtifactInfo> ImportAsync(string sourcePath, CancellationToken cancellationToken = default) =>
        ImportAsync(sourcePath, AllRead, cancellationToken);

    /// <summary>
    /// Copies <paramref name="sourcePath"/> into the store, readable by no more than the source and
    /// <paramref name="readersAtMost"/> allow (what a step derived from private inputs writes stays as private).
    /// </summary>
    public async Task<ArtifactInfo> ImportAsync(string sourcePath, UnixFileMode readersAtMost, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourcePath);
        await using var source = new FileStream(
            sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);

        // An artifact never gets more permission than its source: a 0600 file is stored 0400, not world-readable.
        var readers = OperatingSystem.IsWindows() ? AllRead : File.GetUnixFileMode(source.SafeFileHandle) & readersAtMost & AllRead;
        return await WriteAsync(
            async (temp, hash, ct) =>
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await temp.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            },
            readers,
            cancellationToken);
    }

    public Task<ArtifactInfo> PutBytesAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        PutBytesAsync(content, AllRead, cancellationToken);

    /// <summary>Stores <paramref name="content"/> readable by no more than <paramref name="readersAtMost"/> allow.</summary>
    public Task<ArtifactInfo> PutBytesAsync(ReadOnlyMemory<byte> content, UnixFileMode readersAtMost, CancellationToken cancellationToken) =>
        WriteAsync(
            async (temp, hash, ct) =>
            {
                hash.AppendData(content.Span);
                await temp.WriteAsync(content, ct);
            },
            readersAtMost & AllRead,
            cancellationToken);

    /// <summary>
    /// Who may read all of <paramref name="digests"/>: the read bits every one of their stored files has (the
    /// owner always). What is computed from them gets no more, so a split of a 0600 dataset is not world-readable.
    /// </summary>
    public UnixFileMode ReadersOfAll(IEnumerable<string> digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        var readers = AllRead;
        if (OperatingSystem.IsWindows())
        {
            return readers;
        }

        foreach (var digest in digests)
        {
            var path = FinalPath(digest);
            if (File.Exists(path))
            {
                readers &= File.GetUnixFileMode(path) | UnixFileMode.UserRead;
            }
        }

        return readers;
    }

    public bool Contains(string digest) => File.Exists(FinalPath(digest));

    /// <summary>The file holding <paramref name="digest"/>; throws <see cref="ArtifactNotFoundException"/> when absent.</summary>
    public string PathOf(string digest)
    {
        var path = FinalPath(digest);
        return File.Exists(path) ? path : throw new ArtifactNotFoundException(digest, Root);
    }

    /// <summary>Rehashes the stored file: true when its content still matches its name; false when it differs or is absent.</summary>
    public async Task<bool> VerifyAsync(string digest, CancellationToken cancellationToken = default)
    {
        var path = FinalPath(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        return await Digests.OfFileAsync(path, cancellationToken) == digest;
    }

    /// <summary>
    /// Whether the stored file still holds <paramref name="digest"/>: cheap when its stamp (size and
    /// modification time) is unchanged, a rehash when the file was touched since. The cache asks this
    /// before reusing an output, so an artifact edited in place is recomputed, never trusted.
    /// </summary>
    public async Task<bool> IsIntactAsync(string digest, CancellationToken cancellationToken = default)
    {
        var path = FinalPath(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        if (HasCurrentStamp(path))
        {
            return true;
        }

        if (await Digests.OfFileAsync(path, cancellationToken) != digest)
        {
            return false;
        }

        TryWriteStamp(path);
        return true;
    }

    /// <summary>Removes a damaged artifact (and its stamp) so the next run that needs it recomputes it.</summary>
    public void Remove(string digest)
    {
        var path = FinalPath(digest);
        if (File.Exists(path))
        {
            DeleteReadOnly(path);
        }

        File.Delete(path + StampSuffix);
        TryRemoveEmptyDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Removes temps whose writer is gone (a kill mid-import), or older than <see cref="StaleTempAge"/>; returns how many.</summary>
    public int SweepAbandonedTemps() => AbandonedTemps.Sweep(TempDir, recursive: false, StaleTempAge);

    /// <summary>Temp files of writes that never finished (a killed process), with their age.</summary>
    public IEnumerable<FileInfo> LeftoverTemps() =>
        Directory.Exists(TempDir) ? new DirectoryInfo(TempDir).EnumerateFiles("*" + TempSuffix) : [];

    /// <summary>Stamps whose artifact is gone.</summary>
    public IEnumerable<string> OrphanStamps() =>
        Directory.Exists(ObjectsDir)
            ? Directory.EnumerateFiles(ObjectsDir, "*" + StampSuffix, SearchOption.AllDirectories).Where(s => !File.Exists(s[..^StampSuffix.Length]))
            : [];

    /// <summary>All artifacts currently in the store (complete, published files only).</summary>
    public IEnumerable<ArtifactInfo> Enumerate()
    {
        if (!Directory.Exists(ObjectsDir))
        {
            yield break;
        }

        foreach (var dir in Directory.EnumerateDirectories(ObjectsDir))
        {
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                var digest = Digests.Prefix + Path.GetFileName(file);
                if (Digests.IsValid(digest) && file == FinalPath(digest))
                {
                    yield return new ArtifactInfo(digest, new FileInfo(file).Length);
                }
            }
        }
    }

    /// <summary>
    /// Removes artifacts not in <paramref name="referencedDigests"/> and temp files older than <see cref="StaleTempAge"/>.
    /// Do not run it while a pipeline runs: an output imported but not yet recorded is unreferenced.
    /// </summary>
    public Task<GcResult> CollectGarbageAsync(
        IReadOnlySet<string> referencedDigests, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(referencedDigests);
        int removed = 0, kept = 0;
        long freed = 0;

        foreach (var artifact in Enumerate().ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (referencedDigests.Contains(artifact.Digest))
            {
                kept++;
                continue;
            }

            if (!dryRun)
            {
                Remove(artifact.Digest);
            }

            removed++;
            freed += artifact.Size;
        }

        if (Directory.Exists(TempDir))
        {
            var cutoff = _time.GetUtcNow().UtcDateTime - StaleTempAge;
            foreach (var temp in new DirectoryInfo(TempDir).EnumerateFiles("*" + TempSuffix))
            {
                if (temp.LastWriteTimeUtc >= cutoff)
                {
                    continue;
                }

                if (!dryRun)
                {
                    DeleteReadOnly(temp.FullName);
                }

                removed++;
                freed += temp.Length;
            }
        }

        if (!dryRun && Directory.Exists(ObjectsDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(ObjectsDir).ToList())
            {
                TryRemoveEmptyDirectory(dir);
            }
        }

        return Task.FromResult(new GcResult(removed, freed, kept));
    }

    private const UnixFileMode AllRead = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private async Task<ArtifactInfo> WriteAsync(
        Func<FileStream, IncrementalHash, CancellationToken, Task> fill, UnixFileMode readers, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(TempDir);
        var tempPath = Path.Combine(TempDir, AbandonedTemps.Name(""));
        var published = false;
        try
        {
            string digest;
            long size;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                await using var temp = new FileStream(
                    tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
                await fill(temp, hash, cancellationToken);

                // Flush to disk before the rename so the published name never points at unwritten data.
                temp.Flush(flushToDisk: true);
                size = temp.Length;
                digest = Digests.FromHash(hash.GetHashAndReset());
            }

            if (BeforePublish is { } hook)
            {
                await hook(tempPath, cancellationToken);
            }

            // Read-only before publishing, so the file is never visible in a writable state.
            MakeReadOnly(tempPath, readers);
            var finalPath = FinalPath(digest);
            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
            published = Publish(tempPath, finalPath, digest, size);
            if (published)
            {
                TryWriteStamp(finalPath);
            }
            else
            {
                // The same content already stored from a more readable source: it is now as private as this one.
                Narrow(finalPath, readers);
            }

            return new ArtifactInfo(digest, size);
        }
        finally
        {
            if (!published)
            {
                // Deduplicated, failed or cancelled: the temp must not linger (a killed process leaves it for gc).
                try
                {
                    DeleteReadOnly(tempPath);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>Moves the temp into place; false when an intact copy was already there (dedup).</summary>
    private static bool Publish(string tempPath, string finalPath, string digest, long size)
    {
        if (IsIntactCopy(finalPath, digest, size))
        {
            return false;
        }

        try
        {
            // No overwrite: racing importers of the same content see the first one win.
            File.Move(tempPath, finalPath, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(finalPath))
        {
            if (IsIntactCopy(finalPath, digest, size))
            {
                return false;
            }

            // A file under this name that does not hold its content is damaged; replace it with the good copy.
            ClearReadOnly(finalPath);
            File.Move(tempPath, finalPath, overwrite: true);
            return true;
        }
    }

    // The same size is not the same content: an edited file keeps its size. Unless its stamp vouches
    // for it, the existing copy is rehashed before the new one is dropped in its favour.
    private static bool IsIntactCopy(string finalPath, string digest, long size)
    {
        if (!File.Exists(finalPath) || new FileInfo(finalPath).Length != size)
        {
            return false;
        }

        if (HasCurrentStamp(finalPath))
        {
            return true;
        }

        using var stream = new FileStream(finalPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        if (Digests.FromHash(SHA256.HashData(stream)) != digest)
        {
            return false;
        }

        TryWriteStamp(finalPath);
        return true;
    }

    private static string StampText(FileInfo file) =>
        string.Create(CultureInfo.InvariantCulture, $"{file.Length} {file.LastWriteTimeUtc.Ticks}");

    private static bool HasCurrentStamp(string path)
    {
        var stamp = path + StampSuffix;
        try
        {
            return File.Exists(stamp) && File.ReadAllText(stamp) == StampText(new FileInfo(path));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void TryWriteStamp(string path)
    {
        try
        {
            File.WriteAllText(path + StampSuffix, StampText(new FileInfo(path)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only store: the file is rehashed next time instead.
        }
    }

    private string FinalPath(string digest)
    {
        Digests.EnsureValid(digest);
        var hex = digest[Digests.Prefix.Length..];
        return Path.Combine(ObjectsDir, hex[..2], hex);
    }

    private static void MakeReadOnly(string path, UnixFileMode readers)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, File.GetAttributes(path) | FileAttributes.ReadOnly);
        }
        else
        {
            // The owner (the store's user) always reads its own artifacts.
            File.SetUnixFileMode(path, (readers & AllRead) | UnixFileMode.UserRead);
        }
    }

    private static void Narrow(string path, UnixFileMode readers)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        var narrowed = mode & (readers | UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (narrowed != mode)
        {
            File.SetUnixFileMode(path, narrowed);
        }
    }

    private static void ClearReadOnly(string path)
    {
        // On Unix deletion and rename depend on the directory's permissions; only Windows needs the attribute cleared.
        if (OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetAttributes(path, File.GetAttributes(path) & ~FileAttributes.ReadOnly);
        }
    }

    private static void DeleteReadOnly(string path)
    {
        ClearReadOnly(path);
        File.Delete(path);
    }

    private static void TryRemoveEmptyDirectory(string dir)
    {
        try
        {
            if (!Directory.EnumerateFileSystemEntries(dir).Any())
            {
                Directory.Delete(dir);
            }
        }
        catch (IOException)
        {
            // A concurrent import just created a file here; keeping the directory is correct.
        }
    }
}
