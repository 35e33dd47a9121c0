using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Toolkit.Ml.Models;
using Toolkit.Registry.Signing;

namespace Toolkit.Registry.Mlflow;

/// <summary>
/// The registry and run tracker on an MLflow tracking server (REST API 2.0 + artifact proxy). It only
/// stores: the registration rules ran before (<see cref="RegistrationService"/>).
/// <para>
/// Layout: the model file, card, gate report and smoke sample live in the artifact store
/// (<see cref="MlflowVersionArtifacts"/>); every field of <see cref="ModelVersion"/> is a version tag
/// (<c>toolkit.*</c>) set in the create request itself, so a version never exists without its digest
/// tag. Stages are MLflow aliases; the audit log is registered-model tags (<see cref="MlflowAuditLog"/>);
/// pipeline runs are MLflow runs (<see cref="MlflowRunTracking"/>).
/// </para>
/// <para>
/// Idempotency: before creating a version, <c>model-versions/search</c> with <c>name='&lt;model&gt;'</c>
/// lists the versions and the <c>toolkit.digest</c> tags are compared (search filters on tags are not
/// supported by every MLflow store, the name filter is). The lowest non-failed version with the digest
/// wins, so two processes racing to register the same file converge on one answer; the loser's
/// duplicate version stays in MLflow (MLflow has no conditional create).
/// </para>
/// <para>
/// Moving an alias and appending its event are two calls, not one transaction: <see cref="SetAliasAsync"/>
/// moves the alias first, then appends the event; if the append fails the alias is put back
/// (compensation). A process killed between the two leaves an alias with no matching event;
/// <see cref="VerifyAuditAsync"/> finds such stages, and gaps in a stage's chain of events.
/// </para>
/// </summary>
public sealed class MlflowRegistry : IModelRegistry, IRunTracker
{
    public const string DigestTag = "toolkit.digest";
    public const string RunIdTag = "toolkit.run_id";
    public const string PipelineTag = "toolkit.pipeline";
    public const string DataDigestTag = "toolkit.data_digest";
    public const string GatePassedTag = "toolkit.gate_passed";
    public const string GitCommitTag = "toolkit.git_commit";
    public const string GitBranchTag = "toolkit.git_branch";
    public const string CreatedByTag = "toolkit.created_by";
    public const string ParametersTag = "toolkit.parameters";
    public const string MetricsTag = "toolkit.metrics";
    public const string ModelCardTag = "toolkit.model_card";
    public const string GateReportTag = "toolkit.gate_report";
    public const string SmokeSampleTag = "toolkit.smoke_sample";
    public const string SmokeRowsTag = "toolkit.smoke_rows";
    public const string ProfileTag = "toolkit.reference_profile";
    public const string AuditTagPrefix = "toolkit.audit.";

    /// <summary>The version's signature as one tag, so key, value and time change together: <c>key_id signature signed_at</c>.</summary>
    public const string SignatureTag = "toolkit.signature";
    /// <summary>The version's model flavor; absent on versions registered before flavors (they are tkm).</summary>
    public const string FlavorTag = "toolkit.flavor";

    /// <summary>The model artifact of a tkm version (every version registered before flavors).</summary>
    public const string ModelFileName = "model.tkm";

    /// <summary>MLflow's registry tag value limit (MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH).</summary>
    internal const int MaxRegistryTagValue = 5000;

    /// <summary>MLflow's param value limit (MAX_PARAM_VAL_LENGTH, MLflow 2.x).</summary>
    internal const int MaxParamValue = 6000;

    /// <summary>Run tag value limit (5000 on older servers, 8000 on newer; the smaller is safe everywhere).</summary>
    internal const int MaxRunTagValue = 5000;

    private static readonly JsonSerializerOptions ValuesJson = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly IMlflowClient _client;
    private readonly bool _ownsClient;
    private readonly TimeProvider _time;
    private readonly MlflowAuditLog _audit;
    private readonly MlflowVersionArtifacts _artifacts;
    private readonly MlflowRunTracking _tracking;

    public MlflowRegistry(IMlflowClient client, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _time = timeProvider ?? TimeProvider.System;
        _audit = new MlflowAuditLog(client);
        _artifacts = new MlflowVersionArtifacts(client);
        _tracking = new MlflowRunTracking(client, _time);
    }

    public MlflowRegistry(MlflowClientOptions options, TimeProvider? timeProvider = null)
        : this(new MlflowClient(options, timeProvider), timeProvider)
    {
        _ownsClient = true;
    }

    public string Backend => "mlflow";

    private MlflowClientOptions Options => _client.Options;

    public async Task<RegisterResult> StoreVersionAsync(VerifiedRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var name = CheckName(registration.Model);
        var digest = registration.Digest;
        try
        {
            await _client.RegisteredModels.CreateAsync(name, [new("toolkit.managed", "true")], cancellationToken);
        }
        catch (MlflowAlreadyExistsException)
        {
            // Registered before (or concurrently by another process): fine.
        }

        var existing = await FindByDigestAsync(name, digest, cancellationToken);
        if (existing is not null)
        {
            var ready = await WaitReadyAsync(existing, cancellationToken);
            return new RegisterResult(await ToModelVersionAsync(ready, await AliasesAsync(name, cancellationToken), cancellationToken), Created: false);
        }

        var folder = MlflowVersionArtifacts.FolderOf(name, digest);
        await _artifacts.UploadAsync(folder, ModelFileNameOf(registration.Flavor), registration.Content, cancellationToken);
        var tags = new List<MlflowTag> { new(DigestTag, digest), new(FlavorTag, registration.Flavor) };
        AddTag(tags, RunIdTag, registration.RunId);
        AddTag(tags, PipelineTag, registration.Pipeline);
        AddTag(tags, DataDigestTag, registration.DataDigest);
        AddTag(tags, GatePassedTag, registration.GatePassed is { } passed ? (passed ? "true" : "false") : null);
        AddTag(tags, GitCommitTag, registration.GitCommit);
        AddTag(tags, GitBranchTag, registration.GitBranch);
        AddTag(tags, CreatedByTag, registration.Actor);
        tags.Add(new(ParametersTag, await _artifacts.SmallOrArtifactAsync(folder, "parameters.json", JsonSerializer.Serialize(registration.Parameters, ValuesJson), cancellationToken)));
        tags.Add(new(MetricsTag, await _artifacts.SmallOrArtifactAsync(folder, "metrics.json", JsonSerializer.Serialize(registration.Metrics, ValuesJson), cancellationToken)));
        if (registration.OwnCard is { } ownCard)
        {
            // The caller's card does not depend on the version number, so it goes in with the version.
            await _artifacts.UploadTextAsync(folder, MlflowVersionArtifacts.ModelCardFile, ownCard, cancellationToken);
            tags.Add(new(ModelCardTag, MlflowVersionArtifacts.ModelCardFile));
        }

        if (registration.GateReport is not null)
        {
            await _artifacts.UploadTextAsync(folder, MlflowVersionArtifacts.GateReportFile, registration.GateReport, cancellationToken);
            tags.Add(new(GateReportTag, MlflowVersionArtifacts.GateReportFile));
        }

        if (registration.SmokeSampleJson is { } smokeSample)
        {
            // Named by its content: the folder is shared by every registration of this file, and a losing
            // concurrent registration must not replace the sample the winning version's tag names.
            var smokeFile = MlflowVersionArtifacts.SmokeSampleFileOf(smokeSample);
            await _artifacts.UploadTextAsync(folder, smokeFile, smokeSample, cancellationToken);
            tags.Add(new(SmokeSampleTag, smokeFile));
            tags.Add(new(SmokeRowsTag, registration.SmokeSample!.Rows.Count.ToString(CultureInfo.InvariantCulture)));
        }

        if (registration.ProfileJson is { } profile)
        {
            // Named by its content for the same reason as the smoke sample.
            var profileFile = MlflowVersionArtifacts.ProfileFileOf(profile);
            await _artifacts.UploadTextAsync(folder, profileFile, profile, cancellationToken);
            tags.Add(new(ProfileTag, profileFile));
        }

        var runId = await _tracking.LineageRunAsync(registration, cancellationToken);
        var created = await _client.ModelVersions.CreateAsync(
            new NewModelVersion { Name = name, Source = MlflowVersionArtifacts.SourceOf(folder), RunId = runId, Tags = tags, Description = $"Registered by toolkit ({digest})." },
            cancellationToken);
        var version = await WaitReadyAsync(created, cancellationToken);

        // Another process may have registered the same file in the meantime; the lowest version wins.
        var winner = await FindByDigestAsync(name, digest, cancellationToken);
        if (winner is not null && winner.VersionNumber < version.VersionNumber)
        {
            var ready = await WaitReadyAsync(winner, cancellationToken);
            return new RegisterResult(await ToModelVersionAsync(ready, await AliasesAsync(name, cancellationToken), cancellationToken), Created: false);
        }

        var result = await ToModelVersionAsync(version, await AliasesAsync(name, cancellationToken), cancellationToken);
        if (registration.OwnCard is null)
        {
            // The default card names the version and its creation time, known only now. The file is written
            // before the tag that points at it, so a reader never follows a tag to a missing card.
            await _artifacts.UploadTextAsync(folder, MlflowVersionArtifacts.ModelCardFile, registration.ModelCardFor(result), cancellationToken);
            await _client.ModelVersions.SetTagAsync(name, version.Version, ModelCardTag, MlflowVersionArtifacts.ModelCardFile, cancellationToken);
        }

        await _audit.AppendAsync(
            name,
            seq => new AuditEvent
            {
                Sequence = seq,
                Model = name,
                Action = AuditAction.Register,
                Version = version.VersionNumber,
                Actor = registration.Actor,
                At = _time.GetUtcNow(),
            },
            cancellationToken);
        return new RegisterResult(result, Created: true);
    }

    public async Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var models = await _client.RegisteredModels.SearchAsync(cancellationToken: cancellationToken);
        return [.. models.OrderBy(m => m.Name, StringComparer.Ordinal).Select(ToRegisteredModel)];
    }

    public async Task<RegisteredModel?> GetModelAsync(string model, CancellationToken cancellationToken = default)
    {
        var rm = await TryGetModelAsync(CheckName(model), cancellationToken);
        return rm is null ? null : ToRegisteredModel(rm);
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken cancellationToken = default)
    {
        var name = CheckName(model);
        var rm = await TryGetModelAsync(name, cancellationToken);
        if (rm is null)
        {
            return [];
        }

        var aliases = rm.Aliases ?? [];
        var versions = await _client.ModelVersions.SearchAsync($"name='{name}'", cancellationToken);
        var result = new List<ModelVersion>();
        foreach (var v in versions.OrderBy(v => v.VersionNumber))
        {
            result.Add(await ToModelVersionAsync(v, aliases, cancellationToken));
        }

        return result;
    }

    public async Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken cancellationToken = default)
    {
        var name = CheckName(model);
        var mv = await TryGetVersionAsync(name, version, cancellationToken);
        return mv is null ? null : await ToModelVersionAsync(mv, await AliasesAsync(name, cancellationToken), cancellationToken);
    }

    public async Task<ModelVersion?> GetByAliasAsync(string model, string alias, CancellationToken cancellationToken = default)
    {
        var name = CheckName(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        MlflowModelVersion mv;
        try
        {
            mv = await _client.RegisteredModels.GetVersionByAliasAsync(name, alias, cancellationToken);
        }
        catch (MlflowNotFoundException)
        {
            return null;
        }
        catch (MlflowValidationException)
        {
            // MLflow answers an unset alias with INVALID_PARAMETER_VALUE (400), not 404; confirm it is
            // that and not a malformed request before answering "no version".
            var rm = await TryGetModelAsync(name, cancellationToken);
            if (rm is null || !(rm.Aliases ?? []).Any(a => a.Alias == alias))
            {
                return null;
            }

            throw;
        }

        return await ToModelVersionAsync(mv, await AliasesAsync(name, cancellationToken), cancellationToken);
    }

    public async Task SetAliasAsync(string model, string alias, int version, AuditAction action, AuditInfo audit, CancellationToken cancellationToken = default)
    {
        var name = CheckName(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        ArgumentNullException.ThrowIfNull(audit);
        var rm = await TryGetModelAsync(name, cancellationToken)
            ?? throw new RegistryException($"Model '{name}' is not registered in MLflow.");
        if (await TryGetVersionAsync(name, version, cancellationToken) is not { } target)
        {
            throw new RegistryException($"Model '{name}' has no version {version.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (target.Status != ModelVersionStatus.Ready)
        {
            throw new RegistryException($"Version {target.Version} of '{name}' is {target.Status}, not READY; it cannot take alias '{alias}'.");
        }

        int? previous = (rm.Aliases ?? []).FirstOrDefault(a => a.Alias == alias) is { } held ? ParseVersion(held.Version) : null;
        await _client.RegisteredModels.SetAliasAsync(name, alias, target.Version, cancellationToken);
        try
        {
            await _audit.AppendAsync(name, seq => Event(seq, name, action, version, alias, audit) with { PreviousVersion = previous }, cancellationToken);
        }
        catch (Exception ex) when (ex is MlflowApiException or HttpRequestException or RegistryException)
        {
            // Compensate: an alias move without its audit event must not stand.
            try
            {
                if (previous is { } p)
                {
                    await _client.RegisteredModels.SetAliasAsync(name, alias, p.ToString(CultureInfo.InvariantCulture), CancellationToken.None);
                }
                else
                {
                    await _client.RegisteredModels.DeleteAliasAsync(name, alias, CancellationToken.None);
                }
            }
            catch (Exception undo) when (undo is MlflowApiException or HttpRequestException)
            {
                throw new RegistryException(
                    $"Alias '{alias}' of '{name}' now points at version {version.ToString(CultureInfo.InvariantCulture)} but its audit event could not be written ({ex.Message}) and the alias could not be put back ({undo.Message}); run the audit check to reconcile.",
                    ex);
            }

            throw new RegistryException($"Alias '{alias}' of '{name}' was not moved: its audit event could not be written ({ex.Message}).", ex);
        }
    }

    public async Task AppendDeploymentEventAsync(string model, int version, string stage, AuditAction action, AuditInfo audit, CancellationToken cancellationToken = default)
    {
        var name = CheckName(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        ArgumentNullException.ThrowIfNull(audit);
        if (action is not (AuditAction.Deploy or AuditAction.Undeploy))
        {
            throw new ArgumentException("A deployment event is a deploy or an undeploy.", nameof(action));
        }

        if (await TryGetVersionAsync(name, version, cancellationToken) is null)
        {
            throw new RegistryException($"Model '{name}' has no version {version.ToString(CultureInfo.InvariantCulture)}.");
        }

        await _audit.AppendAsync(name, seq => Event(seq, name, action, version, stage, audit), cancellationToken);
    }

    private AuditEvent Event(long sequence, string model, AuditAction action, int version, string stage, AuditInfo audit) => new()
    {
        Sequence = sequence,
        Model = model,
        Action = action,
        Version = version,
        Stage = stage,
        Actor = audit.Actor,
        Reason = audit.Reason,
        Approvals = audit.Approvals,
        At = _time.GetUtcNow(),
    };

    public async Task<IReadOnlyList<AuditEvent>> HistoryAsync(string model, CancellationToken cancellationToken = default)
    {
        var rm = await TryGetModelAsync(CheckName(model), cancellationToken);
        return rm is null ? [] : MlflowAuditLog.Read(rm);
    }

    /// <summary>
    /// Where the audit log and the aliases disagree; empty when consistent. Two checks per stage: the
    /// alias must point where the stage's last audited promotion or rollback put it (an alias moved
    /// without its event, e.g. a process killed between the two calls of <see cref="SetAliasAsync"/>),
    /// and each event's previous version must be the version the stage's prior event set (a gap means
    /// an event was lost, e.g. overwritten by a concurrent writer that took the same sequence number).
    /// </summary>
    public async Task<IReadOnlyList<AuditMismatch>> VerifyAuditAsync(string model, CancellationToken cancellationToken = default)
    {
        var rm = await TryGetModelAsync(CheckName(model), cancellationToken);
        return rm is null ? [] : MlflowAuditLog.Verify(rm);
    }

    public async Task DownloadModelAsync(string model, int version, string destinationPath, CancellationToken cancellationToken = default)
    {
        var name = CheckName(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        await _artifacts.DownloadModelAsync(await RequireVersionAsync(name, version, cancellationToken), destinationPath, cancellationToken);
    }

    public async Task<string?> GetModelCardAsync(string model, int version, CancellationToken cancellationToken = default) =>
        await _artifacts.ReadTextAsync(await RequireVersionAsync(CheckName(model), version, cancellationToken), ModelCardTag, cancellationToken);

    public async Task<string?> GetGateReportAsync(string model, int version, CancellationToken cancellationToken = default) =>
        await _artifacts.ReadTextAsync(await RequireVersionAsync(CheckName(model), version, cancellationToken), GateReportTag, cancellationToken);

    public async Task SetSignatureAsync(string model, int version, VersionSignature signature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var name = CheckName(model);
        var mv = await RequireVersionAsync(name, version, cancellationToken);
        var text = string.Join(' ', signature.KeyId, signature.Value, signature.SignedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        await _client.ModelVersions.SetTagAsync(name, mv.Version, SignatureTag, text, cancellationToken);
    }

    /// <summary>The <see cref="SignatureTag"/> value, or null when absent or not three fields (an edited tag then reads as unsigned).</summary>
    private static VersionSignature? ParseSignature(string? tag)
    {
        var parts = tag?.Split(' ');
        return parts is { Length: 3 } && DateTimeOffset.TryParse(parts[2], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? new VersionSignature(parts[0], parts[1], at)
            : null;
    }

    public async Task<SmokeSample?> GetSmokeSampleAsync(string model, int version, CancellationToken cancellationToken = default)
    {
        var name = CheckName(model);
        var json = await _artifacts.ReadTextAsync(await RequireVersionAsync(name, version, cancellationToken), SmokeSampleTag, cancellationToken);
        return json is null
            ? null
            : SmokeSample.Parse(json, string.Create(CultureInfo.InvariantCulture, $"the smoke sample of '{name}' v{version} in MLflow ({Options.TrackingUri})"));
    }

    public async Task<string?> GetProfileAsync(string model, int version, CancellationToken cancellationToken = default) =>
        await _artifacts.ReadTextAsync(await RequireVersionAsync(CheckName(model), version, cancellationToken), ProfileTag, cancellationToken);

    public Task<string> TrackAsync(TrackedRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrWhiteSpace(run.RunId);
        return _tracking.TrackAsync(run, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Toolkit run status → MLflow RunStatus.</summary>
    internal static string MapRunStatus(string status) => MlflowRunTracking.MapRunStatus(status);

    internal static int ParseVersion(string version) => int.Parse(version, NumberStyles.None, CultureInfo.InvariantCulture);

    // The name goes into a search filter (name='…'); the registry's one naming rule keeps it safe.
    private static string CheckName(string model) => ModelNames.Ensure(model);

    private static int StageRank(string alias)
    {
        for (var i = 0; i < Stages.Ordered.Count; i++)
        {
            if (Stages.Ordered[i] == alias)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static void AddTag(List<MlflowTag> tags, string key, string? value)
    {
        if (value is not null)
        {
            tags.Add(new(key, Cap(value, MaxRegistryTagValue)));
        }
    }

    internal static string Cap(string value, int max) => value.Length <= max ? value : value[..max];

    private static RegisteredModel ToRegisteredModel(MlflowRegisteredModel rm) => new()
    {
        Name = rm.Name,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(rm.CreationTimestamp ?? 0),
        LatestVersion = (rm.LatestVersions ?? []).Select(v => v.VersionNumber).DefaultIfEmpty(0).Max(),
        Aliases = (rm.Aliases ?? []).ToDictionary(a => a.Alias, a => ParseVersion(a.Version), StringComparer.Ordinal),
    };

    private async Task<MlflowModelVersion?> FindByDigestAsync(string name, string digest, CancellationToken cancellationToken)
    {
        var versions = await _client.ModelVersions.SearchAsync($"name='{name}'", cancellationToken);
        return versions
            .Where(v => v.Status != ModelVersionStatus.FailedRegistration && v.Tag(DigestTag) == digest)
            .OrderBy(v => v.VersionNumber)
            .FirstOrDefault();
    }

    private async Task<MlflowModelVersion> WaitReadyAsync(MlflowModelVersion version, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + Options.ReadyTimeout;
        var current = version;
        while (true)
        {
            switch (current.Status)
            {
                case null or ModelVersionStatus.Ready:
                    return current;
                case ModelVersionStatus.FailedRegistration:
                    throw new RegistryException(
                        $"MLflow failed to register version {current.Version} of '{current.Name}': {current.StatusMessage ?? "no status message"}.");
            }

            if (_time.GetUtcNow() >= deadline)
            {
                throw new RegistryException(
                    $"Version {current.Version} of '{current.Name}' is still {current.Status} after {Options.ReadyTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
            }

            await Task.Delay(Options.ReadyPollInterval, _time, cancellationToken);
            current = await _client.ModelVersions.GetAsync(current.Name, current.Version, cancellationToken);
        }
    }

    private async Task<ModelVersion> ToModelVersionAsync(MlflowModelVersion mv, IReadOnlyList<MlflowAlias> aliases, CancellationToken cancellationToken)
    {
        var parameters = await _artifacts.ReadJsonTagAsync(mv, ParametersTag, cancellationToken);
        var metrics = await _artifacts.ReadJsonTagAsync(mv, MetricsTag, cancellationToken);
        var gate = mv.Tag(GatePassedTag);
        var held = aliases.Where(a => a.Version == mv.Version).Select(a => a.Alias).ToHashSet(StringComparer.Ordinal);
        return new ModelVersion
        {
            Model = mv.Name,
            Version = mv.VersionNumber,
            Digest = mv.Tag(DigestTag) ?? string.Empty,
            Flavor = FlavorOf(mv),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(mv.CreationTimestamp ?? 0),
            RunId = mv.Tag(RunIdTag),
            Pipeline = mv.Tag(PipelineTag),
            DataDigest = mv.Tag(DataDigestTag),
            Parameters = parameters is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(parameters, ValuesJson)!,
            Metrics = metrics is null ? new Dictionary<string, double>() : JsonSerializer.Deserialize<Dictionary<string, double>>(metrics, ValuesJson)!,
            GatePassed = gate is null ? null : gate == "true",
            GitCommit = mv.Tag(GitCommitTag),
            GitBranch = mv.Tag(GitBranchTag),
            CreatedBy = mv.Tag(CreatedByTag),
            SmokeRows = int.TryParse(mv.Tag(SmokeRowsTag), NumberStyles.None, CultureInfo.InvariantCulture, out var smokeRows) ? smokeRows : 0,
            Signature = ParseSignature(mv.Tag(SignatureTag)),
            HasProfile = mv.Tag(ProfileTag) is not null,

            // Stage order first (dev, preprod, prod), then any other alias by name.
            Aliases = [.. held.OrderBy(StageRank).ThenBy(a => a, StringComparer.Ordinal)],
        };
    }

    /// <summary>The version's flavor from its tag; a version without one was registered before flavors, as a tkm.</summary>
    internal static string FlavorOf(MlflowModelVersion mv) => mv.Tag(FlavorTag) ?? ModelFlavors.Tkm;

    /// <summary>The model artifact's name: <c>model</c> with the flavor's extension (<c>model.tkm</c> for tkm, as before).</summary>
    internal static string ModelFileNameOf(string flavor) => ModelFileNames.Of("model", flavor);

    private async Task<IReadOnlyList<MlflowAlias>> AliasesAsync(string name, CancellationToken cancellationToken) =>
        (await TryGetModelAsync(name, cancellationToken))?.Aliases ?? [];

    private async Task<MlflowRegisteredModel?> TryGetModelAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.RegisteredModels.GetAsync(name, cancellationToken);
        }
        catch (MlflowNotFoundException)
        {
            return null;
        }
    }

    private async Task<MlflowModelVersion?> TryGetVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        if (version < 1)
        {
            return null;
        }

        try
        {
            return await _client.ModelVersions.GetAsync(name, version.ToString(CultureInfo.InvariantCulture), cancellationToken);
        }
        catch (MlflowNotFoundException)
        {
            return null;
        }
    }

    private async Task<MlflowModelVersion> RequireVersionAsync(string name, int version, CancellationToken cancellationToken) =>
        await TryGetVersionAsync(name, version, cancellationToken)
            ?? throw new RegistryException($"Model '{name}' has no version {version.ToString(CultureInfo.InvariantCulture)} in MLflow.");
}
