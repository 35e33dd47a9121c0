using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Tests.Embedded;

public sealed class ConcurrencyTests : IDisposable
{
    private readonly RegistryTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task RegisterAsync_EightRegistriesAtOnce_GetVersionsOneToEightNoneLost()
    {
        var files = Enumerable.Range(1, 8).Select(seed => _folder.ModelFile(seed)).ToArray();
        var digests = files.Select(f => ModelFile.Load(f).Digest!).ToArray();
        digests.Should().OnlyHaveUniqueItems();
        using var start = new ManualResetEventSlim();

        // Each task opens its own registry (own connection), as separate processes would, then all register together.
        var tasks = files.Select(file => Task.Run(async () =>
        {
            await using var registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

            // Hold each transaction open a little after the version number is chosen, so that registrations
            // really overlap: without the write lock taken up front, two would choose the same number.
            registry.BeforeRegisterCommit = ct => Task.Delay(20, ct);
            start.Wait();
            return await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file, Actor = Path.GetFileName(file) });
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);

        results.Should().OnlyContain(r => r.Created);
        results.Select(r => r.Version.Version).Should().BeEquivalentTo(Enumerable.Range(1, 8));
        await using var check = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);
        var versions = await check.ListVersionsAsync("diabetes");
        versions.Select(v => v.Version).Should().Equal(Enumerable.Range(1, 8));
        versions.Select(v => v.Digest).Should().BeEquivalentTo(digests);
        for (var i = 0; i < files.Length; i++)
        {
            var version = versions.Single(v => v.Digest == digests[i]);
            version.CreatedBy.Should().Be(Path.GetFileName(files[i]), "each version keeps its own request's facts");
            results[i].Version.Version.Should().Be(version.Version);
        }

        var registrations = (await check.HistoryAsync("diabetes")).Where(e => e.Action == AuditAction.Register).ToList();
        registrations.Select(e => e.Version).Should().BeEquivalentTo(Enumerable.Range(1, 8), "every version has exactly one register event");
        (await check.GetModelAsync("diabetes"))!.LatestVersion.Should().Be(8);
    }

    [Fact]
    public async Task RegisterAsync_SameFileFromEightRegistriesAtOnce_CreatesOneVersion()
    {
        var file = _folder.ModelFile(1);
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await using var registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);
            start.Wait();
            return await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file });
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);

        results.Count(r => r.Created).Should().Be(1);
        results.Should().OnlyContain(r => r.Version.Version == 1);
        await using var check = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);
        (await check.ListVersionsAsync("diabetes")).Should().ContainSingle();
        (await check.HistoryAsync("diabetes")).Should().ContainSingle();
    }

    [Fact]
    public async Task RegisterAsync_ProcessDiesBeforeCommit_LeavesFileButNoVersion()
    {
        var file = _folder.ModelFile(1);
        var digest = ModelFile.Load(file).Digest!;
        var snapshot = Path.Combine(_folder.Path, "after-crash");

        await using (var dying = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot))
        {
            // At the moment of death the file is stored and the transaction's rows are written but not committed:
            // copy what is on disk then (database, WAL, shared memory, model files), as a killed process leaves it.
            dying.BeforeRegisterCommit = _ =>
            {
                CopyFolder(_folder.RegistryRoot, snapshot);
                throw new OperationCanceledException("killed");
            };
            var act = () => dying.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file });
            await act.Should().ThrowAsync<OperationCanceledException>();
        }

        await using var after = await EmbeddedRegistry.OpenAsync(snapshot);
        var hex = digest["sha256:".Length..];
        File.Exists(Path.Combine(snapshot, "models", "sha256", hex[..2], hex + ".tkm")).Should().BeTrue("the file was stored before the transaction");
        (await after.ListModelsAsync()).Should().BeEmpty("an uncommitted registration leaves no model");
        (await after.ListVersionsAsync("diabetes")).Should().BeEmpty();
        (await after.HistoryAsync("diabetes")).Should().BeEmpty();

        var other = await after.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(2) });
        var same = await after.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file });
        other.Version.Version.Should().Be(1, "the dead registration took no version number");
        same.Created.Should().BeTrue();
        same.Version.Version.Should().Be(2);
        (await after.HistoryAsync("diabetes")).Select(e => e.Version).Should().Equal(1, 2);
    }

    [Fact]
    public async Task RegisterAsync_FailureBeforeCommit_RollsBackInTheSameRegistry()
    {
        var file = _folder.ModelFile(1);
        await using var registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);
        registry.BeforeRegisterCommit = _ => throw new IOException("disk full");

        var act = () => registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file });

        await act.Should().ThrowAsync<IOException>();
        registry.BeforeRegisterCommit = null;
        (await registry.ListModelsAsync()).Should().BeEmpty();
        var retry = await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file });
        retry.Created.Should().BeTrue();
        retry.Version.Version.Should().Be(1);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
