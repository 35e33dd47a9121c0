using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Toolkit.Docker.Http;

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

    /// <summary>Removes a local image (or one of its names).</summary>
    Task RemoveAsync(string image, bool force = false, CancellationToken cancellationToken = default);

    /// <summary>Local images, all layers included, optionally only those with a label <c>key=value</c> (or <c>key</c>).</summary>
    Task<IReadOnlyList<ImageSummary>> ListAsync(string? label = null, CancellationToken cancellationToken = default);
}

internal sealed class ImageOperations(DockerConnection connection) : IImageOperations
{
    private const string StepPrefix = "Step ";

    public async Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, IProgress<BuildProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!File.Exists(Path.Combine(request.ContextDirectory, request.Dockerfile)))
        {
            throw new FileNotFoundException($"no Dockerfile at '{Path.Combine(request.ContextDirectory, request.Dockerfile)}'.");
        }

        // The context goes through a temporary file: its length is known, and a retry could resend it.
        var tarPath = Path.GetTempFileName();
        await using var tar = new FileStream(tarPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await BuildContext.WriteAsync(request.ContextDirectory, request.Dockerfile, tar, cancellationToken);
        tar.Position = 0;

        var query = new StringBuilder("build?rm=true&forcerm=true&dockerfile=").Append(Uri.EscapeDataString(request.Dockerfile));
        foreach (var tag in request.Tags)
        {
            query.Append("&t=").Append(Uri.EscapeDataString(tag));
        }

        if (request.BuildArgs.Count > 0)
        {
            query.Append("&buildargs=").Append(Uri.EscapeDataString(JsonSerializer.Serialize(request.BuildArgs)));
        }

        if (request.Labels.Count > 0)
        {
            query.Append("&labels=").Append(Uri.EscapeDataString(JsonSerializer.Serialize(request.Labels)));
        }

        if (request.NoCache)
        {
            query.Append("&nocache=true");
        }

        using var content = new StreamContent(tar);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var response = await connection.SendStreamingAsync(HttpMethod.Post, query.ToString(), content, DockerResource.Image, null, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);

        string? step = null;
        string? imageId = null;
        int steps = 0, cached = 0;
        await foreach (var line in DockerConnection.ReadJsonLinesAsync(stream, cancellationToken))
        {
            if (line.TryGetProperty("error", out var error))
            {
                var detail = line.TryGetProperty("errorDetail", out var d) ? d.Str("message") : string.Empty;
                throw new DockerBuildFailedException(step, detail.Length > 0 ? detail : error.GetString() ?? "unknown error");
            }

            if (line.TryGetProperty("aux", out var aux) && aux.Str("ID") is { Length: > 0 } id)
            {
                imageId = id;
                continue;
            }

            var text = line.Str("stream");
            if (text.Length == 0)
            {
                continue;
            }

            var trimmed = text.TrimEnd('\n', '\r');
            if (trimmed.Length == 0)
            {
                continue;
            }

            var hit = false;
            if (trimmed.StartsWith(StepPrefix, StringComparison.Ordinal))
            {
                step = trimmed;
                steps++;
            }
            else if (trimmed.Contains("---> Using cache", StringComparison.Ordinal))
            {
                hit = true;
                cached++;
            }
            else if (trimmed.StartsWith("Successfully built ", StringComparison.Ordinal) && imageId is null)
            {
                imageId = trimmed["Successfully built ".Length..].Trim();
            }

            progress?.Report(new BuildProgress(trimmed, step, hit));
        }

        if (imageId is null)
        {
            throw new DockerBuildFailedException(step, "the daemon ended the build without an image ID");
        }

        return new ImageBuildResult(imageId, request.Tags, steps, cached);
    }

    public async Task TagAsync(string image, string repository, string tag, CancellationToken cancellationToken = default)
    {
        var path = $"images/{image}/tag?repo={Uri.EscapeDataString(repository)}&tag={Uri.EscapeDataString(tag)}";
        using var _ = await connection.SendJsonAsync(HttpMethod.Post, path, null, DockerResource.Image, cancellationToken);
    }

    public async Task<ImageInspection> InspectAsync(string image, CancellationToken cancellationToken = default)
    {
        using var doc = await connection.SendJsonAsync(HttpMethod.Get, $"images/{image}/json", null, DockerResource.Image, cancellationToken)
            ?? throw new DockerApiException($"Docker returned nothing for image '{image}'.");
        var r = doc.RootElement;
        var labels = r.TryGetProperty("Config", out var config) ? config.Map("Labels") : new Dictionary<string, string>();
        return new ImageInspection(r.Str("Id"), r.Strings("RepoTags"), r.Strings("RepoDigests"), r.Long("Size"), r.Str("Created"), labels);
    }

    public async Task<string?> PushAsync(
        string repository, string tag, RegistryCredentials? credentials = null, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var path = $"images/{repository}/push?tag={Uri.EscapeDataString(tag)}";
        using var response = await connection.SendStreamingAsync(HttpMethod.Post, path, null, DockerResource.Image, AuthHeader(credentials), cancellationToken);
        return await ReadTransferAsync(response, $"{repository}:{tag}", progress, cancellationToken);
    }

    public async Task PullAsync(
        string repository, string tag, RegistryCredentials? credentials = null, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var path = $"images/create?fromImage={Uri.EscapeDataString(repository)}&tag={Uri.EscapeDataString(tag)}";
        using var response = await connection.SendStreamingAsync(HttpMethod.Post, path, null, DockerResource.Image, AuthHeader(credentials), cancellationToken);
        await ReadTransferAsync(response, $"{repository}:{tag}", progress, cancellationToken);
    }

    public async Task RemoveAsync(string image, bool force = false, CancellationToken cancellationToken = default)
    {
        using var _ = await connection.SendJsonAsync(
            HttpMethod.Delete, $"images/{image}?force={(force ? "true" : "false")}", null, DockerResource.Image, cancellationToken);
    }

    public async Task<IReadOnlyList<ImageSummary>> ListAsync(string? label = null, CancellationToken cancellationToken = default)
    {
        var path = "images/json?all=true";
        if (label is not null)
        {
            path += "&filters=" + Uri.EscapeDataString(JsonSerializer.Serialize(new Dictionary<string, string[]> { ["label"] = [label] }));
        }

        using var doc = await connection.SendJsonAsync(HttpMethod.Get, path, null, DockerResource.None, cancellationToken);
        return doc is null
            ? []
            : doc.RootElement.EnumerateArray().Select(i => new ImageSummary(i.Str("Id"), i.Strings("RepoTags"), i.Long("Size"), i.Map("Labels"))).ToList();
    }

    /// <summary>The daemon wants the header even without credentials (as <c>{}</c>); base64url of the JSON otherwise.</summary>
    internal static Dictionary<string, string> AuthHeader(RegistryCredentials? credentials)
    {
        var json = credentials is null
            ? "{}"
            : JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["username"] = credentials.Username,
                ["password"] = credentials.Password,
                ["serveraddress"] = credentials.ServerAddress,
            });
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).Replace('+', '-').Replace('/', '_');
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["X-Registry-Auth"] = encoded };
    }

    private static async Task<string?> ReadTransferAsync(
        HttpResponseMessage response, string image, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        string? digest = null;
        await foreach (var line in DockerConnection.ReadJsonLinesAsync(stream, cancellationToken))
        {
            if (line.TryGetProperty("error", out var error))
            {
                var message = error.GetString() ?? "unknown error";
                if (message.Contains("not found", StringComparison.OrdinalIgnoreCase) || message.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase))
                {
                    throw new DockerImageNotFoundException($"{image}: {message}");
                }

                throw new DockerApiException(System.Net.HttpStatusCode.OK, $"{image}: {message}", line.GetRawText());
            }

            if (line.TryGetProperty("aux", out var aux) && aux.Str("Digest") is { Length: > 0 } d)
            {
                digest = d;
            }

            var status = line.Str("status");
            if (status.Length > 0)
            {
                progress?.Report(new TransferProgress(status, line.Str("id") is { Length: > 0 } id ? id : null, line.Str("progress") is { Length: > 0 } p ? p : null));
            }
        }

        return digest;
    }
}
