using Toolkit.Ml.Models;

namespace Toolkit.Serving;

/// <summary>The model a server answers for: loaded once, with the name and version clients address it by.</summary>
public sealed record ServedModel
{
    public required IScoringModel Model { get; init; }

    public required string Name { get; init; }

    /// <summary>The registry version; null for a model served straight from a file.</summary>
    public int? Version { get; init; }

    /// <summary>The model file's digest (sha256:…), as the registry records it.</summary>
    public string Digest => Model.Digest ?? "";
}

/// <summary>Where a server listens and how much one request may ask of it.</summary>
public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (see <see cref="ModelServer.Url"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Larger bodies get 413.</summary>
    public long MaxBodyBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>More rows in one request get 413.</summary>
    public int MaxRows { get; init; } = 100_000;

    /// <summary>The sampled prediction log for monitoring; null: none.</summary>
    public PredictionLogOptions? PredictionLog { get; init; }
}

/// <summary>A request the server refuses: the status (400, 404, 413) and a message naming the field.</summary>
internal sealed class RequestException : Exception
{
    public RequestException(int status, string message)
        : base(message)
    {
        Status = status;
    }

    public RequestException()
    {
    }

    public RequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Status { get; } = 400;
}
