using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Toolkit.Models;
using Toolkit.Registry;
using Toolkit.Registry.Signing;

namespace Toolkit.Cli.Commands;

/// <summary>
/// <c>mlops model sign</c>, <c>verify</c> and <c>keygen</c>: ECDSA P-256 signatures over a version's name,
/// number and digest, stored with the version in the registry (or beside a model file as <c>FILE.sig</c>).
/// The private key comes only from <c>TOOLKIT_SIGNING_KEY</c> and is never printed.
/// </summary>
internal static class ModelSigningCommands
{
    public const string PrivateKeyFile = "toolkit-signing-key.pem";

    public const string PublicKeyFile = "toolkit-verify-key.pem";

    /// <summary>A file's signature is made as if for a version 0 with no name: it covers only the digest.</summary>
    private const string FileModelName = "";

    public static IEnumerable<Command> Create(CliContext context) => [CreateSign(context), CreateVerify(context), CreateKeygen(context)];

    /// <summary>
    /// The key in <c>TOOLKIT_VERIFY_KEY</c> (PEM text or a PEM file's path); null when unset unless
    /// <paramref name="required"/>. A key that cannot be read is bad input.
    /// </summary>
    public static VerifyKey? VerifyKeyFromEnvironment(bool required)
    {
        try
        {
            if (ModelSignatures.PemFromEnvironment(ModelSignatures.VerifyKeyVariable, out var source) is { } pem)
            {
                return VerifyKey.FromPem(pem, source);
            }
        }
        catch (SigningKeyException ex)
        {
            throw new UsageException(ex.Message);
        }

        return required
            ? throw new UsageException($"{ModelSignatures.VerifyKeyVariable} is not set: set it to the PEM public key (or its file) that 'mlops model keygen' wrote")
            : null;
    }

    private static ECDsa SigningKeyFromEnvironment()
    {
        try
        {
            return ModelSignatures.PemFromEnvironment(ModelSignatures.SigningKeyVariable, out var source) is { } pem
                ? ModelSignatures.SigningKeyFromPem(pem, source)
                : throw new UsageException(
                    $"{ModelSignatures.SigningKeyVariable} is not set: set it to the PEM private key (or its file) that 'mlops model keygen' wrote");
        }
        catch (SigningKeyException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    private sealed record Target(Option<string?> Model, Option<int?> Version, Option<string?> File, Option<bool> Json);

    private static Target Options() => new(
        new Option<string?>("--model") { Description = "The registered model (with --model-version)." },
        new Option<int?>("--model-version") { Description = "The registered version." },
        new Option<string?>("--file") { Description = "A model file (.tkm) instead of a registered version; its signature goes to FILE.sig." },
        new Option<bool>("--json") { Description = "Print one JSON object." });

    private static Command CreateSign(CliContext context)
    {
        var t = Options();
        var command = new Command("sign", $"Signs a registered version (or a model file) with the ECDSA P-256 key in {ModelSignatures.SigningKeyVariable}.")
        {
            t.Model, t.Version, t.File, t.Json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (name, number, file) = Resolve(parse, t);
            using var key = SigningKeyFromEnvironment();
            var now = DateTimeOffset.UtcNow;
            string digest;
            VersionSignature signature;
            string? written = null;
            if (file is not null)
            {
                digest = ModelLoader.Load(context.PathOf(file)).Digest!;
                signature = ModelSignatures.Sign(key, FileModelName, 0, digest, now);
                written = context.PathOf(file) + ".sig";
                await WriteSignatureFileAsync(written, digest, signature, ct);
            }
            else
            {
                await using var registry = await RegistryAccess.OpenAsync(ProjectContext.Settings(context), ct);
                var version = await RequireVersionAsync(registry, name!, number!.Value, ct);

                // Sign only what the registry really holds: the stored file must still be the recorded digest.
                await CheckStoredFileAsync(registry, version, ct);
                digest = version.Digest;
                signature = ModelSignatures.Sign(key, version.Model, version.Version, digest, now);
                await registry.SetSignatureAsync(version.Model, version.Version, signature, ct);
            }

            if (parse.GetValue(t.Json))
            {
                await JsonOutput.WriteAsync(context.Output, new { model = name, version = number, file = written, digest, key_id = signature.KeyId, signed_at = signature.SignedAt }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"signed {Describe(name, number, file)} {digest} with key {signature.KeyId}{(written is null ? "" : $" ({written})")}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateVerify(CliContext context)
    {
        var t = Options();
        var command = new Command("verify", $"Checks a version's (or model file's) signature with the public key in {ModelSignatures.VerifyKeyVariable}; exit 2 when it does not verify.")
        {
            t.Model, t.Version, t.File, t.Json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (name, number, file) = Resolve(parse, t);
            var key = VerifyKeyFromEnvironment(required: true)!;
            string digest;
            VersionSignature? signature;
            bool valid;
            if (file is not null)
            {
                digest = ModelLoader.Load(context.PathOf(file)).Digest!;
                signature = await ReadSignatureFileAsync(context.PathOf(file) + ".sig", ct);
                valid = signature is not null && key.Verifies(signature, FileModelName, 0, digest);
            }
            else
            {
                await using var registry = await RegistryAccess.OpenAsync(ProjectContext.Settings(context), ct);
                var version = await RequireVersionAsync(registry, name!, number!.Value, ct);
                await CheckStoredFileAsync(registry, version, ct);
                digest = version.Digest;
                signature = version.Signature;
                valid = signature is not null && key.Verifies(signature, version.Model, version.Version, digest);
            }

            var what = Describe(name, number, file);
            if (signature is null)
            {
                throw new CommandFailedException($"{what} is not signed; sign it with 'mlops model sign'", ExitCodes.BadInput);
            }

            if (!valid)
            {
                throw new CommandFailedException(
                    signature.KeyId != key.KeyId
                        ? $"{what} is signed with key {signature.KeyId}, not with the verify key {key.KeyId} ({ModelSignatures.VerifyKeyVariable})"
                        : $"the signature of {what} does not verify with key {key.KeyId}: the signature or the digest {digest} was changed after signing",
                    ExitCodes.BadInput);
            }

            if (parse.GetValue(t.Json))
            {
                await JsonOutput.WriteAsync(context.Output, new { model = name, version = number, file, digest, verified = true, key_id = key.KeyId, signed_at = signature.SignedAt }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync($"verified {what} {digest}: signed with key {key.KeyId}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateKeygen(CliContext context)
    {
        var output = new Option<string>("--out") { Description = "The folder to write the key pair to.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command(
            "keygen",
            $"Makes an ECDSA P-256 key pair: {PrivateKeyFile} (PKCS#8, owner-only) for {ModelSignatures.SigningKeyVariable} and {PublicKeyFile} for {ModelSignatures.VerifyKeyVariable}.")
        {
            output, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var folder = context.PathOf(parse.GetValue(output)!);
            var privatePath = Path.Combine(folder, PrivateKeyFile);
            var publicPath = Path.Combine(folder, PublicKeyFile);
            foreach (var path in new[] { privatePath, publicPath })
            {
                if (File.Exists(path))
                {
                    throw new UsageException($"{path} already exists; keygen never overwrites a key (remove it, or choose another --out)");
                }
            }

            Directory.CreateDirectory(folder);
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var keyId = ModelSignatures.PublicOf(key).KeyId;

            // The private key file is created owner-only, never readable by others even for a moment.
            await WriteNewAsync(privatePath, key.ExportPkcs8PrivateKeyPem(), ownerOnly: true, ct);
            await WriteNewAsync(publicPath, key.ExportSubjectPublicKeyInfoPem(), ownerOnly: false, ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { private_key = privatePath, public_key = publicPath, key_id = keyId }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync($"wrote {privatePath} (private, owner-only) and {publicPath}; key {keyId}");
                await context.Output.WriteLineAsync(
                    $"sign with {ModelSignatures.SigningKeyVariable}={privatePath}; verify with {ModelSignatures.VerifyKeyVariable}={publicPath} (a variable may hold the PEM text or the file's path)");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static (string? Model, int? Version, string? File) Resolve(ParseResult parse, Target t)
    {
        var name = parse.GetValue(t.Model);
        var version = parse.GetValue(t.Version);
        var file = parse.GetValue(t.File);
        if (file is not null)
        {
            return name is null && version is null
                ? (null, null, file)
                : throw new UsageException("give either --file or --model with --model-version, not both");
        }

        if (name is null || version is null)
        {
            throw new UsageException("give --model NAME with --model-version N (or --file model.tkm)");
        }

        return (name, version, null);
    }

    private static async Task<ModelVersion> RequireVersionAsync(IModelRegistry registry, string name, int number, CancellationToken ct)
    {
        if (!ModelNames.IsValid(name))
        {
            throw new UsageException($"'{name}' is not a model name: use lowercase letters, digits and dashes, starting with a letter");
        }

        if (await registry.GetModelAsync(name, ct) is null)
        {
            throw await RegistryAccess.UnknownModelAsync(registry, name, ct);
        }

        return await registry.GetVersionAsync(name, number, ct)
            ?? throw new RegistryException(string.Create(CultureInfo.InvariantCulture, $"model '{name}' has no version {number}"));
    }

    /// <summary>Downloads the version's file through the backend, which refuses it unless it is the recorded digest.</summary>
    private static async Task CheckStoredFileAsync(IModelRegistry registry, ModelVersion version, CancellationToken ct)
    {
        var temp = Path.Combine(Path.GetTempPath(), ModelFileNames.Of($"toolkit-verify-{Environment.ProcessId}-{Guid.NewGuid():N}", version.Flavor));
        try
        {
            await registry.DownloadModelAsync(version.Model, version.Version, temp, ct);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static string Describe(string? name, int? version, string? file) =>
        file ?? string.Create(CultureInfo.InvariantCulture, $"{name} v{version}");

    private static async Task WriteNewAsync(string path, string text, bool ownerOnly, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(text.AsMemory(), ct);
        await writer.WriteAsync("\n".AsMemory(), ct);
    }

    private static async Task WriteSignatureFileAsync(string path, string digest, VersionSignature signature, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(new SignatureFile(digest, signature.KeyId, signature.Value, signature.SignedAt), SignatureFileJson);
        var temp = path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllTextAsync(temp, json + "\n", ct);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task<VersionSignature?> ReadSignatureFileAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var file = JsonSerializer.Deserialize<SignatureFile>(await File.ReadAllTextAsync(path, ct), SignatureFileJson);
            return file is { KeyId: { Length: > 0 }, Signature: { Length: > 0 } }
                ? new VersionSignature(file.KeyId, file.Signature, file.SignedAt)
                : throw new UsageException($"{path} is not a model signature file (no key_id or signature)");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{path} is not a model signature file: {ex.Message}");
        }
    }

    private static readonly JsonSerializerOptions SignatureFileJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private sealed record SignatureFile(string Digest, string KeyId, string Signature, DateTimeOffset SignedAt);
}
