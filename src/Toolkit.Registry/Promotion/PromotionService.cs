using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Promotion;

/// <summary>
/// Moves stages (aliases) between versions under the rules: stages in order (dev, then preprod for the
/// version holding dev, then prod for the version holding preprod), passed gates, enough approvals.
/// Every move is recorded in the registry's audit log. Promoting a version to a stage it already holds
/// is refused with <see cref="PromotionRefusalReason.AlreadyAtStage"/> rather than recorded twice: the
/// caller learns that nothing moved and the audit log shows only real moves.
/// </summary>
public sealed class PromotionService
{
    private readonly IModelRegistry _registry;
    private readonly PromotionPolicy _policy;

    public PromotionService(IModelRegistry registry, PromotionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        _registry = registry;
        _policy = policy;
    }

    public async Task<PromotionResult> PromoteAsync(string model, int version, string toStage, AuditInfo audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(toStage);
        ArgumentNullException.ThrowIfNull(audit);
        var policy = StagePolicyOf(model, toStage);
        var target = await _registry.GetVersionAsync(model, version, cancellationToken)
            ?? throw await UnknownVersionAsync(model, version, cancellationToken);

        var current = await _registry.GetByAliasAsync(model, toStage, cancellationToken);
        if (current?.Version == version)
        {
            throw new PromotionRefusedException(
                PromotionRefusalReason.AlreadyAtStage,
                $"version {version} of '{model}' already holds {toStage}; nothing to promote");
        }

        if (Stages.Previous(toStage) is { } before)
        {
            var holder = await _registry.GetByAliasAsync(model, before, cancellationToken);
            if (holder?.Version != version)
            {
                var held = holder is null ? $"no version holds {before}" : $"{before} is version {holder.Version}";
                throw new PromotionRefusedException(
                    PromotionRefusalReason.SkippedStage,
                    $"version {version} of '{model}' cannot go to {toStage}: it does not hold {before} ({held}); promote it to {before} first");
            }
        }

        if (policy.RequireGatePassed && target.GatePassed != true)
        {
            throw new PromotionRefusedException(
                PromotionRefusalReason.GateFailed,
                target.GatePassed is false
                    ? $"version {version} of '{model}' failed its gates, and {toStage} requires passed gates; fix the model and register a version that passes them"
                    : $"version {version} of '{model}' has no gate result (no gate ran when it was registered), and {toStage} requires passed gates; register a version from a pipeline that runs the gates");
        }

        CheckSignature(target, toStage);
        CheckApprovals(model, version, policy, audit);

        var expected = new Dictionary<string, int?>(StringComparer.Ordinal) { [toStage] = current?.Version };
        if (Stages.Previous(toStage) is { } required)
        {
            expected[required] = version;
        }

        await MoveAsync(model, toStage, version, AuditAction.Promote, audit, expected, cancellationToken);
        return new PromotionResult(model, toStage, current?.Version, version);
    }

    /// <summary>
    /// Moves <paramref name="stage"/> back to the version that held it before the current one. The audit log is
    /// replayed as a stack of holders: a promotion pushes, a rollback pops; so versions rolled back from are
    /// skipped (unless promoted again later) and repeated rollbacks walk further back.
    /// </summary>
    public async Task<RollbackResult> RollbackAsync(string model, string stage, AuditInfo audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(audit);
        _ = StagePolicyOf(model, stage);
        if (await _registry.GetModelAsync(model, cancellationToken) is null)
        {
            throw await UnknownVersionAsync(model, 0, cancellationToken);
        }

        var current = await _registry.GetByAliasAsync(model, stage, cancellationToken)
            ?? throw new PromotionRefusedException(
                PromotionRefusalReason.NoPreviousVersion,
                $"no version of '{model}' holds {stage}; there is nothing to roll back (promote a version to {stage} instead)");

        var holders = new List<int>();
        foreach (var e in await _registry.HistoryAsync(model, cancellationToken))
        {
            if (e.Stage != stage)
            {
                continue;
            }

            if (e.Action == AuditAction.Promote)
            {
                if (holders.Count == 0 || holders[^1] != e.Version)
                {
                    holders.Add(e.Version);
                }
            }
            else if (e.Action == AuditAction.Rollback)
            {
                while (holders.Count > 0 && holders[^1] != e.Version)
                {
                    holders.RemoveAt(holders.Count - 1);
                }

                if (holders.Count == 0)
                {
                    holders.Add(e.Version);
                }
            }
        }

        while (holders.Count > 0 && holders[^1] == current.Version)
        {
            holders.RemoveAt(holders.Count - 1);
        }

        if (holders.Count == 0)
        {
            throw new PromotionRefusedException(
                PromotionRefusalReason.NoPreviousVersion,
                $"{stage} of '{model}' is version {current.Version} and no earlier version held it (or all were rolled back from); there is nothing to roll back to (promote another version instead)");
        }

        var target = holders[^1];
        await MoveAsync(
            model, stage, target, AuditAction.Rollback, audit, new Dictionary<string, int?>(StringComparer.Ordinal) { [stage] = current.Version }, cancellationToken);
        return new RollbackResult(model, stage, current.Version, target);
    }

    /// <summary>With <c>model.signature_required</c>, the version must carry a signature of its name, number and digest by the verify key.</summary>
    private void CheckSignature(ModelVersion target, string toStage)
    {
        if (!_policy.SignatureRequired)
        {
            return;
        }

        var rule = $"{_policy.Source ?? "the model's policy"} requires signed versions (model.signature_required)";
        var what = $"version {target.Version} of '{target.Model}'";
        if (target.Signature is not { } signature)
        {
            throw new PromotionRefusedException(
                PromotionRefusalReason.SignatureMissing,
                $"{what} is not signed, and {rule}; sign it with 'mlops model sign --model {target.Model} --model-version {target.Version}' before promoting it to {toStage}");
        }

        if (_policy.VerifyKey is not { } key)
        {
            throw new PromotionRefusedException(
                PromotionRefusalReason.SignatureMissing,
                $"{rule}, but {Signing.ModelSignatures.VerifyKeyVariable} is not set; set it to the PEM public key that checks the signatures before promoting {what} to {toStage}");
        }

        if (signature.KeyId != key.KeyId)
        {
            throw new PromotionRefusedException(
                PromotionRefusalReason.SignatureMissing,
                $"{what} is signed with key {signature.KeyId}, not with the verify key {key.KeyId} ({Signing.ModelSignatures.VerifyKeyVariable}); {rule}");
        }

        if (!key.Verifies(signature, target.Model, target.Version, target.Digest))
        {
            throw new PromotionRefusedException(
                PromotionRefusalReason.SignatureMissing,
                $"the signature of {what} does not verify with key {key.KeyId}: the signature, or the version's recorded digest {target.Digest}, was changed after signing; {rule}");
        }
    }

    /// <summary>Moves the alias, re-checking in the same transaction what the rules were checked against when the backend can.</summary>
    private Task MoveAsync(
        string model, string stage, int version, AuditAction action, AuditInfo audit, Dictionary<string, int?> expected, CancellationToken cancellationToken) =>
        _registry is IAtomicAliasMove atomic
            ? atomic.SetAliasIfAsync(model, stage, version, action, Normalised(audit), expected, cancellationToken)
            : _registry.SetAliasAsync(model, stage, version, action, Normalised(audit), cancellationToken);

    private static void CheckApprovals(string model, int version, StagePolicy policy, AuditInfo audit)
    {
        if (policy.RequiredApprovals == 0)
        {
            return;
        }

        var approvers = Names(policy.Approvers ?? []);
        var anyone = approvers.Count == 0;

        // Only recorded approvals count (--approved-by): running the promotion is not approving it,
        // so a stage that asks for an approval always has a name on record. Distinct names count once.
        var given = Names(audit.Approvals);
        var counted = given.Where(n => anyone || approvers.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        if (counted.Count >= policy.RequiredApprovals)
        {
            return;
        }

        var notApprovers = Names(audit.Approvals).Except(counted, StringComparer.OrdinalIgnoreCase).ToList();
        var from = anyone ? "from distinct people" : $"from {string.Join(", ", approvers)}";
        var got = counted.Count == 0 ? "none" : string.Join(", ", counted);
        var ignored = notApprovers.Count == 0
            ? string.Empty
            : notApprovers.Count == 1
                ? $"; {notApprovers[0]} is not a {policy.Stage} approver"
                : $"; {string.Join(", ", notApprovers)} are not {policy.Stage} approvers";
        var missing = policy.RequiredApprovals - counted.Count;
        var candidates = anyone ? string.Empty : $" ({string.Join(", ", approvers.Except(counted, StringComparer.OrdinalIgnoreCase))})";
        throw new PromotionRefusedException(
            PromotionRefusalReason.MissingApproval,
            $"promoting version {version} of '{model}' to {policy.Stage} needs {policy.RequiredApprovals} approval{(policy.RequiredApprovals == 1 ? string.Empty : "s")} {from}; counted {counted.Count} ({got}){ignored}; get {missing} more approval{(missing == 1 ? string.Empty : "s")}{candidates}");
    }

    private static List<string> Names(IEnumerable<string> names) =>
        [.. names.Where(n => n is not null).Select(n => n.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];

    private static AuditInfo Normalised(AuditInfo audit) => audit with { Approvals = Names(audit.Approvals) };

    private StagePolicy StagePolicyOf(string model, string stage)
    {
        if (!Stages.Ordered.Contains(stage))
        {
            throw new PromotionRefusedException(
                PromotionRefusalReason.UnknownStage,
                $"unknown stage '{stage}'; stages are {string.Join(", ", Stages.Ordered)}");
        }

        return _policy.For(stage) ?? throw new PromotionRefusedException(
            PromotionRefusalReason.UnknownStage,
            $"the promotion policy of '{model}' has no stage '{stage}' (it lists {(_policy.Stages.Count == 0 ? "none" : string.Join(", ", _policy.Stages.Select(s => s.Stage)))}); add {stage} to the model's promotion policy");
    }

    private async Task<PromotionRefusedException> UnknownVersionAsync(string model, int version, CancellationToken cancellationToken)
    {
        var versions = await _registry.ListVersionsAsync(model, cancellationToken);
        if (versions.Count == 0)
        {
            var models = await _registry.ListModelsAsync(cancellationToken);
            return new PromotionRefusedException(
                PromotionRefusalReason.UnknownVersion,
                $"model '{model}' is not registered; registered models: {(models.Count == 0 ? "none" : string.Join(", ", models.Select(m => m.Name)))}");
        }

        return new PromotionRefusedException(
            PromotionRefusalReason.UnknownVersion,
            $"model '{model}' has no version {version}; versions: {RegistryNames.DescribeVersions([.. versions.Select(v => v.Version)])}");
    }
}
