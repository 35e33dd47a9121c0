namespace Toolkit.Monitoring.Triggers;

/// <summary>What a version was trained on, as recorded: a content digest and where that record comes from.</summary>
/// <param name="Digest">A <see cref="DataFingerprint"/> digest (<c>sha256:…</c>).</param>
/// <param name="Source">Where the digest was read, for people (e.g. "run 20261201-… step ingest (data/load-csv)").</param>
/// <param name="Path">The file the run read, relative to the project, when the run names one.</param>
internal sealed record TrainedData(string Digest, string Source, string? Path);

/// <summary>The answer of <c>mlops trigger check</c>.</summary>
internal sealed record TrainingDataVerdict
{
    public required string Model { get; init; }

    public required string Stage { get; init; }

    public required int Version { get; init; }

    public required TrainedData Trained { get; init; }

    public required DataFingerprint Current { get; init; }

    public bool Changed => !string.Equals(Trained.Digest, Current.Digest, StringComparison.Ordinal);

    public string Reason => Changed
        ? $"new data: {Current.Path} ({Short(Current.Digest)}, {Current.Rows} rows) is not what {Model} v{Version} in {Stage} was trained on ({Short(Trained.Digest)})"
        : $"no new data: {Current.Path} is what {Model} v{Version} in {Stage} was trained on";

    private static string Short(string digest) => digest.Length <= 19 ? digest : digest[..19] + "…";
}
