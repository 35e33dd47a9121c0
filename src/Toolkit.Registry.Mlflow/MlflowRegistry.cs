using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Toolkit.Ml.Models;

namespace Toolkit.Registry.Mlflow;

/// <summary>
/// The registry and run tracker on an MLflow tracking server (REST API 2.0 + artifact proxy).
/// <para>
/// Layout: the model file, card and gate report live in the artifact store under
/// <c>toolkit/models/&lt;model&gt;/&lt;digest-hex&gt;/</c> (content-addressed, so a re-upload is harmless);
/// the version's <c>source</c> is that folder as an <c>mlflow-artifacts:/</c> URI; every field of
/// <see cref="ModelVersion"/> is a version tag (<c>toolkit.*</c>) set in the create request itself, so
/// a version never exists without its digest tag. Stages are MLflow aliases.
/// </para>
/// <para>
/// Idempotency: before creating a version, <c>model-versions/search</c> with <c>name='&lt;model&gt;'</c>
/// lists the versions and the <c>toolkit.digest</c> tags are compared (search filters on tags are not
/// supported by every MLflow store, the name filter is). The lowest non-failed version with the digest
/// wins, so two processes racing to register the same file converge on one answer; the loser's
/// duplicate version stays in MLflow (MLflow has no conditional create).
/// </para>
/// <para>
/// Audit: MLflow keeps no audit log, so each event is a registered-model tag
/// <c>toolkit.audit.&lt;000001&gt;</c> holding the event's compact JSON; the next sequence number is
/// one past the highest existing tag, and the write is read back to detect a concurrent writer that
/// took the same number (then the next number is tried). Moving an alias and appending its event are
/// two calls, not one transaction: <see cref="SetAliasAsync"/> moves the alias first, then appends the
/// event; if the append fails the alias is put back (compensation). A process killed between the two
/// leaves an alias with no matching event; <see cref="VerifyAuditAsync"/> finds such stages by
/// comparing every alias with the last audited promotion or rollback of that stage. MLflow has no
/// compare-and-set, so two writers can still both read-back their own event if their calls interleave
/// as read, read, write, verify, write, verify; the first event is then lost. Every event records the
/// stage's previous version, so <see cref="VerifyAuditAsync"/> also reports such a gap in a stage's chain.
/// </para>
/// </summary>
public sealed partial class MlflowRegistry : IModelRegistry, IRunTracker
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
    public const string AuditTagPrefix = "toolkit.audit.";
    public const string ModelFileName = "model.tkm";

    /// <summary>MLflow's registry tag value limit (MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH).</summary>
    internal const int MaxRegistryTagValue = 5000;

    /// <summary>MLflow's param value limit (MAX_PARAM_VAL_LENGTH, MLflow 2.x).</summary>
    internal const int MaxParamValue = 6000;

    /// <summary>Run tag value limit (5000 on older servers, 8000 on newer; the smaller is safe everywhere).</summary>
    internal const int MaxRunTagValue = 5000;

    private const string ArtifactScheme = "mlflow-artifacts:";
    private const string ArtifactRef = "artifact:";

    private static readonly JsonSerializerOptions AuditJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private static readonly JsonSerializerOptions ValuesJson = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly IMlflowClient _client;
    private readonly bool _ownsClient;
    private readonly TimeProvider _time;

    // Pipeline run id -> MLflow run id, for runs this instance tracked, so a registration from the
    // same pipeline run links to that run instead of creating a lineage run.
    private readonly ConcurrentDictionary<string, string> _trackedRuns = new(StringComparer.Ordinal);

    public MlflowRegistry(IMlflowClient client, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _time = timeProvider ?? TimeProvider.System;
    }

    public MlflowRegistry(MlflowClientOptions options, TimeProvider? timeProvider = null)
        : this(new MlflowClient(options, timeProvider), timeProvider)
    {
        _ownsClient = true;
    }

    public string Backend => "mlflow";

    private MlflowClientOptions Options => _client.Options;

    public async Task<RegisterResult> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = CheckName(request.Model);
        var bytes = await File.ReadAllBytesAsync(request.ModelFile, cancellationToken);
        string digest;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            digest = ModelFile.Read(stream, request.ModelFile).Digest!;
        }
        catch (ModelFileException ex)
        {
            throw new RegistryException($"Cannot register '{request.ModelFile}': {ex.Message}", ex);
        }

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

        var folder = $"toolkit/models/{name}/{digest["sha256:".Length..]}";
        await _client.Artifacts.UploadAsync($"{folder}/{ModelFileName}", bytes, cancellationToken);
        var tags = new List<MlflowTag> { new(DigestTag, digest) };
        AddTag(tags, RunIdTag, request.RunId);
        AddTag(tags, PipelineTag, request.Pipeline);
        AddTag(tags, DataDigestTag, request.DataDigest);
        AddTag(tags, GatePassedTag, request.GatePassed is { } passed ? (passed ? "true" : "false") : null);
        AddTag(tags, GitCommitTag, request.GitCommit);
        AddTag(tags, GitBranchTag, request.GitBranch);
        AddTag(tags, CreatedByTag, request.Actor);
        tags.Add(new(ParametersTag, await SmallOrArtifactAsync(folder, "parameters.json", JsonSerializer.Serialize(Sorted(request.Parameters), ValuesJson), cancellationToken)));
        tags.Add(new(MetricsTag, await SmallOrArtifactAsync(folder, "metrics.json", JsonSerializer.Serialize(Sorted(request.Metrics), ValuesJson), cancellationToken)));
        if (request.ModelCard is not null)
        {
            await _client.Artifacts.UploadAsync($"{folder}/model_card.md", Encoding.UTF8.GetBytes(request.ModelCard), cancellationToken);
            tags.Add(new(ModelCardTag, "model_card.md"));
        }

        if (request.GateReport is not null)
        {
            await _client.Artifacts.UploadAsync($"{folder}/gate_report.json", Encoding.UTF8.GetBytes(request.GateReport), cancellationToken);
            tags.Add(new(GateReportTag, "gate_report.json"));
        }

        var runId = await LineageRunAsync(request, name, cancellationToken);
        var created = await _client.ModelVersions.CreateAsync(
            new NewModelVersion { Name = name, Source = $"{ArtifactScheme}/{folder}", RunId = runId, Tags = tags, Description = $"Registered by toolkit ({digest})." },
            cancellationToken);
        var version = await WaitReadyAsync(created, cancellationToken);

        // Another process may have registered the same file in the meantime; the lowest version wins.
        var winner = await FindByDigestAsync(name, digest, cancellationToken);
        if (winner is not null && winner.VersionNumber < version.VersionNumber)
        {
            var ready = await WaitReadyAsync(winner, cancellationToken);
            return new RegisterResult(await ToModelVersionAsync(ready, await AliasesAsync(name, cancellationToken), cancellationToken), Created: false);
        }

        await AppendAuditAsync(
            name,
            seq => new AuditEvent
            {
                Sequence = seq,
                Model = name,
                Action = AuditAction.Register,
                Version = version.VersionNumber,
                Actor = request.Actor ?? "unknown",
                At = _time.GetUtcNow(),
            },
            cancellationToken);
        return new RegisterResult(await ToModelVersionAsync(version, await AliasesAsync(name, cancellationToken), cancellationToken), Created: true);
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
            await AppendAuditAsync(
                name,
                seq => new AuditEvent
                {
                    Sequence = seq,
                    Model = name,
                    Action = action,
                    Version = version,
                    Stage = alias,
                    PreviousVersion = previous,
                    Actor = audit.Actor,
                    Reason = audit.Reason,
                    Approvals = audit.Approvals,
                    At = _time.GetUtcNow(),
                },
                cancellationToken);
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

    public async Task<IReadOnlyList<AuditEvent>> HistoryAsync(string model, CancellationToken cancellationToken = default)
    {
        var rm = await TryGetModelAsync(CheckName(model), cancellationToken);
        return rm is null ? [] : ReadAudit(rm);
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
        if (rm is null)
        {
            return [];
        }

        var mismatches = new List<AuditMismatch>();
        var lastAudited = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in ReadAudit(rm).Where(e => e.Stage is not null))
        {
            int? before = lastAudited.TryGetValue(e.Stage!, out var v) ? v : null;
            if (e.PreviousVersion != before)
            {
                mismatches.Add(new AuditMismatch(
                    e.Stage!,
                    null,
                    before,
                    string.Create(CultureInfo.InvariantCulture, $"event {e.Sequence} says the stage was at {e.PreviousVersion?.ToString(CultureInfo.InvariantCulture) ?? "no version"}, but the log before it has {before?.ToString(CultureInfo.InvariantCulture) ?? "no version"}: an event is missing")));
            }

            lastAudited[e.Stage!] = e.Version;
        }

        var current = (rm.Aliases ?? []).ToDictionary(a => a.Alias, a => ParseVersion(a.Version), StringComparer.Ordinal);
        foreach (var stage in current.Keys.Union(lastAudited.Keys).Order(StringComparer.Ordinal))
        {
            int? alias = current.TryGetValue(stage, out var a) ? a : null;
            int? audited = lastAudited.TryGetValue(stage, out var b) ? b : null;
            if (alias != audited)
            {
                mismatches.Add(new AuditMismatch(
                    stage,
                    alias,
                    audited,
                    string.Create(CultureInfo.InvariantCulture, $"the alias points at {alias?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}, the audit log at {audited?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}")));
            }
        }

        return mismatches;
    }

    public async Task DownloadModelAsync(string model, int version, string destinationPath, CancellationToken cancellationToken = default)
    {
        var name = CheckName(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        var mv = await RequireVersionAsync(name, version, cancellationToken);
        var expected = mv.Tag(DigestTag) ?? throw new RegistryException($"Version {mv.Version} of '{name}' has no {DigestTag} tag; it was not registered by toolkit.");
        var bytes = await _client.Artifacts.DownloadAsync($"{ArtifactFolder(mv)}/{ModelFileName}", cancellationToken);
        string actual;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            actual = ModelFile.Read(stream, $"{name} v{mv.Version} from MLflow").Digest!;
        }
        catch (ModelFileException ex)
        {
            throw new RegistryException($"The model file of '{name}' version {mv.Version} downloaded from MLflow is damaged: {ex.Message}", ex);
        }

        if (actual != expected)
        {
            throw new RegistryException($"The model file of '{name}' version {mv.Version} in MLflow is {actual}, but the version was registered as {expected}; refusing it.");
        }

        var full = Path.GetFullPath(destinationPath);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public Task<string?> GetModelCardAsync(string model, int version, CancellationToken cancellationToken = default) =>
        ReadTextArtifactAsync(model, version, ModelCardTag, cancellationToken);

    public Task<string?> GetGateReportAsync(string model, int version, CancellationToken cancellationToken = default) =>
        ReadTextArtifactAsync(model, version, GateReportTag, cancellationToken);

    public async Task<string> TrackAsync(TrackedRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrWhiteSpace(run.RunId);
        if (!_trackedRuns.TryGetValue(run.RunId, out var mlflowRunId))
        {
            var experimentId = await _client.Experiments.GetOrCreateAsync(Options.ExperimentName, cancellationToken);
            var created = await _client.Runs.CreateAsync(
                new NewRun
                {
                    ExperimentId = experimentId,
                    RunName = run.RunId,
                    StartTime = run.StartedAt.ToUnixTimeMilliseconds(),
                    Tags = [new("mlflow.runName", run.RunId), new(PipelineTag, run.Pipeline), new(RunIdTag, run.RunId)],
                },
                cancellationToken);
            mlflowRunId = created.Info.RunId;
            _trackedRuns[run.RunId] = mlflowRunId;
        }

        var at = (run.FinishedAt ?? _time.GetUtcNow()).ToUnixTimeMilliseconds();
        await _client.Runs.LogBatchAsync(
            mlflowRunId,
            new RunBatch
            {
                Params = [.. run.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new MlflowParam(p.Key, Cap(p.Value, MaxParamValue)))],

                // JSON has no NaN/Infinity; a metric that is not a number is left out rather than faked.
                Metrics = [.. run.Metrics.Where(m => double.IsFinite(m.Value)).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new MlflowMetric(m.Key, m.Value, at, 0))],
                Tags = [.. run.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new MlflowTag(t.Key, Cap(t.Value, MaxRunTagValue)))],
            },
            cancellationToken);

        var status = MapRunStatus(run.Status);
        if (status != "RUNNING")
        {
            await _client.Runs.UpdateAsync(mlflowRunId, status, at, cancellationToken);
        }

        return mlflowRunId;
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
    internal static string MapRunStatus(string status) => status.ToLowerInvariant() switch
    {
        "running" or "pending" => "RUNNING",
        "succeeded" or "success" or "finished" or "completed" => "FINISHED",
        "cancelled" or "canceled" or "killed" => "KILLED",
        _ => "FAILED",
    };

    private static string CheckName(string model)
    {
        // The name goes into a search filter (name='…'); the registry's own naming rule keeps it safe.
        if (string.IsNullOrEmpty(model) || !ModelName().IsMatch(model))
        {
            throw new RegistryException($"'{model}' is not a valid model name: use lowercase letters, digits and dashes.");
        }

        return model;
    }

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

    private static int ParseVersion(string version) => int.Parse(version, NumberStyles.None, CultureInfo.InvariantCulture);

    private static void AddTag(List<MlflowTag> tags, string key, string? value)
    {
        if (value is not null)
        {
            tags.Add(new(key, Cap(value, MaxRegistryTagValue)));
        }
    }

    private static string Cap(string value, int max) => value.Length <= max ? value : value[..max];

    private static SortedDictionary<string, T> Sorted<T>(IReadOnlyDictionary<string, T> values) => new(values.ToDictionary(), StringComparer.Ordinal);

    private static IReadOnlyList<AuditEvent> ReadAudit(MlflowRegisteredModel rm)
    {
        var events = new List<AuditEvent>();
        foreach (var tag in rm.Tags ?? [])
        {
            if (!tag.Key.StartsWith(AuditTagPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var e = JsonSerializer.Deserialize<AuditEvent>(tag.Value, AuditJson)
                ?? throw new RegistryException($"Audit tag {tag.Key} of '{rm.Name}' is empty.");
            events.Add(e);
        }

        return [.. events.OrderBy(e => e.Sequence)];
    }

    private static long MaxSequence(MlflowRegisteredModel rm) =>
        (rm.Tags ?? [])
            .Where(t => t.Key.StartsWith(AuditTagPrefix, StringComparison.Ordinal))
            .Select(t => long.TryParse(t.Key.AsSpan(AuditTagPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0)
            .Max();

    private static RegisteredModel ToRegisteredModel(MlflowRegisteredModel rm) => new()
    {
        Name = rm.Name,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(rm.CreationTimestamp ?? 0),
        LatestVersion = (rm.LatestVersions ?? []).Select(v => v.VersionNumber).DefaultIfEmpty(0).Max(),
        Aliases = (rm.Aliases ?? []).ToDictionary(a => a.Alias, a => ParseVersion(a.Version), StringComparer.Ordinal),
    };

    private static string ArtifactFolder(MlflowModelVersion mv)
    {
        var source = mv.Source ?? string.Empty;
        if (!source.StartsWith(ArtifactScheme, StringComparison.Ordinal))
        {
            throw new RegistryException($"Version {mv.Version} of '{mv.Name}' has source '{source}', which is not in MLflow's artifact proxy (mlflow-artifacts:).");
        }

        // mlflow-artifacts:/path and mlflow-artifacts://host:port/path both name path on the proxy.
        var rest = source[ArtifactScheme.Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var slash = rest.IndexOf('/', 2);
            rest = slash < 0 ? string.Empty : rest[slash..];
        }

        return rest.Trim('/');
    }

    private async Task AppendAuditAsync(string name, Func<long, AuditEvent> make, CancellationToken cancellationToken)
    {
        const int attempts = 5;
        for (var i = 0; i < attempts; i++)
        {
            var rm = await _client.RegisteredModels.GetAsync(name, cancellationToken);
            var seq = MaxSequence(rm) + 1;
            var json = JsonSerializer.Serialize(make(seq), AuditJson);
            if (json.Length > MaxRegistryTagValue)
            {
                throw new RegistryException($"The audit event for '{name}' is {json.Length.ToString(CultureInfo.InvariantCulture)} characters; MLflow tags hold {MaxRegistryTagValue.ToString(CultureInfo.InvariantCulture)}. Shorten the reason.");
            }

            var key = AuditTagPrefix + seq.ToString("D6", CultureInfo.InvariantCulture);
            await _client.RegisteredModels.SetTagAsync(name, key, json, cancellationToken);

            // No compare-and-set in MLflow: read back to see whether a concurrent writer took the number.
            var check = await _client.RegisteredModels.GetAsync(name, cancellationToken);
            if ((check.Tags ?? []).LastOrDefault(t => t.Key == key)?.Value == json)
            {
                return;
            }
        }

        throw new RegistryException($"Could not append an audit event to '{name}' after {attempts.ToString(CultureInfo.InvariantCulture)} attempts: other writers kept taking the sequence number.");
    }

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

    private async Task<string?> LineageRunAsync(RegisterRequest request, string name, CancellationToken cancellationToken)
    {
        if (request.RunId is not null && _trackedRuns.TryGetValue(request.RunId, out var tracked))
        {
            return tracked;
        }

        // No tracked run: record one so the version has lineage in MLflow's UI.
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var experimentId = await _client.Experiments.GetOrCreateAsync(Options.ExperimentName, cancellationToken);
        var runName = request.RunId ?? $"register-{name}";
        var tags = new List<MlflowTag> { new("mlflow.runName", runName), new("toolkit.lineage", "register") };
        if (request.Pipeline is not null)
        {
            tags.Add(new(PipelineTag, Cap(request.Pipeline, MaxRunTagValue)));
        }

        if (request.RunId is not null)
        {
            tags.Add(new(RunIdTag, Cap(request.RunId, MaxRunTagValue)));
        }

        var run = await _client.Runs.CreateAsync(new NewRun { ExperimentId = experimentId, RunName = runName, StartTime = now, Tags = tags }, cancellationToken);
        await _client.Runs.LogBatchAsync(
            run.Info.RunId,
            new RunBatch
            {
                Params = [.. request.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new MlflowParam(p.Key, Cap(p.Value, MaxParamValue)))],
                Metrics = [.. request.Metrics.Where(m => double.IsFinite(m.Value)).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new MlflowMetric(m.Key, m.Value, now, 0))],
            },
            cancellationToken);
        await _client.Runs.UpdateAsync(run.Info.RunId, "FINISHED", now, cancellationToken);
        return run.Info.RunId;
    }

    private async Task<string> SmallOrArtifactAsync(string folder, string file, string json, CancellationToken cancellationToken)
    {
        if (json.Length <= MaxRegistryTagValue)
        {
            return json;
        }

        // Too long for an MLflow tag: keep it beside the model and point at it.
        await _client.Artifacts.UploadAsync($"{folder}/{file}", Encoding.UTF8.GetBytes(json), cancellationToken);
        return ArtifactRef + file;
    }

    private async Task<string?> ReadJsonTagAsync(MlflowModelVersion mv, string key, CancellationToken cancellationToken)
    {
        var value = mv.Tag(key);
        if (value is null || !value.StartsWith(ArtifactRef, StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = await _client.Artifacts.DownloadAsync($"{ArtifactFolder(mv)}/{value[ArtifactRef.Length..]}", cancellationToken);
        return Encoding.UTF8.GetString(bytes);
    }

    private async Task<ModelVersion> ToModelVersionAsync(MlflowModelVersion mv, IReadOnlyList<MlflowAlias> aliases, CancellationToken cancellationToken)
    {
        var parameters = await ReadJsonTagAsync(mv, ParametersTag, cancellationToken);
        var metrics = await ReadJsonTagAsync(mv, MetricsTag, cancellationToken);
        var gate = mv.Tag(GatePassedTag);
        var held = aliases.Where(a => a.Version == mv.Version).Select(a => a.Alias).ToHashSet(StringComparer.Ordinal);
        return new ModelVersion
        {
            Model = mv.Name,
            Version = mv.VersionNumber,
            Digest = mv.Tag(DigestTag) ?? string.Empty,
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

            // Stage order first (dev, preprod, prod), then any other alias by name.
            Aliases = [.. held.OrderBy(StageRank).ThenBy(a => a, StringComparer.Ordinal)],
        };
    }

    private async Task<string?> ReadTextArtifactAsync(string model, int version, string tag, CancellationToken cancellationToken)
    {
        var mv = await RequireVersionAsync(CheckName(model), version, cancellationToken);
        var file = mv.Tag(tag);
        if (file is null)
        {
            return null;
        }

        var bytes = await _client.Artifacts.DownloadAsync($"{ArtifactFolder(mv)}/{file}", cancellationToken);
        return Encoding.UTF8.GetString(bytes);
    }

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

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex ModelName();
}

/// <summary>A disagreement between a stage's alias and the audit log (see <see cref="MlflowRegistry.VerifyAuditAsync"/>).</summary>
public sealed record AuditMismatch(string Stage, int? AliasVersion, int? AuditedVersion, string Problem);
