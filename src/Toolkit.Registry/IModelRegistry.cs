using Toolkit.Ml.Models;

namespace Toolkit.Registry;

/// <summary>
/// Where model versions live: the embedded registry (SQLite + content-addressed files) by default,
/// MLflow's registry when configured. Registration rules (<see cref="RegistrationService"/>) and promotion
/// rules (the promotion service) sit above this interface; a backend only stores and moves aliases atomically.
/// </summary>
public interface IModelRegistry : IAsyncDisposable
{
    /// <summary><c>embedded</c> or <c>mlflow</c>.</summary>
    string Backend { get; }

    /// <summary>
    /// Stores a registration that passed the rules as a new version, or returns the existing version with
    /// the same digest (idempotent). Concurrent registrations from several processes each get a distinct
    /// version. Callers register through <see cref="RegistrationService.RegisterAsync"/>, which applies the
    /// rules (name, file, data digest, actor, card) once for every backend.
    /// </summary>
    Task<RegisterResult> StoreVersionAsync(VerifiedRegistration registration, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken cancellationToken = default);

    Task<RegisteredModel?> GetModelAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>All versions, oldest first.</summary>
    Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken cancellationToken = default);

    Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken cancellationToken = default);

    /// <summary>The version holding <paramref name="alias"/> (a stage), or null.</summary>
    Task<ModelVersion?> GetByAliasAsync(string model, string alias, CancellationToken cancellationToken = default);

    /// <summary>Points <paramref name="alias"/> at <paramref name="version"/> and appends the audit event, atomically.</summary>
    Task SetAliasAsync(string model, string alias, int version, AuditAction action, AuditInfo audit, CancellationToken cancellationToken = default);

    /// <summary>The audit log: every register, promote, rollback, deploy and undeploy, oldest first.</summary>
    Task<IReadOnlyList<AuditEvent>> HistoryAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends a <see cref="AuditAction.Deploy"/> or <see cref="AuditAction.Undeploy"/> event for
    /// <paramref name="version"/> serving <paramref name="stage"/>; no alias moves.
    /// </summary>
    Task AppendDeploymentEventAsync(string model, int version, string stage, AuditAction action, AuditInfo audit, CancellationToken cancellationToken = default);

    /// <summary>Copies the version's model file to <paramref name="destinationPath"/> (digest checked).</summary>
    Task DownloadModelAsync(string model, int version, string destinationPath, CancellationToken cancellationToken = default);

    /// <summary>The version's model card (Markdown), or null.</summary>
    Task<string?> GetModelCardAsync(string model, int version, CancellationToken cancellationToken = default);

    /// <summary>The version's gate report (JSON), or null.</summary>
    Task<string?> GetGateReportAsync(string model, int version, CancellationToken cancellationToken = default);

    /// <summary>
    /// The version's smoke sample (held-out rows and the model's own answers, taken at registration), or null
    /// when it was registered without one. A deployment must answer these rows identically.
    /// </summary>
    Task<SmokeSample?> GetSmokeSampleAsync(string model, int version, CancellationToken cancellationToken = default);

    /// <summary>Records <paramref name="signature"/> as the version's signature (replacing an earlier one); read back as <see cref="ModelVersion.Signature"/>.</summary>
    Task SetSignatureAsync(string model, int version, Signing.VersionSignature signature, CancellationToken cancellationToken = default);
}

/// <summary>A pipeline run's parameters and metrics, for the experiment tracking of a backend.</summary>
public sealed record TrackedRun
{
    public required string RunId { get; init; }

    public required string Pipeline { get; init; }

    public required string Status { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Metrics by name (step-qualified, e.g. <c>evaluate.auc</c>).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>Records pipeline runs in a tracking backend (MLflow runs; the embedded store keeps its own).</summary>
public interface IRunTracker
{
    /// <summary>Records the run; returns the backend's id for it (e.g. the MLflow run id).</summary>
    Task<string> TrackAsync(TrackedRun run, CancellationToken cancellationToken = default);
}
