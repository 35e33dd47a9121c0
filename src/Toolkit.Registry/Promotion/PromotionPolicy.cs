namespace Toolkit.Registry.Promotion;

/// <summary>
/// What it takes to put a version into <paramref name="Stage"/>: <paramref name="RequiredApprovals"/> distinct
/// approvals from <paramref name="Approvers"/> (empty: anyone's approval counts), and passed gates unless
/// <paramref name="RequireGatePassed"/> is false.
/// </summary>
public sealed record StagePolicy(string Stage, int RequiredApprovals, IReadOnlyList<string> Approvers, bool RequireGatePassed = true);

/// <summary>A model's promotion rules, one <see cref="StagePolicy"/> per stage (mapped from <c>models/&lt;name&gt;/model.yaml</c>).</summary>
public sealed record PromotionPolicy(IReadOnlyList<StagePolicy> Stages)
{
    /// <summary>Whether every promotion needs a version signature that <see cref="VerifyKey"/> verifies (<c>model.signature_required</c>).</summary>
    public bool SignatureRequired { get; init; }

    /// <summary>The key signatures are checked with (<c>TOOLKIT_VERIFY_KEY</c>); null when none is set.</summary>
    public Signing.VerifyKey? VerifyKey { get; init; }

    /// <summary>Where the rule comes from, for refusals (e.g. <c>models/diabetes/model.yaml</c>).</summary>
    public string? Source { get; init; }

    /// <summary>
    /// For a model that declares no policy: gates must pass everywhere; dev needs no approval, preprod one,
    /// prod two (two different people), from anyone. Only recorded approvals count, never the actor.
    /// </summary>
    public static PromotionPolicy Default { get; } = new(
    [
        new StagePolicy(Registry.Stages.Dev, 0, []),
        new StagePolicy(Registry.Stages.Preprod, 1, []),
        new StagePolicy(Registry.Stages.Prod, 2, []),
    ]);

    /// <summary>The policy of <paramref name="stage"/>, or null when the policy does not list it.</summary>
    public StagePolicy? For(string stage) => Stages.FirstOrDefault(s => s.Stage == stage);

    /// <summary>Refuses a policy that could never be met or names unknown stages, before anything is promoted.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Stages);
        foreach (var group in Stages.GroupBy(s => s.Stage, StringComparer.Ordinal))
        {
            if (group.Count() > 1)
            {
                throw new ArgumentException($"The promotion policy lists stage '{group.Key}' {group.Count()} times; list each stage once.");
            }
        }

        foreach (var stage in Stages)
        {
            if (!Registry.Stages.Ordered.Contains(stage.Stage))
            {
                throw new ArgumentException(
                    $"The promotion policy names unknown stage '{stage.Stage}'; stages are {string.Join(", ", Registry.Stages.Ordered)}.");
            }

            if (stage.RequiredApprovals < 0)
            {
                throw new ArgumentException($"Stage '{stage.Stage}' requires {stage.RequiredApprovals} approvals; use 0 or more.");
            }

            var approvers = (stage.Approvers ?? []).Select(a => a.Trim()).Where(a => a.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Count();
            if (approvers > 0 && stage.RequiredApprovals > approvers)
            {
                throw new ArgumentException(
                    $"Stage '{stage.Stage}' requires {stage.RequiredApprovals} approvals but lists only {approvers} approvers; it could never be promoted.");
            }
        }
    }
}
