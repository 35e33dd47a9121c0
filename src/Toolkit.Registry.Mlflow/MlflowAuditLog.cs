using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toolkit.Registry.Mlflow;

/// <summary>
/// The audit log on MLflow, which keeps none: each event is a registered-model tag
/// <c>toolkit.audit.&lt;000001&gt;</c> holding the event's compact JSON. The next sequence number is one
/// past the highest existing tag, and the write is read back to detect a concurrent writer that took the
/// same number (then the next number is tried). MLflow has no compare-and-set, so two writers can still
/// both read back their own event if their calls interleave as read, read, write, verify, write, verify;
/// every event records the stage's previous version, so <see cref="Verify"/> reports such a gap.
/// </summary>
internal sealed class MlflowAuditLog
{
    private const int Attempts = 5;

    private static readonly JsonSerializerOptions AuditJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly IMlflowClient _client;

    internal MlflowAuditLog(IMlflowClient client)
    {
        _client = client;
    }

    /// <summary>Appends the event <paramref name="make"/> builds for the sequence number it gets.</summary>
    internal async Task AppendAsync(string name, Func<long, AuditEvent> make, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Attempts; i++)
        {
            var rm = await _client.RegisteredModels.GetAsync(name, cancellationToken);
            var seq = MaxSequence(rm) + 1;
            var json = JsonSerializer.Serialize(make(seq), AuditJson);
            if (json.Length > MlflowRegistry.MaxRegistryTagValue)
            {
                throw new RegistryException($"The audit event for '{name}' is {json.Length.ToString(CultureInfo.InvariantCulture)} characters; MLflow tags hold {MlflowRegistry.MaxRegistryTagValue.ToString(CultureInfo.InvariantCulture)}. Shorten the reason.");
            }

            var key = MlflowRegistry.AuditTagPrefix + seq.ToString("D6", CultureInfo.InvariantCulture);
            await _client.RegisteredModels.SetTagAsync(name, key, json, cancellationToken);

            // No compare-and-set in MLflow: read back to see whether a concurrent writer took the number.
            var check = await _client.RegisteredModels.GetAsync(name, cancellationToken);
            if ((check.Tags ?? []).LastOrDefault(t => t.Key == key)?.Value == json)
            {
                return;
            }
        }

        throw new RegistryException($"Could not append an audit event to '{name}' after {Attempts.ToString(CultureInfo.InvariantCulture)} attempts: other writers kept taking the sequence number.");
    }

    /// <summary>The model's events, oldest first.</summary>
    internal static IReadOnlyList<AuditEvent> Read(MlflowRegisteredModel rm)
    {
        var events = new List<AuditEvent>();
        foreach (var tag in rm.Tags ?? [])
        {
            if (!tag.Key.StartsWith(MlflowRegistry.AuditTagPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var e = JsonSerializer.Deserialize<AuditEvent>(tag.Value, AuditJson)
                ?? throw new RegistryException($"Audit tag {tag.Key} of '{rm.Name}' is empty.");
            events.Add(e);
        }

        return [.. events.OrderBy(e => e.Sequence)];
    }

    /// <summary>Where the log and the aliases disagree (see <see cref="MlflowRegistry.VerifyAuditAsync"/>).</summary>
    internal static IReadOnlyList<AuditMismatch> Verify(MlflowRegisteredModel rm)
    {
        var mismatches = new List<AuditMismatch>();
        var lastAudited = new Dictionary<string, int>(StringComparer.Ordinal);
        // Deploy and undeploy events name a stage but move no alias: only promotions and rollbacks form its chain.
        foreach (var e in Read(rm).Where(e => e.Stage is not null && e.Action is (AuditAction.Promote or AuditAction.Rollback)))
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

        var current = (rm.Aliases ?? []).ToDictionary(a => a.Alias, a => MlflowRegistry.ParseVersion(a.Version), StringComparer.Ordinal);
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

    private static long MaxSequence(MlflowRegisteredModel rm) =>
        (rm.Tags ?? [])
            .Where(t => t.Key.StartsWith(MlflowRegistry.AuditTagPrefix, StringComparison.Ordinal))
            .Select(t => long.TryParse(t.Key.AsSpan(MlflowRegistry.AuditTagPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0)
            .Max();
}

/// <summary>A disagreement between a stage's alias and the audit log (see <see cref="MlflowRegistry.VerifyAuditAsync"/>).</summary>
public sealed record AuditMismatch(string Stage, int? AliasVersion, int? AuditedVersion, string Problem);
