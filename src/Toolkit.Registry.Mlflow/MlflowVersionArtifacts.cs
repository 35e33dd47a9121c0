using System.Text;
using Toolkit.Ml.Models;
using Toolkit.Models;

namespace Toolkit.Registry.Mlflow;

/// <summary>
/// A version's files in MLflow's artifact store, under <c>toolkit/models/&lt;model&gt;/&lt;digest-hex&gt;/</c>
/// (content-addressed, so a re-upload is harmless): the model file, the card, the gate report, the smoke
/// sample (named by its own digest), and any JSON value too long for a version tag. The version's
/// <c>source</c> is that folder as an <c>mlflow-artifacts:/</c> URI.
/// </summary>
internal sealed class MlflowVersionArtifacts
{
    internal const string ModelCardFile = "model_card.md";
    internal const string GateReportFile = "gate_report.json";

    private const string ArtifactScheme = "mlflow-artifacts:";
    private const string ArtifactRef = "artifact:";

    private readonly IMlflowClient _client;

    internal MlflowVersionArtifacts(IMlflowClient client)
    {
        _client = client;
    }

    /// <summary>The smoke sample's file: <c>smoke_sample.&lt;first 16 hex of its SHA-256&gt;.json</c>.</summary>
    internal static string SmokeSampleFileOf(string json) =>
        $"smoke_sample.{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16]}.json";

    /// <summary>The reference profile's file: <c>reference_profile.&lt;first 16 hex of its SHA-256&gt;.json</c>.</summary>
    internal static string ProfileFileOf(string json) =>
        $"reference_profile.{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16]}.json";

    internal static string FolderOf(string model, string digest) => $"toolkit/models/{model}/{digest["sha256:".Length..]}";

    internal static string SourceOf(string folder) => $"{ArtifactScheme}/{folder}";

    /// <summary>The artifact folder a version's <c>source</c> names.</summary>
    internal static string FolderOf(MlflowModelVersion mv)
    {
        var source = mv.Source ?? string.Empty;
        if (!source.StartsWith(ArtifactScheme, StringComparison.Ordinal))
        {
            throw new RegistryException($"Version {mv.Version} of '{mv.Name}' has source '{source}', which is not in MLflow's artifact proxy (mlflow-artifacts:).");
        }

        // mlflow-artifacts:/path and mlflow-artifacts://host:port/path both name path on the proxy.
        var rest = source[ArtifactScheme.Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var slash = rest.IndexOf('/', 2);
            rest = slash < 0 ? string.Empty : rest[slash..];
        }

        return rest.Trim('/');
    }

    internal Task UploadAsync(string folder, string file, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        _client.Artifacts.UploadAsync($"{folder}/{file}", content.ToArray(), cancellationToken);

    internal Task UploadTextAsync(string folder, string file, string text, CancellationToken cancellationToken) =>
        _client.Artifacts.UploadAsync($"{folder}/{file}", Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>The JSON itself when it fits a registry tag; otherwise it is stored beside the model and the tag points at it.</summary>
    internal async Task<string> SmallOrArtifactAsync(string folder, string file, string json, CancellationToken cancellationToken)
    {
        if (json.Length <= MlflowRegistry.MaxRegistryTagValue)
        {
            return json;
        }

        await UploadTextAsync(folder, file, json, cancellationToken);
        return ArtifactRef + file;
    }

    /// <summary>The value of a tag written by <see cref="SmallOrArtifactAsync"/>, or null.</summary>
    internal async Task<string?> ReadJsonTagAsync(MlflowModelVersion mv, string key, CancellationToken cancellationToken)
    {
        var value = mv.Tag(key);
        if (value is null || !value.StartsWith(ArtifactRef, StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = await _client.Artifacts.DownloadAsync($"{FolderOf(mv)}/{value[ArtifactRef.Length..]}", cancellationToken);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The text file a version tag names (card, gate report), or null when the tag is absent.</summary>
    internal async Task<string?> ReadTextAsync(MlflowModelVersion mv, string tag, CancellationToken cancellationToken)
    {
        var file = mv.Tag(tag);
        if (file is null)
        {
            return null;
        }

        var bytes = await _client.Artifacts.DownloadAsync($"{FolderOf(mv)}/{file}", cancellationToken);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Downloads the version's model file, checks it is the registered digest, and writes it atomically.</summary>
    internal async Task DownloadModelAsync(MlflowModelVersion mv, string destinationPath, CancellationToken cancellationToken)
    {
        var expected = mv.Tag(MlflowRegistry.DigestTag)
            ?? throw new RegistryException($"Version {mv.Version} of '{mv.Name}' has no {MlflowRegistry.DigestTag} tag; it was not registered by toolkit.");
        var bytes = await _client.Artifacts.DownloadAsync($"{FolderOf(mv)}/{MlflowRegistry.ModelFileNameOf(MlflowRegistry.FlavorOf(mv))}", cancellationToken);
        bool registered;
        try
        {
            registered = RegisteredDigests.IsRegistered(bytes, expected, b =>
            {
                using var stream = new MemoryStream(b, writable: false);
                return ModelLoader.Read(stream, $"{mv.Name} v{mv.Version} from MLflow").Digest!;
            });
        }
        catch (ModelFileException ex)
        {
            throw new RegistryException($"The model file of '{mv.Name}' version {mv.Version} downloaded from MLflow is damaged: {ex.Message}", ex);
        }

        if (!registered)
        {
            throw new RegistryException($"The model file of '{mv.Name}' version {mv.Version} in MLflow is {RegisteredDigests.FileDigest(bytes)}, but the version was registered as {expected}; refusing it.");
        }

        var full = Path.GetFullPath(destinationPath);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
