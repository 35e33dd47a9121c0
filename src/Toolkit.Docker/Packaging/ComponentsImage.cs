using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Toolkit.Docker.Images;

namespace Toolkit.Docker.Packaging;

/// <summary>What a components image build produced: its ID and every name it got.</summary>
public sealed record ComponentsImageBuild(string ImageId, string Repository, string ContentTag, IReadOnlyList<string> Tags, int Steps, int CachedSteps);

/// <summary>
/// What goes into the components image (<c>docker/components/Dockerfile</c>, built from the repository root), apart
/// from the Docker client it builds with: publishes <c>mlops</c>, makes sure the base is here, then builds with OCI
/// labels (and <see cref="TeamImage.Label"/>: the team builds it carries) and a tag made from the content
/// (<c>&lt;git commit&gt;-&lt;context digest&gt;</c>), plus <c>latest</c>.
/// The same sources on the same base give the same tag and, through the layer cache, the same image.
/// </summary>
internal sealed class ComponentsImage(IDockerClient docker, string repositoryRoot)
{
    public const string DefaultRepository = "toolkit/components";
    public const string DefaultBaseImage = BaseImages.Local;
    public const string Dockerfile = "docker/components/Dockerfile";
    public const string PublishFolder = "artifacts/publish/mlops";

    /// <summary>Under the published app: the team projects' built output (<c>/app/team/&lt;name&gt;-&lt;digest12&gt;/</c> in the image).</summary>
    public const string TeamFolder = "team";
    private const string DefaultSource = "https://github.com/toolkit/toolkit";

    public string RepositoryRoot { get; } = Path.GetFullPath(repositoryRoot);

    /// <summary>Publishes the CLI framework-dependent for linux-x64 (the runtime comes from the base image).</summary>
    public async Task PublishAsync(TextWriter log, CancellationToken cancellationToken = default)
    {
        var output = Path.Combine(RepositoryRoot, PublishFolder);
        if (Directory.Exists(output))
        {
            // Stale files (a removed dependency) would otherwise stay in the image.
            Directory.Delete(output, recursive: true);
        }

        var exit = await ProcessRunner.RunAsync(
            RepositoryRoot,
            "dotnet",
            ["publish", "src/Toolkit.Cli", "-c", "Release", "-r", "linux-x64", "--no-self-contained", "-p:UseAppHost=false", "-p:PublishReadyToRun=true", "-p:SatelliteResourceLanguages=en", "-o", PublishFolder, "-v", "q", "--nologo"],
            log,
            cancellationToken);
        if (exit.Code != 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"dotnet publish failed with exit code {exit.Code}."));
        }
    }

    /// <summary>
    /// Puts each team project's built folder (toolkit.yaml's <c>components:</c>, as built under the store) next to
    /// the published app, replacing any earlier set, so the image runs team components as the host does.
    /// </summary>
    public void IncludeTeamProjects(IEnumerable<string> builtFolders)
    {
        ArgumentNullException.ThrowIfNull(builtFolders);
        var published = Path.Combine(RepositoryRoot, PublishFolder);
        if (!Directory.Exists(published))
        {
            throw new InvalidOperationException($"'{PublishFolder}' is missing: publish the CLI first.");
        }

        var team = Path.Combine(published, TeamFolder);
        if (Directory.Exists(team))
        {
            Directory.Delete(team, recursive: true);
        }

        foreach (var folder in builtFolders)
        {
            CopyFolder(folder, Path.Combine(team, Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))));
        }
    }

    /// <summary>Copies every file under <paramref name="source"/> to the same place under <paramref name="target"/>.</summary>
    internal static void CopyFolder(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }

    /// <summary>
    /// SHA-256 over the context's file names and contents (what the daemon will see), and over the base when it is not
    /// the default one, so builds on two bases never share a tag.
    /// </summary>
    public string ContextDigest(string baseImage = DefaultBaseImage)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var relative in BuildContext.Files(RepositoryRoot, Dockerfile))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
            hash.AppendData(SHA256.HashData(File.ReadAllBytes(Path.Combine(RepositoryRoot, relative))));
        }

        if (!string.Equals(baseImage, DefaultBaseImage, StringComparison.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes("FROM " + baseImage + "\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Builds FROM <paramref name="baseImage"/> (toolkit.yaml's <c>images.base</c>); a missing base throws
    /// <see cref="BaseImageMissingException"/> saying how to get one, before any build step.
    /// </summary>
    public async Task<ComponentsImageBuild> BuildAsync(
        string repository = DefaultRepository,
        string baseImage = DefaultBaseImage,
        IProgress<BuildProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Path.Combine(RepositoryRoot, PublishFolder)))
        {
            throw new InvalidOperationException($"'{PublishFolder}' is missing: publish the CLI first.");
        }

        await BaseImages.EnsureAsync(
            docker, baseImage, progress is null ? null : new PullLines(progress), cancellationToken);

        var commit = (await ProcessRunner.GitAsync(RepositoryRoot, ["rev-parse", "HEAD"], cancellationToken)) ?? "unknown";
        var contentTag = $"{commit[..Math.Min(12, commit.Length)]}-{ContextDigest(baseImage)[..12]}";

        // The commit's own time, not the clock: an unchanged tree must give an identical image (cache hit).
        var created = (await ProcessRunner.GitAsync(RepositoryRoot, ["log", "-1", "--format=%cI"], cancellationToken)) ?? "1970-01-01T00:00:00Z";
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["org.opencontainers.image.source"] = NormalizeSource(await ProcessRunner.GitAsync(RepositoryRoot, ["config", "--get", "remote.origin.url"], cancellationToken)),
            ["org.opencontainers.image.revision"] = commit,
            ["org.opencontainers.image.created"] = created,
            ["org.opencontainers.image.title"] = "toolkit-components",
            ["org.opencontainers.image.base.name"] = baseImage,

            // Which team builds it carries, so a run can tell when the project's are missing or stale.
            [TeamImage.Label] = TeamImage.LabelOfParent(Path.Combine(RepositoryRoot, PublishFolder, TeamFolder)),
        };
        var tags = new[] { $"{repository}:{contentTag}", $"{repository}:latest" };
        var result = await docker.Images.BuildAsync(
            new ImageBuildRequest
            {
                ContextDirectory = RepositoryRoot,
                Dockerfile = Dockerfile,
                Tags = tags,
                Labels = labels,
                BuildArgs = new Dictionary<string, string>(StringComparer.Ordinal) { ["BASE_IMAGE"] = baseImage },
            },
            progress,
            cancellationToken);
        return new ComponentsImageBuild(result.ImageId, repository, contentTag, tags, result.Steps, result.CachedSteps);
    }

    /// <summary>Names the image <c>registry/repository:tag</c> for each tag and pushes them; returns the pushed names.</summary>
    public async Task<IReadOnlyList<string>> PushAsync(
        ComponentsImageBuild build, string registry, RegistryCredentials? credentials, IProgress<TransferProgress>? progress, CancellationToken cancellationToken = default)
    {
        var target = $"{registry.TrimEnd('/')}/{build.Repository}";
        var pushed = new List<string>();
        foreach (var tag in new[] { build.ContentTag, "latest" })
        {
            await docker.Images.TagAsync(build.ImageId, target, tag, cancellationToken);
            await docker.Images.PushAsync(target, tag, credentials, progress, cancellationToken);
            pushed.Add($"{target}:{tag}");
        }

        return pushed;
    }

    /// <summary>Runs docker/base/make-base.sh (debootstrap + docker import); output goes to the log.</summary>
    public async Task<int> MakeBaseAsync(string tag, TextWriter log, CancellationToken cancellationToken = default)
    {
        var script = Path.Combine(RepositoryRoot, "docker", "base", "make-base.sh");
        return (await ProcessRunner.RunAsync(RepositoryRoot, "bash", [script, tag], log, cancellationToken)).Code;
    }

    private static string NormalizeSource(string? remote)
    {
        if (string.IsNullOrWhiteSpace(remote) || !remote.StartsWith("http", StringComparison.Ordinal))
        {
            // Local clones (file paths) or SSH remotes are no public source address.
            return remote is not null && remote.StartsWith("git@github.com:", StringComparison.Ordinal)
                ? "https://github.com/" + remote["git@github.com:".Length..].Replace(".git", string.Empty, StringComparison.Ordinal)
                : DefaultSource;
        }

        return remote.EndsWith(".git", StringComparison.Ordinal) ? remote[..^4] : remote;
    }

    /// <summary>A base pull shows in the build's output, one line per status.</summary>
    private sealed class PullLines(IProgress<BuildProgress> build) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => build.Report(new BuildProgress(value.Id is null ? value.Status : $"{value.Id}: {value.Status}", null, false));
    }
}
