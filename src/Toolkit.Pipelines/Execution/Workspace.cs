using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Execution;

/// <summary>
/// Where a project keeps its state (default <c>.toolkit/</c>): the artifact store, the metadata
/// database, and one folder per run with each step's log.
/// </summary>
public sealed class Workspace : IAsyncDisposable
{
    private Workspace(string root, ArtifactStore artifacts, MetadataStore metadata)
    {
        Root = root;
        Artifacts = artifacts;
        Metadata = metadata;
    }

    public string Root { get; }

    public ArtifactStore Artifacts { get; }

    public MetadataStore Metadata { get; }

    public string RunsDirectory => Path.Combine(Root, "runs");

    public string RunDirectory(string runId) => Path.Combine(RunsDirectory, runId);

    public static async Task<Workspace> OpenAsync(string root, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var full = Path.GetFullPath(root);
        Directory.CreateDirectory(full);
        var artifacts = new ArtifactStore(Path.Combine(full, "artifacts"), time);
        artifacts.SweepAbandonedTemps(); // an import killed mid-copy leaves its temp; the next command removes it
        var metadata = await MetadataStore.OpenAsync(Path.Combine(full, "metadata.db"), time, cancellationToken: cancellationToken);
        return new Workspace(full, artifacts, metadata);
    }

    public ValueTask DisposeAsync() => Metadata.DisposeAsync();
}
