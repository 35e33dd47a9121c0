using Toolkit.Ml.Training;

namespace Toolkit.Gates;

/// <summary>A minimum (or maximum) a candidate's metric must meet: <c>auc &gt;= 0.80</c>.</summary>
public sealed record ThresholdRule(string Metric, string Op, double Value)
{
    /// <summary>The operators a threshold may use.</summary>
    public static IReadOnlyList<string> Operators { get; } = [">=", ">", "<=", "<"];

    public bool Holds(double value) => Op switch
    {
        ">=" => value >= Value,
        ">" => value > Value,
        "<=" => value <= Value,
        "<" => value < Value,
        _ => throw new InvalidOperationException($"Unknown operator '{Op}'."),
    };
}

/// <summary>
/// How much worse than the version in prod a candidate may be on one metric. <see cref="Key"/> is the
/// policy's word for it (<c>max_drop</c>, <c>max_drop_relative</c>, <c>max_increase</c>,
/// <c>max_increase_relative</c>); relative tolerances are fractions of the champion's value.
/// </summary>
public sealed record RegressionRule(string Metric, string Key, double Tolerance)
{
    public static IReadOnlyList<string> Keys { get; } = ["max_drop", "max_drop_relative", "max_increase", "max_increase_relative"];

    public bool Relative => Key.EndsWith("_relative", StringComparison.Ordinal);
}

/// <summary>Limits on the training data, checked against the <c>data/validate</c> report.</summary>
public sealed record DataGate
{
    public int? MinRows { get; init; }

    public double? MaxNullFraction { get; init; }

    public double? MinClassFraction { get; init; }
}

/// <summary>How a candidate's input signature must relate to the version in prod's.</summary>
public enum SignatureRule
{
    /// <summary>Every input the champion takes exists with the same kind; no new inputs; categories may grow.</summary>
    Compatible,

    /// <summary>The same columns, types and categories.</summary>
    Identical,

    /// <summary>Not checked.</summary>
    Off,
}

/// <summary>Limits on the model file itself.</summary>
public sealed record ModelGate
{
    public double? MaxSizeMb { get; init; }

    public SignatureRule Signature { get; init; } = SignatureRule.Compatible;
}

/// <summary>What promotion to a stage needs: a number of recorded approvals, optionally from named approvers.</summary>
public sealed record StagePolicy(int Approvals, IReadOnlyList<string> Approvers);

/// <summary>Serving settings for the model's container.</summary>
public sealed record ServingPolicy
{
    public int Port { get; init; } = 8080;

    public int MaxBatch { get; init; } = 1000;
}

/// <summary>
/// A model's policy (<c>models/&lt;name&gt;/model.yaml</c>): what the model is, which pipeline builds it,
/// the gates a candidate must pass, and what each stage needs. See docs/model-policy.md.
/// </summary>
public sealed record ModelPolicy
{
    public const string ApiVersion = "toolkit/v1";
    public const string Kind = "Model";

    /// <summary>The stages a policy may configure, in promotion order.</summary>
    public static IReadOnlyList<string> StageNames { get; } = ["dev", "preprod", "prod"];

    /// <summary>The file the policy was read from (for messages).</summary>
    public required string Source { get; init; }

    public required string Name { get; init; }

    public required ModelTask Task { get; init; }

    public string? Description { get; init; }

    public string? Pipeline { get; init; }

    public required string PrimaryMetric { get; init; }

    public IReadOnlyList<ThresholdRule> Thresholds { get; init; } = [];

    public IReadOnlyList<RegressionRule> Regression { get; init; } = [];

    public DataGate Data { get; init; } = new();

    public ModelGate Model { get; init; } = new();

    public IReadOnlyDictionary<string, StagePolicy> Stages { get; init; } = new Dictionary<string, StagePolicy>();

    public ServingPolicy? Serving { get; init; }

    /// <summary>What promotion to <paramref name="stage"/> needs; a stage the policy does not list needs no approval.</summary>
    public StagePolicy Stage(string stage) =>
        Stages.TryGetValue(stage, out var s) ? s : new StagePolicy(0, []);

    /// <summary>Reads and validates a policy file; every problem is reported at once in a <see cref="ModelPolicyException"/>.</summary>
    public static ModelPolicy Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model policy '{path}' does not exist.", path);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses policy text; <paramref name="sourceName"/> names it in messages.</summary>
    public static ModelPolicy Parse(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        return new ModelPolicyReader(sourceName).Read(yaml);
    }
}
