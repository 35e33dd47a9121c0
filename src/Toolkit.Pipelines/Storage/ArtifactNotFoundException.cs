namespace Toolkit.Pipelines.Storage;

/// <summary>An artifact digest that the store does not hold (never imported, or garbage collected).</summary>
public sealed class ArtifactNotFoundException : Exception
{
    public ArtifactNotFoundException()
    {
    }

    public ArtifactNotFoundException(string message)
        : base(message)
    {
    }

    public ArtifactNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ArtifactNotFoundException(string digest, string root)
        : base($"artifact {digest} is not in the store at {root} (never imported, or removed by gc)")
    {
        Digest = digest;
    }

    public string? Digest { get; }
}
