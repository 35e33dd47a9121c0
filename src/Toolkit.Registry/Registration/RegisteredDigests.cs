using System.Text;

namespace Toolkit.Registry;

/// <summary>
/// Whether a model file is the one a version was registered as. A version's digest is the SHA-256 of its
/// file; versions registered before that rule carry the header's body checksum instead, and their files
/// still have to download (a prod champion among them), so that older identity is accepted too.
/// </summary>
public static class RegisteredDigests
{
    /// <summary>True when <paramref name="file"/> (already verified by <c>ModelLoader.Read</c> as <paramref name="fileDigest"/>) is <paramref name="registered"/>.</summary>
    public static bool Matches(ReadOnlySpan<byte> file, string fileDigest, string registered) =>
        fileDigest == registered || LegacyDigest(file) == registered;

    /// <summary>The identity of a file: the SHA-256 of all its bytes (sha256:…), as every flavor's <c>Digest</c>.</summary>
    public static string FileDigest(ReadOnlySpan<byte> file) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));

    /// <summary>
    /// Whether stored bytes are what version was registered as. Bytes whose SHA-256 is the registered digest are the
    /// very bytes verified at registration, so nothing is parsed (a model's team code need not be loaded to fetch it);
    /// any other file is read (<paramref name="read"/> throws when it is damaged) and matched on its digest or legacy checksum.
    /// </summary>
    public static bool IsRegistered(byte[] file, string registered, Func<byte[], string> read)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(read);
        return FileDigest(file) == registered || Matches(file, read(file), registered);
    }

    /// <summary>The header's body checksum (<c>TKM 1 sha256:…</c>): the identity versions had before the file digest.</summary>
    private static string? LegacyDigest(ReadOnlySpan<byte> file)
    {
        var newline = file.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return null;
        }

        var header = Encoding.ASCII.GetString(file[..newline]).Split(' ');
        return header.Length == 3 ? header[2] : null;
    }
}
