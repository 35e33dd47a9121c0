using System.Net;

namespace Toolkit.Docker;

/// <summary>The daemon answered with an error: the HTTP status and its message.</summary>
public class DockerApiException : Exception
{
    public DockerApiException(HttpStatusCode statusCode, string message, string? responseBody = null)
        : base(message)
    {
        StatusCode = statusCode;
        ResponseBody = responseBody;
    }

    public DockerApiException()
    {
    }

    public DockerApiException(string message)
        : base(message)
    {
    }

    public DockerApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode StatusCode { get; }

    public string? ResponseBody { get; }
}

/// <summary>No daemon answers at the endpoint; the message says how to start one or point at one.</summary>
public sealed class DockerNotReachableException : Exception
{
    public DockerNotReachableException(string endpoint, Exception? innerException = null, string? reason = null)
        : base(
            $"Docker is not reachable at {endpoint}: {reason ?? innerException?.Message ?? "no answer"}. " +
            "Start the daemon (`sudo dockerd > /tmp/dockerd.log 2>&1 &`, or `systemctl start docker`) " +
            "or point DOCKER_HOST at a running one (unix:///path/docker.sock or tcp://127.0.0.1:2375).",
            innerException)
    {
        Endpoint = endpoint;
    }

    public DockerNotReachableException()
    {
        Endpoint = string.Empty;
    }

    public DockerNotReachableException(string message)
        : base(message)
    {
        Endpoint = string.Empty;
    }

    public string Endpoint { get; }
}

/// <summary>An image (or its repository) does not exist locally or in the registry.</summary>
public sealed class DockerImageNotFoundException : DockerApiException
{
    public DockerImageNotFoundException(string message, string? responseBody = null)
        : base(HttpStatusCode.NotFound, message, responseBody)
    {
    }

    public DockerImageNotFoundException()
    {
    }

    public DockerImageNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A container does not exist (removed, or never created).</summary>
public sealed class DockerContainerNotFoundException : DockerApiException
{
    public DockerContainerNotFoundException(string message, string? responseBody = null)
        : base(HttpStatusCode.NotFound, message, responseBody)
    {
    }

    public DockerContainerNotFoundException()
    {
    }

    public DockerContainerNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An image build failed: which Dockerfile step (e.g. <c>Step 3/5 : RUN make</c>) and why.</summary>
public sealed class DockerBuildFailedException : Exception
{
    public DockerBuildFailedException(string? step, string error)
        : base(step is null ? $"image build failed: {error}" : $"image build failed at {step}: {error}")
    {
        Step = step;
        Error = error;
    }

    public DockerBuildFailedException()
    {
        Error = string.Empty;
    }

    public DockerBuildFailedException(string message)
        : base(message)
    {
        Error = message;
    }

    public DockerBuildFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = message;
    }

    /// <summary>The step line as the daemon printed it, or null when the build failed before any step.</summary>
    public string? Step { get; }

    /// <summary>The daemon's error message (e.g. "The command '/bin/sh -c false' returned a non-zero code: 1").</summary>
    public string Error { get; }
}
