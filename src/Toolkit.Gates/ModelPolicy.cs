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

/// <summary>
/// How the model is served and what a deployment must show before its stage counts as deployed
/// (<c>serving:</c> in model.yaml; docs/model-policy.md).
/// </summary>
public sealed record ServingPolicy
{
    /// <summary>The default stage ports: dev 8081, preprod 8082, prod 8083.</summary>
    public static IReadOnlyDictionary<string, int> DefaultPorts { get; } =
        new Dictionary<string, int>(StringComparer.Ordinal) { ["dev"] = 8081, ["preprod"] = 8082, ["prod"] = 8083 };

    /// <summary>The port of <c>mlops serve</c> when none is given.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Rows one request may carry; more get 413.</summary>
    public int MaxBatch { get; init; } = 1000;

    /// <summary>The port each stage's deployment listens on.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; init; } = DefaultPorts;

    public ServiceLevelObjective Slo { get; init; } = new();

    public LoadTestPolicy LoadTest { get; init; } = new();

    public PredictionLogPolicy PredictionLog { get; init; } = new();

    /// <summary>Held-out rows stored with each version at registration and replayed against every deployment.</summary>
    public int SmokeRows { get; init; } = 20;

    /// <summary>The port of <paramref name="stage"/>'s deployment.</summary>
    public int PortOf(string stage) =>
        Ports.TryGetValue(stage, out var port) ? port
        : DefaultPorts.TryGetValue(stage, out var fallback) ? fallback
        : throw new ArgumentException($"unknown stage '{stage}'", nameof(stage));

    public bool Equals(ServingPolicy? other) =>
        other is not null && Port == other.Port && MaxBatch == other.MaxBatch && SmokeRows == other.SmokeRows
        && Slo == other.Slo && LoadTest == other.LoadTest && PredictionLog == other.PredictionLog
        && Ports.Count == other.Ports.Count && Ports.All(p => other.Ports.TryGetValue(p.Key, out var v) && v == p.Value);

    public override int GetHashCode() => HashCode.Combine(Port, MaxBatch, SmokeRows, Slo, LoadTest, PredictionLog);
}

/// <summary>What the load test of a deployment must reach; a miss fails the deploy like a gate (exit 3). Null: not checked.</summary>
public sealed record ServiceLevelObjective
{
    public double? P99Ms { get; init; }

    public double? MinRps { get; init; }

    public double? MaxErrorRate { get; init; }
}

/// <summary>How a deployment is load-tested: bounded in time, with this many connections and rows per request.</summary>
public sealed record LoadTestPolicy
{
    public double DurationSeconds { get; init; } = 5;

    public int Concurrency { get; init; } = 8;

    public int Rows { get; init; } = 1;
}

/// <summary>The share of request rows a server appends to its prediction log (for monitoring), and the log's bounds.</summary>
public sealed record PredictionLogPolicy
{
    /// <summary>0 turns the log off; 1 logs every row.</summary>
    public double SampleRate { get; init; } = 0.1;

    /// <summary>A log file is rotated when it reaches this size.</summary>
    public int MaxMb { get; init; } = 16;

    /// <summary>Rotated files kept besides the current one.</summary>
    public int Files { get; init; } = 5;
}

/// <summary>
/// How live data is judged against the version's reference profile (<c>monitoring:</c> in model.yaml;
/// docs/model-policy.md). The defaults are the drift defaults of docs/monitoring.md.
/// </summary>
public sealed record MonitoringPolicy
{
    /// <summary>Up to <see cref="SmallSampleRows"/> live rows a numeric feature drifts when the KS p-value is below this.</summary>
    public double KsPValue { get; init; } = 0.05;

    /// <summary>Above this many live rows the KS test is too sensitive; the normalized Wasserstein distance decides instead.</summary>
    public int SmallSampleRows { get; init; } = 1000;

    /// <summary>Wasserstein-1 divided by the reference std above which a numeric feature drifts (large samples).</summary>
    public double WassersteinNorm { get; init; } = 0.1;

    /// <summary>PSI above which a feature drifts.</summary>
    public double Psi { get; init; } = 0.2;

    /// <summary>The data set drifts when at least this share of the features drift.</summary>
    public double DatasetShare { get; init; } = 0.5;

    /// <summary>How far the primary metric may fall below the registered one on labelled live rows before it is a degradation.</summary>
    public double MaxDrop { get; init; } = 0.05;

    /// <summary>The size of the per-feature sample a reference profile keeps (for KS and Wasserstein).</summary>
    public int ReferenceSample { get; init; } = 5000;
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

    /// <summary>
    /// <c>model.signature_required</c>: promotion refuses a version that is not signed, or whose signature
    /// does not verify with <c>TOOLKIT_VERIFY_KEY</c>.
    /// </summary>
    public bool SignatureRequired { get; init; }

    public required string PrimaryMetric { get; init; }

    public IReadOnlyList<ThresholdRule> Thresholds { get; init; } = [];

    public IReadOnlyList<RegressionRule> Regression { get; init; } = [];

    public DataGate Data { get; init; } = new();

    public ModelGate Model { get; init; } = new();

    public IReadOnlyDictionary<string, StagePolicy> Stages { get; init; } = new Dictionary<string, StagePolicy>();

    public ServingPolicy? Serving { get; init; }

    /// <summary>The <c>monitoring:</c> section, or its defaults when the file has none.</summary>
    public MonitoringPolicy Monitoring { get; init; } = new();

    /// <summary>
    /// The line of <see cref="Source"/> that holds each threshold and regression rule, by the name of the
    /// gate check it becomes (<c>threshold:auc</c>, <c>regression:log_loss</c>): where a report points at a failure.
    /// </summary>
    public IReadOnlyDictionary<string, int> CheckLines { get; init; } = new Dictionary<string, int>();

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

        return new ModelPolicyReader(path, fromFile: true).ReadFile(path);
    }

    /// <summary>Parses policy text; <paramref name="sourceName"/> names it in messages.</summary>
    public static ModelPolicy Parse(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        return new ModelPolicyReader(sourceName).Read(yaml);
    }
}
