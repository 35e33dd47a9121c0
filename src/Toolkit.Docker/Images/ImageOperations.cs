using System.Text.Json;
using Toolkit.Docker.Containers;
using Toolkit.Docker.Engine;
using Models = Docker.DotNet.Models;

namespace Toolkit.Docker.Images;

/// <summary>Image calls: build, tag, inspect, push, pull, remove.</summary>
public interface IImageOperations
{
    /// <summary>Builds an image; progress lines are reported as they stream in. A failed step throws <see cref="DockerBuildFailedException"/>.</summary>
    Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, IProgress<BuildProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Adds a name: <paramref name="image"/> becomes also <c>repository:tag</c>.</summary>
    Task TagAsync(string image, string repository, string tag, CancellationToken cancellationToken = default);

    /// <summary>Throws <see cref="DockerImageNotFoundException"/> when the image is not local.</summary>
    Task<ImageInspection> InspectAsync(string image, CancellationToken cancellationToken = default);

    /// <summary>Pushes <c>repository:tag</c>; returns the manifest digest the registry reported (or null).</summary>
    Task<string?> PushAsync(
        string repository,
        string tag,
        RegistryCredentials? credentials = null,
        IProgress<TransferProgress>? progress = null,
        CancellationToken cancellationToken = default);

    Task PullAsync(
        string repository,
        string tag,
        RegistryCredentials? credentials = null,
        IProgress<TransferProgress>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a local image (or one of its names). <paramref name="keepParents"/>: leave its untagged parent
    /// layers, which a build running at the same time may be using as its cache (the daemon would fail that build).
    /// </summary>
    Task RemoveAsync(string image, bool force = false, bool keepParents = false, CancellationToken cancellationToken = default);

    /// <summary>Local images, all layers included, optionally only those with a label <c>key=value</c> (or <c>key</c>).</summary>
    Task<IReadOnlyList<ImageSummary>> ListAsync(string? label = null, CancellationToken cancellationToken = default);
}

internal sealed class ImageOperations(DockerEngine engine) : IImageOperations
{
    public async Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, IProgress<BuildProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!File.Exists(Path.Combine(request.ContextDirectory, request.Dockerfile)))
        {
            throw new FileNotFoundException($"no Dockerfile at '{Path.Combine(request.ContextDirectory, request.Dockerfile)}'.");
        }

        // Our tar builder (it honours .dockerignore); the context goes through a temporary file so its length is known.
        var tarPath = Path.GetTempFileName();
        await using var tar = new FileStream(tarPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await BuildContext.WriteAsync(request.ContextDirectory, request.Dockerfile, tar, cancellationToken);
        tar.Position = 0;

        var parameters = new Models.ImageBuildParameters
        {
            Dockerfile = request.Dockerfile,
            Tags = [.. request.Tags],
            Remove = true,
            ForceRemove = true,
            NoCache = request.NoCache ? true : null,
            BuildArgs = request.BuildArgs.Count > 0 ? new Dictionary<string, string>(request.BuildArgs, StringComparer.Ordinal) : null,
            Labels = request.Labels.Count > 0 ? new Dictionary<string, string>(request.Labels, StringComparer.Ordinal) : null,
        };
        var reader = new BuildOutput(progress);
        await engine.CallAsync(
            (c, ct) => c.Images.BuildImageFromDockerfileAsync(parameters, tar, null, null, reader, ct), DockerResource.Image, idempotent: false, cancellationToken);
        return reader.Result(request.Tags);
    }

    public Task TagAsync(string image, string repository, string tag, CancellationToken cancellationToken = default) =>
        engine.CallAsync(
            (c, ct) => c.Images.TagImageAsync(image, new Models.ImageTagParameters { RepositoryName = repository, Tag = tag }, ct),
            DockerResource.Image,
            idempotent: false,
            cancellationToken);

    public async Task<ImageInspection> InspectAsync(string image, CancellationToken cancellationToken = default)
    {
        var r = await engine.CallAsync((c, ct) => c.Images.InspectImageAsync(image, ct), DockerResource.Image, idempotent: true, cancellationToken);
        return new ImageInspection(
            r.ID,
            [.. r.RepoTags ?? []],
            [.. r.RepoDigests ?? []],
            r.Size,
            r.Created,
            new Dictionary<string, string>(r.Config?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal));
    }

    public async Task<string?> PushAsync(
        string repository, string tag, RegistryCredentials? credentials = null, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var reader = new TransferOutput($"{repository}:{tag}", progress);
        await engine.CallAsync(
            (c, ct) => c.Images.PushImageAsync(repository, new Models.ImagePushParameters { Tag = tag }, Auth(credentials), reader, ct),
            DockerResource.Image,
            idempotent: false,
            cancellationToken);
        reader.ThrowIfFailed();
        return reader.Digest;
    }

    public async Task PullAsync(
        string repository, string tag, RegistryCredentials? credentials = null, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var reader = new TransferOutput($"{repository}:{tag}", progress);
        await engine.CallAsync(
            (c, ct) => c.Images.CreateImageAsync(new Models.ImagesCreateParameters { FromImage = repository, Tag = tag }, Auth(credentials), reader, ct),
            DockerResource.Image,
            idempotent: false,
            cancellationToken);
        reader.ThrowIfFailed();
    }

    public Task RemoveAsync(string image, bool force = false, bool keepParents = false, CancellationToken cancellationToken = default) =>
        engine.CallAsync(
            (c, ct) => c.Images.DeleteImageAsync(image, new Models.ImageDeleteParameters { Force = force, NoPrune = keepParents ? true : null }, ct), DockerResource.Image, idempotent: true, cancellationToken);

    public async Task<IReadOnlyList<ImageSummary>> ListAsync(string? label = null, CancellationToken cancellationToken = default)
    {
        var parameters = new Models.ImagesListParameters { All = true, Filters = ContainerOperations.LabelFilter(label) };
        var list = await engine.CallAsync((c, ct) => c.Images.ListImagesAsync(parameters, ct), DockerResource.None, idempotent: true, cancellationToken);
        return list
            .Select(i => new ImageSummary(i.ID, [.. i.RepoTags ?? []], i.Size, new Dictionary<string, string>(i.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)))
            .ToList();
    }

    /// <summary>Docker.DotNet sends <c>{}</c> without credentials (the daemon wants the header anyway).</summary>
    private static Models.AuthConfig? Auth(RegistryCredentials? credentials) =>
        credentials is null
            ? null
            : new Models.AuthConfig { Username = credentials.Username, Password = credentials.Password, ServerAddress = credentials.ServerAddress };

    /// <summary>
    /// A string member of <c>aux</c> (the image ID of a build, the digest of a push). Docker.DotNet leaves aux
    /// as extension data: JSON elements.
    /// </summary>
    internal static string? AuxString(Models.JSONMessage message, string name) =>
        message.Aux?.ExtensionData is { } data && data.TryGetValue(name, out var value)
            ? value switch
            {
                JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
                string s => s,
                _ => null,
            }
            : null;
}

/// <summary>
/// Follows a classic-builder build as Docker.DotNet hands its messages over: which step runs, which came from the
/// cache, the image ID, and the first error with the step it happened in.
/// </summary>
internal sealed class BuildOutput(IProgress<BuildProgress>? progress) : IProgress<Models.JSONMessage>
{
    private const string StepPrefix = "Step ";

    private string? _step;
    private string? _imageId;
    private DockerBuildFailedException? _failure;
    private int _steps;
    private int _cached;

    public void Report(Models.JSONMessage value)
    {
        if (_failure is not null)
        {
            return;
        }

        if (value.Error is { } error)
        {
            _failure = new DockerBuildFailedException(_step, error.Message is { Length: > 0 } m ? m : "unknown error");
            return;
        }

        if (ImageOperations.AuxString(value, "ID") is { Length: > 0 } id)
        {
            _imageId = id;
            return;
        }

        var trimmed = (value.Stream ?? string.Empty).TrimEnd('\n', '\r');
        if (trimmed.Length == 0)
        {
            return;
        }

        var hit = false;
        if (trimmed.StartsWith(StepPrefix, StringComparison.Ordinal))
        {
            _step = trimmed;
            _steps++;
        }
        else if (trimmed.Contains("---> Using cache", StringComparison.Ordinal))
        {
            hit = true;
            _cached++;
        }
        else if (trimmed.StartsWith("Successfully built ", StringComparison.Ordinal) && _imageId is null)
        {
            _imageId = trimmed["Successfully built ".Length..].Trim();
        }

        progress?.Report(new BuildProgress(trimmed, _step, hit));
    }

    public ImageBuildResult Result(IReadOnlyList<string> tags)
    {
        if (_failure is not null)
        {
            throw _failure;
        }

        return _imageId is null
            ? throw new DockerBuildFailedException(_step, "the daemon ended the build without an image ID")
            : new ImageBuildResult(_imageId, tags, _steps, _cached);
    }
}

/// <summary>Pull or push progress: status lines reported, the pushed digest kept, an error line turned into an exception.</summary>
internal sealed class TransferOutput(string image, IProgress<TransferProgress>? progress) : IProgress<Models.JSONMessage>
{
    private DockerApiException? _failure;

    public string? Digest { get; private set; }

    public void Report(Models.JSONMessage value)
    {
        if (value.Error is { } error)
        {
            var message = error.Message is { Length: > 0 } m ? m : "unknown error";
            _failure ??= message.Contains("not found", StringComparison.OrdinalIgnoreCase) || message.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase)
                ? new DockerImageNotFoundException($"{image}: {message}")
                : new DockerApiException(System.Net.HttpStatusCode.OK, $"{image}: {message}");
            return;
        }

        if (ImageOperations.AuxString(value, "Digest") is { Length: > 0 } d)
        {
            Digest = d;
        }

        if (value.Status is { Length: > 0 } status)
        {
            progress?.Report(new TransferProgress(status, value.ID is { Length: > 0 } id ? id : null, Bytes(value.Progress)));
        }
    }

    /// <summary>"current/total" bytes of a layer, as far as the daemon says.</summary>
    private static string? Bytes(Models.JSONProgress? p) =>
        p?.Current is { } current
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{current}/{(p.Total is { } total ? total.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")}")
            : null;

    public void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw _failure;
        }
    }
}
