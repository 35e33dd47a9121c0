using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Toolkit.Registry.Signing;

/// <summary>
/// A version's signature: ECDSA P-256 over SHA-256 of <see cref="ModelSignatures.Payload"/> (the model's
/// name, the version number and the model file's digest), in IEEE P1363 form, base64.
/// </summary>
/// <param name="KeyId">The signing key's fingerprint (<see cref="ModelSignatures.KeyId"/>).</param>
/// <param name="Value">The signature, base64.</param>
/// <param name="SignedAt">When it was made (for people; not signed).</param>
public sealed record VersionSignature(string KeyId, string Value, DateTimeOffset SignedAt);

/// <summary>A key could not be read: the message names the variable or file, never the key's content.</summary>
public sealed class SigningKeyException : Exception
{
    public SigningKeyException(string message)
        : base(message)
    {
    }

    public SigningKeyException()
    {
    }

    public SigningKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A public key that checks version signatures (from <c>TOOLKIT_VERIFY_KEY</c> or a PEM file).</summary>
public sealed class VerifyKey
{
    private readonly byte[] _subjectPublicKeyInfo;

    private VerifyKey(byte[] subjectPublicKeyInfo)
    {
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
        KeyId = ModelSignatures.KeyId(subjectPublicKeyInfo);
    }

    public string KeyId { get; }

    /// <summary>Reads a PEM public key (SubjectPublicKeyInfo); <paramref name="source"/> names where it came from in errors.</summary>
    public static VerifyKey FromPem(string pem, string source)
    {
        ArgumentNullException.ThrowIfNull(pem);
        using var key = ModelSignatures.ImportP256(pem, source, "a PEM public key (-----BEGIN PUBLIC KEY-----)");
        return new VerifyKey(key.ExportSubjectPublicKeyInfo());
    }

    internal static VerifyKey Of(ECDsa key) => new(key.ExportSubjectPublicKeyInfo());

    /// <summary>True when <paramref name="signature"/> is this key's signature of version <paramref name="version"/> of <paramref name="model"/> with <paramref name="digest"/>.</summary>
    public bool Verifies(VersionSignature signature, string model, int version, string digest)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.KeyId != KeyId)
        {
            return false;
        }

        byte[] value;
        try
        {
            value = Convert.FromBase64String(signature.Value);
        }
        catch (FormatException)
        {
            return false;
        }

        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);
        return key.VerifyData(ModelSignatures.Payload(model, version, digest), value, HashAlgorithmName.SHA256);
    }
}

/// <summary>
/// Signing and checking model versions with ECDSA P-256 (.NET's own cryptography). What is signed is the
/// version's identity in the registry, so a signature cannot be moved to another file, model or version.
/// </summary>
public static class ModelSignatures
{
    /// <summary>The private key (PEM, PKCS#8) that <c>mlops model sign</c> uses. A secret: masked, never passed to steps.</summary>
    public const string SigningKeyVariable = "TOOLKIT_SIGNING_KEY";

    /// <summary>The public key (PEM) that <c>mlops model verify</c> and promotion check signatures with.</summary>
    public const string VerifyKeyVariable = "TOOLKIT_VERIFY_KEY";

    private const string Domain = "toolkit-model-signature/1";

    /// <summary>The signed bytes: a fixed prefix, then the name, the version and the digest, one per line.</summary>
    public static byte[] Payload(string model, int version, string digest)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(digest);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Domain}\n{model}\n{version}\n{digest}\n"));
    }

    /// <summary>A public key's fingerprint: <c>sha256:</c> and the first 16 bytes (hex) of the SHA-256 of its SubjectPublicKeyInfo.</summary>
    public static string KeyId(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo)[..16]);

    /// <summary>Signs the version with <paramref name="privateKey"/> (a P-256 key).</summary>
    public static VersionSignature Sign(ECDsa privateKey, string model, int version, string digest, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        var value = privateKey.SignData(Payload(model, version, digest), HashAlgorithmName.SHA256);
        return new VersionSignature(KeyId(privateKey.ExportSubjectPublicKeyInfo()), Convert.ToBase64String(value), at);
    }

    /// <summary>The verify key of a private key (what <c>keygen</c> writes beside it).</summary>
    public static VerifyKey PublicOf(ECDsa privateKey) => VerifyKey.Of(privateKey);

    /// <summary>Reads the private key from PEM text; errors name <paramref name="source"/>, never the text.</summary>
    public static ECDsa SigningKeyFromPem(string pem, string source)
    {
        const string Expected = "a PEM private key (-----BEGIN PRIVATE KEY-----, PKCS#8)";
        var key = ImportP256(pem, source, Expected);
        try
        {
            _ = key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new SigningKeyException($"{source} is a public key, not {Expected}");
        }

        return key;
    }

    /// <summary>
    /// The key in variable <paramref name="variable"/>: its PEM text, or the path of a PEM file; null when unset.
    /// </summary>
    public static string? PemFromEnvironment(string variable, out string source)
    {
        ArgumentNullException.ThrowIfNull(variable);
        source = variable;
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (value.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return value;
        }

        // Not PEM text: a path to a PEM file (a key file is easier to pass around than a multi-line variable).
        var path = value.Trim();
        source = $"{variable} (file {path})";
        if (path.Length > 4096 || !File.Exists(path))
        {
            throw new SigningKeyException($"{variable} holds neither a PEM key nor the path of an existing PEM file");
        }

        return File.ReadAllText(path);
    }

    internal static ECDsa ImportP256(string pem, string source, string expected)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();

            // The exception text may quote the input; say only where the key came from and what it must be.
            throw new SigningKeyException($"{source} is not {expected} for ECDSA P-256");
        }

        var curve = key.ExportParameters(false).Curve;
        if (curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            key.Dispose();
            throw new SigningKeyException($"{source} is an ECDSA key on curve {curve.Oid.FriendlyName ?? curve.Oid.Value}; model signatures use P-256");
        }

        return key;
    }
}
