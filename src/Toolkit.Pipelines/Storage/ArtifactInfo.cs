namespace Toolkit.Pipelines.Storage;

/// <summary>An artifact held by the <see cref="ArtifactStore"/>: its digest (<c>sha256:&lt;64 hex&gt;</c>) and size in bytes.</summary>
public sealed record ArtifactInfo(string Digest, long Size);

/// <summary>What a garbage collection removed (or would remove, in a dry run) and kept.</summary>
/// <param name="Removed">Unreferenced artifacts plus stale temp files removed.</param>
/// <param name="BytesFreed">Bytes of the removed files.</param>
/// <param name="Kept">Referenced artifacts left in place.</param>
public sealed record GcResult(int Removed, long BytesFreed, int Kept);
