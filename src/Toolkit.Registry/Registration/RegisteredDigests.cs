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
