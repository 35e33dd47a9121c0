namespace Toolkit.Gates;

/// <summary>The version in prod that a candidate is compared with; every part may be unknown.</summary>
public sealed record ChampionInfo
{
    public int? Version { get; init; }

    public string? Digest { get; init; }

    /// <summary>The champion's metrics (ideally on the same held-out rows as the candidate).</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>The champion's model file, for the signature check.</summary>
    public string? ModelPath { get; init; }
}

/// <summary>What a gate check judges: the evaluation, the candidate, and optionally the champion and data report.</summary>
public sealed record GateInputs
{
    public required EvaluationReport Evaluation { get; init; }

    /// <summary>The model to judge, by digest; null: the report's best.</summary>
    public string? CandidateDigest { get; init; }

    /// <summary>The candidate's model file (size and signature checks); null: model checks are skipped.</summary>
    public string? CandidateModelPath { get; init; }

    /// <summary>The version in prod; null: regression checks are skipped.</summary>
    public ChampionInfo? Champion { get; init; }

    /// <summary>The <c>data/validate</c> report; null: data checks are skipped.</summary>
    public ValidationReportData? Validation { get; init; }
}
