using Toolkit.Registry.Embedded;
using Toolkit.Registry.Promotion;

namespace Toolkit.Registry.Tests.Promotion;

public sealed class ConcurrentPromotionTests : IDisposable
{
    private readonly RegistryTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly PromotionPolicy Policy = new([new StagePolicy(Stages.Dev, 0, []), new StagePolicy(Stages.Preprod, 0, [])]);

    private async Task<EmbeddedRegistry> WithTwoVersionsAsync()
    {
        var registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);
        await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(1), GatePassed = true });
        await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(2), GatePassed = true });
        return registry;
    }

    [Fact]
    public async Task SetAliasIfAsync_HolderChangedSinceCheck_MovesNothing()
    {
        await using var registry = await WithTwoVersionsAsync();
        await registry.SetAliasAsync("diabetes", Stages.Dev, 2, AuditAction.Promote, new AuditInfo("bob", null));
        IAtomicAliasMove atomic = registry;

        var act = () => atomic.SetAliasIfAsync(
            "diabetes", Stages.Preprod, 1, AuditAction.Promote, new AuditInfo("alice", null), new Dictionary<string, int?> { [Stages.Dev] = 1, [Stages.Preprod] = null }, default);

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Be(
            "dev of 'diabetes' changed while moving preprod: it is version 2, it was version 1 when checked; nothing was moved, try again");
        (await registry.GetByAliasAsync("diabetes", Stages.Preprod)).Should().BeNull();
        (await registry.HistoryAsync("diabetes")).Should().NotContain(e => e.Stage == Stages.Preprod);
    }

    [Fact]
    public async Task SetAliasIfAsync_HoldersAsExpected_Moves()
    {
        await using var registry = await WithTwoVersionsAsync();
        await registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("bob", null));
        IAtomicAliasMove atomic = registry;

        await atomic.SetAliasIfAsync(
            "diabetes", Stages.Preprod, 1, AuditAction.Promote, new AuditInfo("alice", null), new Dictionary<string, int?> { [Stages.Dev] = 1, [Stages.Preprod] = null }, default);

        (await registry.GetByAliasAsync("diabetes", Stages.Preprod))!.Version.Should().Be(1);
    }

    [Fact]
    public async Task PromoteAsync_DevMovedByAnotherProcessAfterTheChecks_IsRefusedAndNothingMoves()
    {
        await using var registry = await WithTwoVersionsAsync();
        await registry.SetAliasAsync("diabetes", Stages.Dev, 1, AuditAction.Promote, new AuditInfo("bob", null));
        await using var other = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

        // Right after the service reads who holds dev, another process promotes version 2 to dev.
        var interfering = new InterferingRegistry(registry, async (model, alias) =>
        {
            if (alias == Stages.Dev)
            {
                await other.SetAliasAsync(model, Stages.Dev, 2, AuditAction.Promote, new AuditInfo("carol", "meanwhile"));
            }
        });
        var service = new PromotionService(interfering, Policy);

        var act = () => service.PromoteAsync("diabetes", 1, Stages.Preprod, new AuditInfo("alice", null));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("dev of 'diabetes' changed while moving preprod");
        (await registry.GetByAliasAsync("diabetes", Stages.Preprod)).Should().BeNull("version 1 no longer holds dev, so it may not reach preprod");
    }

    /// <summary>Delegates to a registry and runs a callback after each alias read, to stage a race deterministically.</summary>
    private sealed class InterferingRegistry : IModelRegistry, IAtomicAliasMove
    {
        private readonly EmbeddedRegistry _inner;
        private readonly Func<string, string, Task> _afterAliasRead;

        public InterferingRegistry(EmbeddedRegistry inner, Func<string, string, Task> afterAliasRead)
        {
            _inner = inner;
            _afterAliasRead = afterAliasRead;
        }

        public string Backend => _inner.Backend;

        public async Task<ModelVersion?> GetByAliasAsync(string model, string alias, CancellationToken cancellationToken = default)
        {
            var result = await _inner.GetByAliasAsync(model, alias, cancellationToken);
            await _afterAliasRead(model, alias);
            return result;
        }

        public Task SetAliasIfAsync(
            string model, string alias, int version, AuditAction action, AuditInfo audit, IReadOnlyDictionary<string, int?> expectedHolders, CancellationToken cancellationToken) =>
            ((IAtomicAliasMove)_inner).SetAliasIfAsync(model, alias, version, action, audit, expectedHolders, cancellationToken);

        public Task<RegisterResult> StoreVersionAsync(VerifiedRegistration registration, CancellationToken cancellationToken = default) => _inner.StoreVersionAsync(registration, cancellationToken);

        public Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken cancellationToken = default) => _inner.ListModelsAsync(cancellationToken);

        public Task<RegisteredModel?> GetModelAsync(string model, CancellationToken cancellationToken = default) => _inner.GetModelAsync(model, cancellationToken);

        public Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken cancellationToken = default) => _inner.ListVersionsAsync(model, cancellationToken);

        public Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken cancellationToken = default) => _inner.GetVersionAsync(model, version, cancellationToken);

        public Task SetAliasAsync(string model, string alias, int version, AuditAction action, AuditInfo audit, CancellationToken cancellationToken = default) =>
            _inner.SetAliasAsync(model, alias, version, action, audit, cancellationToken);

        public Task<IReadOnlyList<AuditEvent>> HistoryAsync(string model, CancellationToken cancellationToken = default) => _inner.HistoryAsync(model, cancellationToken);

        public Task AppendDeploymentEventAsync(string model, int version, string stage, AuditAction action, AuditInfo audit, CancellationToken cancellationToken = default) =>
            _inner.AppendDeploymentEventAsync(model, version, stage, action, audit, cancellationToken);

        public Task DownloadModelAsync(string model, int version, string destinationPath, CancellationToken cancellationToken = default) =>
            _inner.DownloadModelAsync(model, version, destinationPath, cancellationToken);

        public Task<string?> GetModelCardAsync(string model, int version, CancellationToken cancellationToken = default) => _inner.GetModelCardAsync(model, version, cancellationToken);

        public Task<string?> GetGateReportAsync(string model, int version, CancellationToken cancellationToken = default) => _inner.GetGateReportAsync(model, version, cancellationToken);

        public Task<Toolkit.Ml.Models.SmokeSample?> GetSmokeSampleAsync(string model, int version, CancellationToken cancellationToken = default) =>
            _inner.GetSmokeSampleAsync(model, version, cancellationToken);

        public Task SetSignatureAsync(string model, int version, Toolkit.Registry.Signing.VersionSignature signature, CancellationToken cancellationToken = default) =>
            _inner.SetSignatureAsync(model, version, signature, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
