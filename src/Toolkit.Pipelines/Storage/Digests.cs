using System.Security.Cryptography;

namespace Toolkit.Pipelines.Storage;

/// <summary>The one digest format of the toolkit: <c>sha256:</c> followed by 64 lowercase hex digits.</summary>
public static class Digests
{
    public const string Prefix = "sha256:";

    private const int HexLength = 64;

    public static bool IsValid(string? digest)
    {
        if (digest is null || digest.Length != Prefix.Length + HexLength || !digest.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in digest.AsSpan(Prefix.Length))
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws a clear <see cref="ArgumentException"/> unless <paramref name="digest"/> is well formed.</summary>
    public static void EnsureValid(string digest, string paramName = "digest")
    {
        if (!IsValid(digest))
        {
            throw new ArgumentException($"'{digest}' is not a digest: expected 'sha256:' followed by 64 lowercase hex digits", paramName);
        }
    }

    public static string FromHash(ReadOnlySpan<byte> sha256) => Prefix + Convert.ToHexStringLower(sha256);

    public static string Of(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    /// <summary>The digest of a file's content (e.g. the pipeline file of a run).</summary>
    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return FromHash(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
