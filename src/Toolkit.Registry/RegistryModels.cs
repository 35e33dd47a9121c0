namespace Toolkit.Registry;

/// <summary>The stages a model version moves through, in order. Stages are aliases on versions.</summary>
public static class Stages
{
    public const string Dev = "dev";
    public const string Preprod = "preprod";
    public const string Prod = "prod";

    public static IReadOnlyList<string> Ordered { get; } = [Dev, Preprod, Prod];

    /// <summary>The stage a version must hold before it may get <paramref name="stage"/>; null for the first stage.</summary>
    public static string? Previous(string stage) => stage switch
    {
        Dev => null,
        Preprod => Dev,
        Prod => Preprod,
        _ => throw new ArgumentException($"Unknown stage '{stage}'; stages are {string.Join(", ", Ordered)}.", nameof(stage)),
    };
}

/// <summary>What to register: a model file and everything known about where it came from.</summary>
public sealed record RegisterRequest
{
    /// <summary>The registered model's name (e.g. <c>diabetes</c>): lowercase letters, digits, dashes.</summary>
    public required string Model { get; init; }

    /// <summary>Path of the model file (any flavor ModelLoader reads) to register; its SHA-256 digest identifies the version.</summary>
    public required string ModelFile { get; init; }

    public string? RunId { get; init; }

    public string? Pipeline { get; init; }

    public string? DataDigest { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Whether the version passed its gates; null when no gate ran.</summary>
    public bool? GatePassed { get; init; }

    /// <summary>The gate report (JSON text), kept with the version.</summary>
    public string? GateReport { get; init; }

    public string? GitCommit { get; init; }

    public string? GitBranch { get; init; }

    /// <summary>Who registered it (a person or CI's actor).</summary>
    public string? Actor { get; init; }

    /// <summary>The model card (Markdown) stored with the version.</summary>
    public string? ModelCard { get; init; }

    /// <summary>Held-out rows and the model's own answers, stored with the version for every deployment's smoke test.</summary>
    public Toolkit.Ml.Models.SmokeSample? SmokeSample { get; init; }

    /// <summary>
    /// The reference profile monitoring compares live data with (JSON text, <c>toolkit-profile/v1</c> of
    /// Toolkit.Monitoring): the training data's features and the model's scores on the held-out rows.
    /// The registry keeps it as given; it only checks it is a JSON object with a format.
    /// </summary>
    public string? ReferenceProfile { get; init; }
}

/// <summary>One version of a registered model.</summary>
public sealed record ModelVersion
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    /// <summary>SHA-256 of the model file (<c>sha256:…</c>).</summary>
    public required string Digest { get; init; }

    /// <summary>The model file's flavor (<see cref="Toolkit.Ml.Models.ModelFlavors"/>); versions from before flavors are tkm.</summary>
    public string Flavor { get; init; } = Toolkit.Ml.Models.ModelFlavors.Tkm;

    public required DateTimeOffset CreatedAt { get; init; }

    public string? RunId { get; init; }

    public string? Pipeline { get; init; }

    public string? DataDigest { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public bool? GatePassed { get; init; }

    public string? GitCommit { get; init; }

    public string? GitBranch { get; init; }

    public string? CreatedBy { get; init; }

    /// <summary>Rows of the version's smoke sample (<see cref="IModelRegistry.GetSmokeSampleAsync"/>); 0 when it has none.</summary>
    public int SmokeRows { get; init; }

    /// <summary>The version's signature (<c>mlops model sign</c>), or null when it is unsigned.</summary>
    public Signing.VersionSignature? Signature { get; init; }
    /// <summary>Whether a reference profile is stored with the version (<see cref="IModelRegistry.GetProfileAsync"/>).</summary>
    public bool HasProfile { get; init; }

    /// <summary>The stages (aliases) this version holds now.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

/// <summary>A registered model with its latest version and current aliases.</summary>
public sealed record RegisteredModel
{
    public required string Name { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required int LatestVersion { get; init; }

    /// <summary>Alias (stage) → version.</summary>
    public IReadOnlyDictionary<string, int> Aliases { get; init; } = new Dictionary<string, int>();
}

/// <summary>The result of a registration: the version, and whether it is new (false: the same file was registered before).</summary>
public sealed record RegisterResult(ModelVersion Version, bool Created);

/// <summary>Who did something and why (recorded with every alias change).</summary>
public sealed record AuditInfo(string Actor, string? Reason)
{
    public IReadOnlyList<string> Approvals { get; init; } = [];
}

public enum AuditAction
{
    Register,
    Promote,
    Rollback,

    /// <summary>A version started serving a stage (the alias does not move).</summary>
    Deploy,

    /// <summary>A stage's deployment was stopped (the alias does not move).</summary>
    Undeploy,
}

/// <summary>One entry of a model's audit log.</summary>
public sealed record AuditEvent
{
    public required long Sequence { get; init; }

    public required string Model { get; init; }

    public required AuditAction Action { get; init; }

    public required int Version { get; init; }

    /// <summary>The stage a promotion or rollback moved (or a deployment served); null for a registration.</summary>
    public string? Stage { get; init; }

    /// <summary>The version that held the stage before; null when none did.</summary>
    public int? PreviousVersion { get; init; }

    public required string Actor { get; init; }

    public string? Reason { get; init; }

    public IReadOnlyList<string> Approvals { get; init; } = [];

    public required DateTimeOffset At { get; init; }
}

/// <summary>A registry operation refused for a reason the user can act on (unknown version, rule broken).</summary>
public sealed class RegistryException : Exception
{
    public RegistryException(string message)
        : base(message)
    {
    }

    public RegistryException()
    {
    }

    public RegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
