using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Toolkit.Docker;
using Toolkit.Docker.Images;
using Toolkit.Docker.Packaging;
using Toolkit.Models;

namespace Toolkit.Deployment.Targets;

/// <summary>A model-service image: its name and ID, and whether this call built it (false: the same content was here).</summary>
internal sealed record ModelImage(string Reference, string Id, bool Built);

/// <summary>
/// Builds <c>toolkit/model-NAME:vN-HASH</c>: FROM the project's base image (toolkit.yaml <c>images.base</c>), the published
/// mlops in /app and the version's model file in /model (keeping its flavor's extension), entry point <c>mlops serve --file
/// /model/NAME.EXT --host 0.0.0.0 --port 8080</c>; the built team projects whose transforms the model applies go in /app/team,
/// where mlops loads them from. The tag is made from the content (model digest, the published mlops's files, the base), so the same
/// version with the same mlops gives the same tag and a second deploy builds nothing.
/// </summary>
internal sealed class ModelServiceImage(IDockerClient docker, string serverFolder, string baseImage, string workFolder)
{
    public const string ContainerPort = "8080";
    private string? _serverDigest;

    public string BaseImage => baseImage;

    /// <summary>The image's name for <paramref name="spec"/> (no daemon call).</summary>
    public string ReferenceOf(ServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var hash = ContentHash(spec.Digest);
        return string.Create(CultureInfo.InvariantCulture, $"toolkit/model-{spec.Model}:v{spec.Version}-{hash[..12]}");
    }

    /// <summary>The image of <paramref name="spec"/>: found by its content tag, else built from <paramref name="modelFile"/>.</summary>
    public async Task<ModelImage> EnsureAsync(ServiceSpec spec, string modelFile, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var reference = ReferenceOf(spec);
        try
        {
            var existing = await docker.Images.InspectAsync(reference, cancellationToken);
            progress?.Report($"image {reference} is up to date (nothing to build)");
            return new ModelImage(reference, existing.Id, Built: false);
        }
        catch (DockerImageNotFoundException)
        {
            // Not built yet: build below.
        }

        try
        {
            await BaseImages.EnsureAsync(docker, baseImage, null, cancellationToken);
        }
        catch (BaseImageMissingException ex)
        {
            throw new DeploymentException(ex.Message + " Or deploy with --target process.", DeploymentFailureKind.BadInput, ex);
        }

        var context = Path.Combine(workFolder, "image-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            progress?.Report($"building image {reference} FROM {baseImage} ...");
            CopyFolder(serverFolder, Path.Combine(context, "app"));
            CopyTeamProjects(modelFile, Path.Combine(context, "app", TeamFolder));
            Directory.CreateDirectory(Path.Combine(context, "model"));
            // The downloaded file is named by its flavor (ModelFileNames); serve recognises the flavor from its bytes either way.
            var extension = Path.GetExtension(modelFile) is { Length: > 0 } ext ? ext : ".tkm";
            File.Copy(modelFile, Path.Combine(context, "model", spec.Model + extension));
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), Dockerfile(spec.Model, extension), cancellationToken);
            var result = await docker.Images.BuildAsync(
                new ImageBuildRequest
                {
                    ContextDirectory = context,
                    Tags = [reference],
                    Labels = Labels(spec),
                    BuildArgs = new Dictionary<string, string>(StringComparer.Ordinal) { ["BASE_IMAGE"] = baseImage },
                },
                progress is null ? null : new BuildLines(progress),
                cancellationToken);
            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"built {reference} ({result.ImageId})"));
            return new ModelImage(reference, result.ImageId, Built: true);
        }
        finally
        {
            if (Directory.Exists(context))
            {
                Directory.Delete(context, recursive: true);
            }
        }
    }

    /// <summary>The image's OCI and toolkit labels (what the version is, where it came from).</summary>
    internal IReadOnlyDictionary<string, string> Labels(ServiceSpec spec)
    {
        var version = spec.Version.ToString(CultureInfo.InvariantCulture);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["org.opencontainers.image.title"] = "toolkit-model-" + spec.Model,
            ["org.opencontainers.image.description"] = $"{spec.Model} v{version} served by mlops serve (OIP v2, MLflow scoring, Prometheus metrics)",
            ["org.opencontainers.image.version"] = version,
            ["org.opencontainers.image.base.name"] = baseImage,

            // The registration's time, not the clock: an unchanged version gives an identical image.
            ["org.opencontainers.image.created"] = (spec.RegisteredAt ?? DateTimeOffset.UnixEpoch).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["toolkit.model"] = spec.Model,
            ["toolkit.version"] = version,
            ["toolkit.digest"] = spec.Digest,
        };
        if (spec.GitCommit is { Length: > 0 } commit)
        {
            labels["org.opencontainers.image.revision"] = commit;
            labels["toolkit.commit"] = commit;
        }

        return labels;
    }

    internal static string Dockerfile(string model, string extension = ".tkm") =>
        $$"""
        # A model service made by mlops deploy: the published mlops and one model file.
        ARG BASE_IMAGE={{BaseImages.Local}}
        FROM ${BASE_IMAGE}
        ENV DOTNET_gcServer=0 \
            DOTNET_TieredPGO=1 \
            DOTNET_CLI_TELEMETRY_OPTOUT=1 \
            HOME=/tmp
        COPY app/ /app/
        COPY model/ /model/
        WORKDIR /tmp
        USER 65534:65534
        EXPOSE {{ContainerPort}}
        ENTRYPOINT ["dotnet", "/app/mlops.dll", "serve", "--file", "/model/{{model}}{{extension}}", "--host", "0.0.0.0", "--port", "{{ContainerPort}}"]

        """;

    /// <summary>Beside mlops.dll, where mlops loads built team projects from (as in the components image): nothing is compiled in a container.</summary>
    internal const string TeamFolder = "team";

    /// <summary>
    /// Copies the built team projects the model's transforms come from (resolved while reading it, so exactly the code
    /// the model records) into <paramref name="destination"/>. The tag needs nothing more than the model digest: the model
    /// pins each assembly's digest.
    /// </summary>
    internal static void CopyTeamProjects(string modelFile, string destination)
    {
        if (ModelLoader.Load(modelFile).Features is not { } features)
        {
            return;
        }

        var folders = features.Transforms
            .Select(t => t.Source.OutputDirectory ?? throw new DeploymentException(
                $"the model applies {t.Source.Describe()}, whose build folder is unknown, so it cannot go into the image; deploy from the project whose toolkit.yaml lists it",
                DeploymentFailureKind.BadInput))
            .Distinct(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            var target = Path.Combine(destination, Path.GetFileName(folder));
            if (!Directory.Exists(target))
            {
                CopyFolder(folder, target);
            }
        }
    }

    private string ContentHash(string modelDigest)
    {
        _serverDigest ??= FolderDigest(serverFolder);
        var text = $"model {modelDigest}\nserver {_serverDigest}\nbase {baseImage}\ndockerfile {Dockerfile("m")}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>SHA-256 over the folder's relative file names and contents, in a fixed order.</summary>
    internal static string FolderDigest(string folder)
    {
        if (!File.Exists(Path.Combine(folder, "mlops.dll")))
        {
            throw new DeploymentException(
                $"no published mlops in {folder} (mlops.dll is missing): run './build.sh --target=Publish' or deploy with --target process",
                DeploymentFailureKind.BadInput);
        }

        return FileSetDigest.Of(folder, ShippedFiles(folder));
    }

    /// <summary>
    /// The server folder's files the image gets (relative, '/'-separated, in a fixed order). A build that named no
    /// runtime (a dev build, not <c>-r linux-x64</c>) carries every platform's native files under runtimes/ (ONNX
    /// Runtime alone adds Windows, macOS, Android and iOS builds): only the ones a linux-x64 container can load ship.
    /// </summary>
    internal static IEnumerable<string> ShippedFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("runtimes/", StringComparison.Ordinal) || LinuxX64Runtimes.Contains(f.Split('/')[1]))
            .Order(StringComparer.Ordinal);

    // The RID fallback chain .NET resolves runtimes/ assets along for linux-x64.
    private static readonly string[] LinuxX64Runtimes = ["linux-x64", "linux", "unix-x64", "unix", "any"];

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in ShippedFiles(from))
        {
            var target = Path.Combine(to, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(from, file), target);
        }
    }

    /// <summary>Build output as progress lines: only the steps, not every line the build prints.</summary>
    private sealed class BuildLines(IProgress<string> progress) : IProgress<BuildProgress>
    {
        public void Report(BuildProgress value)
        {
            if (value.Message.StartsWith("Step ", StringComparison.Ordinal))
            {
                progress.Report("  " + value.Message.Trim());
            }
        }
    }
}
