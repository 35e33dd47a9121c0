using Toolkit.Registry.Embedded;
using Toolkit.Registry.Promotion;

namespace Toolkit.Registry.Tests.Promotion;

public sealed class PromotionServiceTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);

    /// <summary>dev: no approval; preprod: one from anyone; prod: two of alice, bob, carol.</summary>
    private static readonly PromotionPolicy Policy = new(
    [
        new StagePolicy(Stages.Dev, 0, []),
        new StagePolicy(Stages.Preprod, 1, []),
        new StagePolicy(Stages.Prod, 2, ["alice", "bob", "carol"]),
    ]);

    private readonly RegistryTestFolder _folder = new();
    private readonly ManualTimeProvider _time = new(Start);
    private EmbeddedRegistry _registry = null!;
    private PromotionService _service = null!;

    public async Task InitializeAsync()
    {
        _registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot, _time);
        _service = new PromotionService(_registry, Policy);
    }

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    public void Dispose() => _folder.Dispose();

    private async Task<int> RegisterAsync(int seed, bool? gatePassed = true) =>
        (await _registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(seed), GatePassed = gatePassed, Actor = "ci" })).Version.Version;

    private static AuditInfo By(string actor, params string[] approvals) => new(actor, "release") { Approvals = approvals };

    private async Task<PromotionRefusedException> RefusedAsync(Func<Task> act) =>
        (await act.Should().ThrowAsync<PromotionRefusedException>()).Which;

    private async Task<int?> HolderAsync(string stage) => (await _registry.GetByAliasAsync("diabetes", stage))?.Version;

    [Fact]
    public async Task PromoteAsync_ThroughEveryStageInOrder_MovesAliasesAndRecordsAudit()
    {
        var v1 = await RegisterAsync(1);

        _time.Advance(TimeSpan.FromMinutes(1));
        var dev = await _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave"));
        _time.Advance(TimeSpan.FromMinutes(1));
        var preprod = await _service.PromoteAsync("diabetes", v1, Stages.Preprod, By("dave", "erin"));
        _time.Advance(TimeSpan.FromMinutes(1));
        var prod = await _service.PromoteAsync("diabetes", v1, Stages.Prod, new AuditInfo("alice", "quarterly release") { Approvals = ["alice", "bob"] });

        dev.Should().Be(new PromotionResult("diabetes", Stages.Dev, null, 1));
        preprod.Should().Be(new PromotionResult("diabetes", Stages.Preprod, null, 1));
        prod.Should().Be(new PromotionResult("diabetes", Stages.Prod, null, 1));
        (await _registry.GetVersionAsync("diabetes", 1))!.Aliases.Should().Equal(Stages.Dev, Stages.Preprod, Stages.Prod);
        var promotions = (await _registry.HistoryAsync("diabetes")).Where(e => e.Action == AuditAction.Promote).ToList();
        promotions.Select(e => (e.Stage, e.Version, e.Actor, e.At)).Should().Equal(
            (Stages.Dev, 1, "dave", Start.AddMinutes(1)),
            (Stages.Preprod, 1, "dave", Start.AddMinutes(2)),
            (Stages.Prod, 1, "alice", Start.AddMinutes(3)));
        promotions[2].Reason.Should().Be("quarterly release");
        promotions[2].Approvals.Should().Equal("alice", "bob");
    }

    [Fact]
    public async Task PromoteAsync_NewerVersion_ResultSaysFromWhichVersion()
    {
        var v1 = await RegisterAsync(1);
        var v2 = await RegisterAsync(2);
        await _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave"));

        var result = await _service.PromoteAsync("diabetes", v2, Stages.Dev, By("dave"));

        result.Should().Be(new PromotionResult("diabetes", Stages.Dev, 1, 2));
        (await _registry.HistoryAsync("diabetes"))[^1].PreviousVersion.Should().Be(1);
    }

    [Fact]
    public async Task PromoteAsync_SkipsDev_IsRefused()
    {
        var v1 = await RegisterAsync(1);

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, Stages.Preprod, By("dave", "erin")));

        refused.Reason.Should().Be(PromotionRefusalReason.SkippedStage);
        refused.Message.Should().Be("version 1 of 'diabetes' cannot go to preprod: it does not hold dev (no version holds dev); promote it to dev first");
        (await HolderAsync(Stages.Preprod)).Should().BeNull();
    }

    [Fact]
    public async Task PromoteAsync_VersionNotHoldingPreprodToProd_IsRefused()
    {
        var v1 = await RegisterAsync(1);
        var v2 = await RegisterAsync(2);
        await _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave"));
        await _service.PromoteAsync("diabetes", v1, Stages.Preprod, By("dave", "erin"));
        await _service.PromoteAsync("diabetes", v2, Stages.Dev, By("dave"));

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v2, Stages.Prod, By("alice", "bob")));

        refused.Reason.Should().Be(PromotionRefusalReason.SkippedStage);
        refused.Message.Should().Be("version 2 of 'diabetes' cannot go to prod: it does not hold preprod (preprod is version 1); promote it to preprod first");
    }

    [Fact]
    public async Task PromoteAsync_GateFailed_IsRefused()
    {
        var v1 = await RegisterAsync(1, gatePassed: false);

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave")));

        refused.Reason.Should().Be(PromotionRefusalReason.GateFailed);
        refused.Message.Should().Be("version 1 of 'diabetes' failed its gates, and dev requires passed gates; fix the model and register a version that passes them");
        (await HolderAsync(Stages.Dev)).Should().BeNull();
    }

    [Fact]
    public async Task PromoteAsync_NoGateResult_CountsAsNotPassed()
    {
        var v1 = await RegisterAsync(1, gatePassed: null);

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave")));

        refused.Reason.Should().Be(PromotionRefusalReason.GateFailed);
        refused.Message.Should().Contain("has no gate result");
    }

    [Fact]
    public async Task PromoteAsync_StageNotRequiringGates_AcceptsFailedGate()
    {
        var lenient = new PromotionService(_registry, new PromotionPolicy([new StagePolicy(Stages.Dev, 0, [], RequireGatePassed: false)]));
        var v1 = await RegisterAsync(1, gatePassed: false);

        var result = await lenient.PromoteAsync("diabetes", v1, Stages.Dev, By("dave"));

        result.ToVersion.Should().Be(1);
        (await HolderAsync(Stages.Dev)).Should().Be(1);
    }

    private async Task<int> AtPreprodAsync()
    {
        var v1 = await RegisterAsync(1);
        await _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave"));
        await _service.PromoteAsync("diabetes", v1, Stages.Preprod, By("dave", "erin"));
        return v1;
    }

    [Fact]
    public async Task PromoteAsync_ActorIsNotAnApproval_OnlyRecordedApprovalsCount()
    {
        var v1 = await AtPreprodAsync();

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, Stages.Prod, By("alice", "bob")));

        refused.Reason.Should().Be(PromotionRefusalReason.MissingApproval);
        refused.Message.Should().Be(
            "promoting version 1 of 'diabetes' to prod needs 2 approvals from alice, bob, carol; counted 1 (bob); get 1 more approval (alice, carol)");
        (await HolderAsync(Stages.Prod)).Should().BeNull();
    }

    [Fact]
    public async Task PromoteAsync_NoApprovalAtAll_IsRefused()
    {
        var v1 = await AtPreprodAsync();

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, Stages.Prod, By("dave")));

        refused.Reason.Should().Be(PromotionRefusalReason.MissingApproval);
        refused.Message.Should().Be(
            "promoting version 1 of 'diabetes' to prod needs 2 approvals from alice, bob, carol; counted 0 (none); get 2 more approvals (alice, bob, carol)");
    }

    [Fact]
    public async Task PromoteAsync_ApprovalFromNonApprover_DoesNotCountAndIsNamed()
    {
        var v1 = await AtPreprodAsync();

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, Stages.Prod, By("alice", "alice", "mallory")));

        refused.Reason.Should().Be(PromotionRefusalReason.MissingApproval);
        refused.Message.Should().Be(
            "promoting version 1 of 'diabetes' to prod needs 2 approvals from alice, bob, carol; counted 1 (alice); mallory is not a prod approver; get 1 more approval (bob, carol)");
    }

    [Fact]
    public async Task PromoteAsync_SameApproverTwice_CountsOnce()
    {
        var v1 = await AtPreprodAsync();

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, Stages.Prod, By("dave", "bob", "BOB", " bob ")));

        refused.Reason.Should().Be(PromotionRefusalReason.MissingApproval);
        refused.Message.Should().Contain("counted 1 (bob)");
    }

    [Fact]
    public async Task PromoteAsync_NonApproverActorWithTwoApprovers_IsAccepted()
    {
        var v1 = await AtPreprodAsync();

        var result = await _service.PromoteAsync("diabetes", v1, Stages.Prod, By("dave", "Bob", "carol"));

        result.ToVersion.Should().Be(1);
        (await _registry.HistoryAsync("diabetes"))[^1].Approvals.Should().Equal("Bob", "carol");
    }

    [Fact]
    public async Task PromoteAsync_AnyoneMayApprove_DistinctNamesCountOnce()
    {
        var anyone = new PromotionService(_registry, new PromotionPolicy([new StagePolicy(Stages.Dev, 2, [])]));
        var v1 = await RegisterAsync(1);

        var refused = await RefusedAsync(() => anyone.PromoteAsync("diabetes", v1, Stages.Dev, By("dave", "dave", "DAVE")));
        var result = await anyone.PromoteAsync("diabetes", v1, Stages.Dev, By("ci", "dave", "erin"));

        refused.Message.Should().Be(
            "promoting version 1 of 'diabetes' to dev needs 2 approvals from distinct people; counted 1 (dave); get 1 more approval");
        result.ToVersion.Should().Be(1);
    }

    [Fact]
    public async Task PromoteAsync_UnknownVersion_IsRefusedWithVersions()
    {
        await RegisterAsync(1);
        await RegisterAsync(2);

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", 9, Stages.Dev, By("dave")));

        refused.Reason.Should().Be(PromotionRefusalReason.UnknownVersion);
        refused.Message.Should().Be("model 'diabetes' has no version 9; versions: 1, 2");
    }

    [Fact]
    public async Task PromoteAsync_UnknownModel_IsRefusedWithModels()
    {
        await RegisterAsync(1);

        var refused = await RefusedAsync(() => _service.PromoteAsync("churn", 1, Stages.Dev, By("dave")));

        refused.Reason.Should().Be(PromotionRefusalReason.UnknownVersion);
        refused.Message.Should().Be("model 'churn' is not registered; registered models: diabetes");
    }

    [Fact]
    public async Task PromoteAsync_UnknownStage_IsRefused()
    {
        var v1 = await RegisterAsync(1);

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, "staging", By("dave")));

        refused.Reason.Should().Be(PromotionRefusalReason.UnknownStage);
        refused.Message.Should().Be("unknown stage 'staging'; stages are dev, preprod, prod");
    }

    [Fact]
    public async Task PromoteAsync_StageMissingFromPolicy_IsRefused()
    {
        var devOnly = new PromotionService(_registry, new PromotionPolicy([new StagePolicy(Stages.Dev, 0, [])]));
        var v1 = await RegisterAsync(1);
        await devOnly.PromoteAsync("diabetes", v1, Stages.Dev, By("dave"));

        var refused = await RefusedAsync(() => devOnly.PromoteAsync("diabetes", v1, Stages.Preprod, By("dave", "erin")));

        refused.Reason.Should().Be(PromotionRefusalReason.UnknownStage);
        refused.Message.Should().Be("the promotion policy of 'diabetes' has no stage 'preprod' (it lists dev); add preprod to the model's promotion policy");
    }

    [Fact]
    public async Task PromoteAsync_VersionAlreadyAtStage_IsRefusedAndNotRecorded()
    {
        var v1 = await RegisterAsync(1);
        await _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave"));

        var refused = await RefusedAsync(() => _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave")));

        refused.Reason.Should().Be(PromotionRefusalReason.AlreadyAtStage);
        refused.Message.Should().Be("version 1 of 'diabetes' already holds dev; nothing to promote");
        (await _registry.HistoryAsync("diabetes")).Count(e => e.Action == AuditAction.Promote).Should().Be(1);
    }

    [Fact]
    public async Task RollbackAsync_RepeatedRollbacks_WalkBackThroughEarlierHolders()
    {
        for (var seed = 1; seed <= 3; seed++)
        {
            await _service.PromoteAsync("diabetes", await RegisterAsync(seed), Stages.Dev, By("dave"));
        }

        _time.Advance(TimeSpan.FromMinutes(10));
        var first = await _service.RollbackAsync("diabetes", Stages.Dev, new AuditInfo("erin", "v3 scores drift"));
        var second = await _service.RollbackAsync("diabetes", Stages.Dev, new AuditInfo("erin", "v2 too"));
        var refused = await RefusedAsync(() => _service.RollbackAsync("diabetes", Stages.Dev, By("erin")));

        first.Should().Be(new RollbackResult("diabetes", Stages.Dev, 3, 2));
        second.Should().Be(new RollbackResult("diabetes", Stages.Dev, 2, 1));
        refused.Reason.Should().Be(PromotionRefusalReason.NoPreviousVersion);
        refused.Message.Should().Contain("dev of 'diabetes' is version 1 and no earlier version held it");
        (await HolderAsync(Stages.Dev)).Should().Be(1);
        var rollbacks = (await _registry.HistoryAsync("diabetes")).Where(e => e.Action == AuditAction.Rollback).ToList();
        rollbacks.Select(e => (e.Stage, e.Version, e.PreviousVersion, e.Actor, e.Reason, e.At)).Should().Equal(
            (Stages.Dev, 2, 3, "erin", "v3 scores drift", Start.AddMinutes(10)),
            (Stages.Dev, 1, 2, "erin", "v2 too", Start.AddMinutes(10)));
    }

    [Fact]
    public async Task RollbackAsync_AfterRollbackAndNewPromotion_SkipsTheVersionRolledBackFrom()
    {
        for (var seed = 1; seed <= 3; seed++)
        {
            await _service.PromoteAsync("diabetes", await RegisterAsync(seed), Stages.Dev, By("dave"));
        }

        await _service.RollbackAsync("diabetes", Stages.Dev, By("erin"));
        await _service.PromoteAsync("diabetes", await RegisterAsync(4), Stages.Dev, By("dave"));

        // v4's promotion recorded v2 as previous; v3 was rolled back from and must not come back.
        var back = await _service.RollbackAsync("diabetes", Stages.Dev, By("erin"));
        var further = await _service.RollbackAsync("diabetes", Stages.Dev, By("erin"));

        back.Should().Be(new RollbackResult("diabetes", Stages.Dev, 4, 2));
        further.Should().Be(new RollbackResult("diabetes", Stages.Dev, 2, 1));
    }

    [Fact]
    public async Task RollbackAsync_OnlyTouchesTheGivenStage()
    {
        var v1 = await AtPreprodAsync();
        var v2 = await RegisterAsync(2);
        await _service.PromoteAsync("diabetes", v2, Stages.Dev, By("dave"));
        await _service.PromoteAsync("diabetes", v2, Stages.Preprod, By("dave", "erin"));

        var result = await _service.RollbackAsync("diabetes", Stages.Preprod, By("erin"));

        result.Should().Be(new RollbackResult("diabetes", Stages.Preprod, 2, v1));
        (await HolderAsync(Stages.Dev)).Should().Be(2);
    }

    [Fact]
    public async Task RollbackAsync_FirstHolder_IsRefused()
    {
        var v1 = await RegisterAsync(1);
        await _service.PromoteAsync("diabetes", v1, Stages.Dev, By("dave"));

        var refused = await RefusedAsync(() => _service.RollbackAsync("diabetes", Stages.Dev, By("erin")));

        refused.Reason.Should().Be(PromotionRefusalReason.NoPreviousVersion);
        refused.Message.Should().Be(
            "dev of 'diabetes' is version 1 and no earlier version held it (or all were rolled back from); there is nothing to roll back to (promote another version instead)");
        (await _registry.HistoryAsync("diabetes")).Should().NotContain(e => e.Action == AuditAction.Rollback);
    }

    [Fact]
    public async Task RollbackAsync_StageHeldByNobody_IsRefused()
    {
        await RegisterAsync(1);

        var refused = await RefusedAsync(() => _service.RollbackAsync("diabetes", Stages.Prod, By("erin")));

        refused.Reason.Should().Be(PromotionRefusalReason.NoPreviousVersion);
        refused.Message.Should().Be("no version of 'diabetes' holds prod; there is nothing to roll back (promote a version to prod instead)");
    }

    [Fact]
    public async Task RollbackAsync_UnknownModelOrStage_IsRefused()
    {
        (await RefusedAsync(() => _service.RollbackAsync("diabetes", Stages.Dev, By("erin")))).Reason.Should().Be(PromotionRefusalReason.UnknownVersion);
        (await RefusedAsync(() => _service.RollbackAsync("diabetes", "qa", By("erin")))).Reason.Should().Be(PromotionRefusalReason.UnknownStage);
    }

    [Theory]
    [InlineData("qa", 0, "unknown stage 'qa'")]
    [InlineData("prod", -1, "use 0 or more")]
    [InlineData("prod", 3, "requires 3 approvals but lists only 2 approvers")]
    public void Constructor_ImpossiblePolicy_IsRefused(string stage, int approvals, string expected)
    {
        var policy = new PromotionPolicy([new StagePolicy(stage, approvals, ["alice", "bob"])]);

        var act = () => new PromotionService(_registry, policy);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void Constructor_StageListedTwice_IsRefused()
    {
        var policy = new PromotionPolicy([new StagePolicy(Stages.Dev, 0, []), new StagePolicy(Stages.Dev, 1, [])]);

        var act = () => new PromotionService(_registry, policy);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("lists stage 'dev' 2 times");
    }
}
