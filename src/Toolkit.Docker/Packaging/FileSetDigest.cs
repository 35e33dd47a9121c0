using System.Security.Cryptography;
using System.Text;

namespace Toolkit.Docker.Packaging;

/// <summary>
/// The one digest of a set of files an image is built from: SHA-256 over each file's relative name (a line)
/// and the SHA-256 of its bytes, in the order given. Same files, same digest, wherever the folder is.
/// </summary>
internal static class FileSetDigest
{
    /// <param name="root">The folder the names are relative to.</param>
    /// <param name="relativeFiles">'/'-separated names under <paramref name="root"/>, in a fixed order.</param>
    public static string Of(string root, IEnumerable<string> relativeFiles)
    {
        ArgumentNullException.ThrowIfNull(relativeFiles);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var relative in relativeFiles)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
            using var stream = File.OpenRead(Path.Combine(root, relative));
            hash.AppendData(SHA256.HashData(stream));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
