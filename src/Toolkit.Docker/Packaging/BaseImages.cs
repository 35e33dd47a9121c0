using Toolkit.Docker.Images;
using Toolkit.Pipelines.Project;

namespace Toolkit.Docker.Packaging;

/// <summary>The base image is missing and cannot be had; the message says how to build it or what to set instead.</summary>
public sealed class BaseImageMissingException : Exception
{
    public BaseImageMissingException(string message)
        : base(message)
    {
    }

    public BaseImageMissingException()
    {
    }

    public BaseImageMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The images the components image builds FROM (<c>images.base</c> in toolkit.yaml, or <c>--base</c>): the one made
/// locally with no registry (the offline default), or the official .NET runtime image where images can be pulled.
/// </summary>
public static class BaseImages
{
    /// <summary>Made here by docker/base/make-base.sh (debootstrap + docker import): nothing is pulled.</summary>
    public const string Local = ProjectSettings.DefaultBaseImage;

    /// <summary>The official runtime image, for machines that can pull (GitHub runners, a laptop).</summary>
    public const string Official = "mcr.microsoft.com/dotnet/aspnet:10.0";

    /// <summary>How to build the local base; debootstrap needs root.</summary>
    public const string BuildHint = "build it with `sudo bash docker/base/make-base.sh` or `./build.sh --target=Images.Base`";

    /// <summary>An image of the local base's repository (any tag): made, never pulled.</summary>
    public static bool IsLocal(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        return image.StartsWith(Local[..(Local.IndexOf(':', StringComparison.Ordinal) + 1)], StringComparison.Ordinal);
    }

    /// <summary>The one-line message for a missing local base.</summary>
    public static string MissingLocalMessage(string image) => $"the base image {image} is missing: {BuildHint}.";

    /// <summary><c>repository</c> and tag (or digest) of an image reference; the tag defaults to <c>latest</c>.</summary>
    public static (string Repository, string Tag) Split(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return (image[..at], image[(at + 1)..]);
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>
    /// Makes sure <paramref name="image"/> is here before a build: present → nothing to do; the local base missing →
    /// says how to build it (never runs debootstrap); another image missing → pulls it, or says it could not.
    /// </summary>
    public static async Task EnsureAsync(IDockerClient docker, string image, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(docker);
        try
        {
            await docker.Images.InspectAsync(image, cancellationToken);
            return;
        }
        catch (DockerImageNotFoundException)
        {
            if (IsLocal(image))
            {
                throw new BaseImageMissingException(MissingLocalMessage(image));
            }
        }

        var (repository, tag) = Split(image);
        try
        {
            await docker.Images.PullAsync(repository, tag, null, progress, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new BaseImageMissingException(
                $"the base image {image} is not here and could not be pulled ({ex.Message}); set images.base in toolkit.yaml (or --base) " +
                $"to an image that exists, e.g. {Local} ({BuildHint}) or {Official} where images can be pulled.",
                ex);
        }
    }
}
