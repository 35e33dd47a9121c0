using System.Security.Cryptography;
using System.Text;
using Toolkit.Docker.Images;

namespace Toolkit.Docker.Packaging;

/// <summary>The image steps run in, for a project's team builds: the chosen one, or one derived from it.</summary>
/// <param name="Image">What to run steps in.</param>
/// <param name="Derived">The chosen image lacked the project's team builds; <paramref name="Image"/> adds them.</param>
/// <param name="Built">The derived image was built now (false: an earlier build was reused).</param>
public sealed record TeamImageResult(string Image, bool Derived, bool Built);

/// <summary>
/// Which team builds a components image carries (<see cref="Label"/>), and a quick way to add the project's own to an
/// image that lacks them: <c>FROM &lt;image id&gt;</c>, the old <c>/app/team</c> removed, the build folders copied in.
/// mlops in the container loads every folder under <c>/app/team</c>, so the set must be replaced, never merged
/// (a stale build of the same project would be a component name used twice).
/// </summary>
internal sealed class TeamImage(IDockerClient docker)
{
    /// <summary>Sorted, comma-separated <c>&lt;folder&gt;@sha256:&lt;digest of its files&gt;</c>; empty when the image has none.</summary>
    public const string Label = "toolkit.team";

    /// <summary>Where the components image's app is (its team builds are under <c>team/</c> there).</summary>
    public const string AppFolder = "/app";

    private const string TagPrefix = "team-";

    /// <summary>The <see cref="Label"/> value for these build folders (<c>.toolkit/components/&lt;name&gt;-&lt;digest12&gt;</c>).</summary>
    public static string LabelOf(IEnumerable<string> buildFolders)
    {
        ArgumentNullException.ThrowIfNull(buildFolders);
        return string.Join(',', buildFolders
            .Select(f => $"{FolderName(f)}@sha256:{FolderDigest(f)}")
            .Order(StringComparer.Ordinal));
    }

    /// <summary>The label for what a folder holding build folders (the published app's <c>team/</c>) carries; empty when it is missing.</summary>
    public static string LabelOfParent(string teamFolder) =>
        Directory.Exists(teamFolder) ? LabelOf(Directory.EnumerateDirectories(teamFolder)) : string.Empty;

    /// <summary>SHA-256 over the folder's relative file names and contents, in a fixed order.</summary>
    public static string FolderDigest(string folder)
    {
        var root = Path.GetFullPath(folder);
        return FileSetDigest.Of(root, Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// <paramref name="image"/> when it carries exactly <paramref name="buildFolders"/> (or there are none), else
    /// <c>&lt;repository&gt;:team-&lt;12 hex&gt;</c> over the image's ID and the builds: reused when that tag exists,
    /// built now otherwise (one line on <paramref name="progress"/>). A missing image throws
    /// <see cref="DockerImageNotFoundException"/> saying to run <c>mlops image build</c>.
    /// </summary>
    public async Task<TeamImageResult> EnsureAsync(
        string image, IReadOnlyList<string> buildFolders, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(image);
        ArgumentNullException.ThrowIfNull(buildFolders);
        ArgumentNullException.ThrowIfNull(progress);

        // Inspected even when there is nothing to add: a missing image is then one clear error before any step starts.
        ImageInspection chosen;
        try
        {
            chosen = await docker.Images.InspectAsync(image, cancellationToken);
        }
        catch (DockerImageNotFoundException ex)
        {
            throw new DockerImageNotFoundException(
                $"the components image '{image}' does not exist here: run 'mlops image build' (or pass --image).", ex);
        }

        if (buildFolders.Count == 0)
        {
            return new TeamImageResult(image, Derived: false, Built: false);
        }

        var wanted = LabelOf(buildFolders);
        if (chosen.Labels.TryGetValue(Label, out var carried) && string.Equals(carried, wanted, StringComparison.Ordinal))
        {
            return new TeamImageResult(image, Derived: false, Built: false);
        }

        var tag = TagPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"FROM {chosen.Id}\n{Label}={wanted}\n")))[..12];
        var derived = $"{RepositoryOf(image)}:{tag}";
        try
        {
            var existing = await docker.Images.InspectAsync(derived, cancellationToken);
            if (existing.Labels.TryGetValue(Label, out var has) && string.Equals(has, wanted, StringComparison.Ordinal))
            {
                return new TeamImageResult(derived, Derived: true, Built: false);
            }
        }
        catch (DockerImageNotFoundException)
        {
            // Not built yet.
        }

        var names = string.Join(", ", buildFolders.Select(FolderName).Order(StringComparer.Ordinal));
        await progress.WriteLineAsync($"adding team projects {names} to {image} → {derived}");
        await BuildAsync(chosen.Id, derived, buildFolders, wanted, cancellationToken);
        return new TeamImageResult(derived, Derived: true, Built: true);
    }

    /// <summary>
    /// The build folders' names <paramref name="image"/> lacks (its label does not list them as they are now), for a
    /// pinned image that must not be rebuilt (Argo); null when that cannot be told here: no daemon, or the image is
    /// not local.
    /// </summary>
    public async Task<IReadOnlyList<string>?> MissingAsync(string image, IReadOnlyList<string> buildFolders, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(image);
        ArgumentNullException.ThrowIfNull(buildFolders);
        ImageInspection inspection;
        try
        {
            inspection = await docker.Images.InspectAsync(image, cancellationToken);
        }
        catch (Exception ex) when (ex is DockerImageNotFoundException or DockerNotReachableException)
        {
            return null;
        }

        var carried = inspection.Labels.TryGetValue(Label, out var label) ? label.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
        return [.. buildFolders
            .Where(f => !carried.Contains(LabelOf([f]), StringComparer.Ordinal))
            .Select(FolderName)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary><c>host:port/name</c> of <c>host:port/name:tag</c>, <c>name@sha256:...</c> or <c>name:tag@sha256:...</c>.</summary>
    public static string RepositoryOf(string image) => BaseImages.Split(BaseImages.Split(image).Repository).Repository;

    private async Task BuildAsync(string baseId, string tag, IReadOnlyList<string> buildFolders, string label, CancellationToken cancellationToken)
    {
        var context = Directory.CreateTempSubdirectory("toolkit-team-image-").FullName;
        try
        {
            foreach (var folder in buildFolders)
            {
                ComponentsImage.CopyFolder(folder, Path.Combine(context, ComponentsImage.TeamFolder, FolderName(folder)));
            }

            // RUN rm: a COPY alone would merge with the builds the chosen image already carries.
            var team = $"{AppFolder}/{ComponentsImage.TeamFolder}";
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"""
                FROM {baseId}
                RUN rm -rf {team}
                COPY {ComponentsImage.TeamFolder}/ {team}/

                """, cancellationToken);
            await docker.Images.BuildAsync(
                new ImageBuildRequest
                {
                    ContextDirectory = context,
                    Tags = [tag],
                    Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [Label] = label },
                },
                null,
                cancellationToken);
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    private static string FolderName(string folder) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
}
