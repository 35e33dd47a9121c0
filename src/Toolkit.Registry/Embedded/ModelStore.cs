using Toolkit.Models;
using Toolkit.Storage;
using Toolkit.Ml.Models;

namespace Toolkit.Registry.Embedded;

/// <summary>
/// Model files stored by content: <c>&lt;root&gt;/models/sha256/&lt;2 hex&gt;/&lt;hex&gt;&lt;ext&gt;</c> (the flavor's extension, .tkm for ours). A file is written
/// to a temporary name in its final folder and renamed, so a reader (or a crash) never sees half a file,
/// and it is made read-only once in place. A file without a version row is harmless (a registration
/// that died before its commit); a row is only ever committed after its file is in place.
/// </summary>
internal sealed class ModelStore
{
    private const string DigestPrefix = "sha256:";

    private readonly string _root;

    internal ModelStore(string registryRoot)
    {
        _root = Path.Combine(registryRoot, "models", "sha256");
    }

    internal string PathOf(string digest, string flavor = ModelFlavors.Tkm)
    {
        if (!digest.StartsWith(DigestPrefix, StringComparison.Ordinal) || digest.Length != DigestPrefix.Length + 64)
        {
            throw new RegistryException($"'{digest}' is not a sha256 digest");
        }

        var hex = digest[DigestPrefix.Length..];
        return Path.Combine(_root, hex[..2], ModelFileNames.Of(hex, flavor));
    }

    /// <summary>Removes temp files whose writer died (see <see cref="AbandonedTemps"/>); returns how many.</summary>
    internal int SweepAbandonedTemps() => AbandonedTemps.Sweep(_root, recursive: true, TimeSpan.FromHours(1));

    /// <summary>Puts the verified bytes under their digest unless an intact copy is already there.</summary>
    internal async Task<string> StoreAsync(ReadOnlyMemory<byte> bytes, string digest, string flavor, CancellationToken cancellationToken)
    {
        var target = PathOf(digest, flavor);
        if (IsIntact(target, digest))
        {
            return target;
        }

        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, AbandonedTemps.Name($".{Path.GetFileName(target)}."));
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await stream.WriteAsync(bytes, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.SetAttributes(temp, FileAttributes.ReadOnly);
            cancellationToken.ThrowIfCancellationRequested();

            // Rename replaces a damaged copy; a concurrent writer of the same digest writes the same bytes.
            if (File.Exists(target))
            {
                File.SetAttributes(target, FileAttributes.Normal);
            }

            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.SetAttributes(temp, FileAttributes.Normal);
                File.Delete(temp);
            }
        }

        return target;
    }

    /// <summary>Reads a stored file and checks it is still what was registered under <paramref name="digest"/>.</summary>
    internal async Task<byte[]> ReadStoredAsync(string model, int version, string digest, string flavor, CancellationToken cancellationToken)
    {
        var path = PathOf(digest, flavor);
        if (!File.Exists(path))
        {
            throw new RegistryException(
                $"the model file of '{model}' version {version} is missing from the registry store ({path}); register the file again to restore it");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        bool registered;
        try
        {
            registered = RegisteredDigests.IsRegistered(bytes, digest, b => Parse(b, path).Digest!);
        }
        catch (ModelFileException ex)
        {
            throw new RegistryException(
                $"the stored model file of '{model}' version {version} was changed after registration; refusing it ({ex.Message})", ex);
        }

        if (!registered)
        {
            throw new RegistryException(
                $"the stored model file of '{model}' version {version} is {RegisteredDigests.FileDigest(bytes)}, not the registered {digest}; refusing it");
        }

        return bytes;
    }

    private static IScoringModel Parse(byte[] bytes, string sourceName)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return ModelLoader.Read(stream, sourceName);
    }

    private static bool IsIntact(string path, string digest)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            // Content-addressed: a file whose bytes hash to the digest is intact, whatever its flavor needs to be scored.
            return RegisteredDigests.FileDigest(File.ReadAllBytes(path)) == digest;
        }
        catch (Exception ex) when (ex is ModelFileException or IOException)
        {
            return false;
        }
    }
}
