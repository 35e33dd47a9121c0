using System.Security.Cryptography;
using System.Text;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Tests.Storage;

public sealed class ArtifactStoreTests : IDisposable
{
    // Obtained with: printf 'hello\n' | sha256sum
    private const string HelloDigest = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private ArtifactStore NewStore(TimeProvider? time = null) => new(_temp.Combine("artifacts"), time);

    // The artifacts themselves; each has a .stamp beside it (size and mtime when last known intact).
    private string[] StoredFiles() =>
        Directory.Exists(_temp.Combine("artifacts", "sha256"))
            ? [.. Directory.GetFiles(_temp.Combine("artifacts", "sha256"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".stamp", StringComparison.Ordinal))]
            : [];

    private string[] TempFiles() =>
        Directory.Exists(_temp.Combine("artifacts", "tmp")) ? Directory.GetFiles(_temp.Combine("artifacts", "tmp")) : [];

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task PutBytes_KnownContent_NamesFileBySha256UnderTwoHexFolder()
    {
        var store = NewStore();

        var info = await store.PutBytesAsync(Encoding.ASCII.GetBytes("hello\n"));

        info.Should().Be(new ArtifactInfo(HelloDigest, 6));
        var expectedPath = _temp.Combine("artifacts", "sha256", "58", HelloDigest["sha256:".Length..]);
        store.PathOf(HelloDigest).Should().Be(expectedPath);
        File.ReadAllText(expectedPath).Should().Be("hello\n");
        store.Contains(HelloDigest).Should().BeTrue();
    }

    [Fact]
    public async Task Import_SameContentTwice_KeepsOneFileAndNoTemp()
    {
        var store = NewStore();
        var content = RandomBytes(10_000, seed: 1);
        var a = _temp.WriteFile("a.bin", content);
        var b = _temp.WriteFile("b.bin", content);

        var first = await store.ImportAsync(a);
        var second = await store.ImportAsync(b);

        second.Should().Be(first);
        first.Digest.Should().Be("sha256:" + Convert.ToHexStringLower(SHA256.HashData(content)));
        first.Size.Should().Be(10_000);
        StoredFiles().Should().ContainSingle();
        TempFiles().Should().BeEmpty();
    }

    [Fact]
    public async Task Import_ManyConcurrentTasksWithSameContent_OneFileWithRightContent()
    {
        var content = RandomBytes(3 << 20, seed: 2);
        var source = _temp.WriteFile("big.bin", content);
        var expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

        // Separate store instances, as separate processes would have.
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(() =>
            i % 2 == 0 ? NewStore().ImportAsync(source) : NewStore().PutBytesAsync(content))));

        results.Should().AllSatisfy(r => r.Should().Be(new ArtifactInfo(expected, content.Length)));
        StoredFiles().Should().ContainSingle();
        File.ReadAllBytes(NewStore().PathOf(expected)).Should().Equal(content);
        TempFiles().Should().BeEmpty("losers of the race delete their temps");
    }

    [Fact]
    public async Task Import_StoredFile_IsReadOnly()
    {
        var store = NewStore();

        var info = await store.PutBytesAsync(new byte[] { 1, 2, 3 });

        var path = store.PathOf(info.Digest);
        if (OperatingSystem.IsWindows())
        {
            File.GetAttributes(path).Should().HaveFlag(FileAttributes.ReadOnly);
        }
        else
        {
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    [Fact]
    public async Task Import_ProcessStopsBeforePublish_NothingVisibleAndTempCollectedLater()
    {
        var store = NewStore();
        var content = RandomBytes(50_000, seed: 3);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        var reached = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforePublish = async (tempPath, ct) =>
        {
            reached.SetResult(tempPath);
            await Task.Delay(Timeout.Infinite, ct);
        };
        using var kill = new CancellationTokenSource();

        var import = store.PutBytesAsync(content, kill.Token);
        var tempPath = await reached.Task;

        // The process is frozen with a complete temp: no store, this one or a restarted one, sees the artifact.
        new FileInfo(tempPath).Length.Should().Be(content.Length);
        store.Contains(digest).Should().BeFalse();
        var restarted = NewStore(new ManualTimeProvider(DateTimeOffset.UtcNow.AddHours(2)));
        restarted.Enumerate().Should().BeEmpty();
        restarted.Invoking(s => s.PathOf(digest)).Should().Throw<ArtifactNotFoundException>();

        // A kill -9 would leave the temp; gc in the restarted process removes it once stale.
        var gc = await restarted.CollectGarbageAsync(new HashSet<string>(), dryRun: false);
        gc.Should().Be(new GcResult(Removed: 1, BytesFreed: content.Length, Kept: 0));
        File.Exists(tempPath).Should().BeFalse();

        await kill.CancelAsync();
        await import.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        store.Contains(digest).Should().BeFalse();
    }

    [Fact]
    public async Task LeftoverPartialTemp_IsIgnored_KeptWhileFresh_RemovedWhenStale()
    {
        var content = RandomBytes(20_000, seed: 4);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        var partial = _temp.WriteFile(Path.Combine("artifacts", "tmp", "0123456789abcdef.tmp"), content[..7_000]);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var store = NewStore(clock);

        store.Contains(digest).Should().BeFalse("a partial write is never an artifact");
        var info = await store.PutBytesAsync(content);
        (await store.VerifyAsync(info.Digest)).Should().BeTrue();

        var fresh = await store.CollectGarbageAsync(new HashSet<string> { digest }, dryRun: false);
        fresh.Should().Be(new GcResult(Removed: 0, BytesFreed: 0, Kept: 1), "a young temp may be an import in progress");
        File.Exists(partial).Should().BeTrue();

        clock.Advance(TimeSpan.FromMinutes(61));
        var stale = await store.CollectGarbageAsync(new HashSet<string> { digest }, dryRun: false);
        stale.Should().Be(new GcResult(Removed: 1, BytesFreed: 7_000, Kept: 1));
        File.Exists(partial).Should().BeFalse();
        File.ReadAllBytes(store.PathOf(digest)).Should().Equal(content);
    }

    [Fact]
    public async Task Import_CancelledMidway_LeavesNoTemp()
    {
        var store = NewStore();
        var source = _temp.WriteFile("c.bin", RandomBytes(1000, seed: 5));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await store.Invoking(s => s.ImportAsync(source, cts.Token)).Should().ThrowAsync<OperationCanceledException>();

        TempFiles().Should().BeEmpty();
        StoredFiles().Should().BeEmpty();
    }

    [Fact]
    public async Task Verify_CorruptedSameSizeFile_ReturnsFalse_IntactAndAbsentAsExpected()
    {
        var store = NewStore();
        var good = await store.PutBytesAsync(RandomBytes(4096, seed: 6));
        var bad = await store.PutBytesAsync(RandomBytes(4096, seed: 7));
        var path = store.PathOf(bad.Digest);
        File.SetAttributes(path, FileAttributes.Normal);
        var bytes = File.ReadAllBytes(path);
        bytes[100] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        (await store.VerifyAsync(good.Digest)).Should().BeTrue();
        (await store.VerifyAsync(bad.Digest)).Should().BeFalse();
        (await store.VerifyAsync(HelloDigest)).Should().BeFalse("an absent artifact is not intact");
    }

    [Fact]
    public async Task Import_OverTruncatedCopy_RepairsIt()
    {
        var store = NewStore();
        var content = RandomBytes(8192, seed: 8);
        var info = await store.PutBytesAsync(content);
        var path = store.PathOf(info.Digest);
        File.SetAttributes(path, FileAttributes.Normal);
        File.WriteAllBytes(path, content[..10]);

        await store.PutBytesAsync(content);

        (await store.VerifyAsync(info.Digest)).Should().BeTrue();
    }

    [Fact]
    public void PathOf_AbsentDigest_ThrowsNamingDigest_MalformedDigestThrowsArgument()
    {
        var store = NewStore();

        store.Invoking(s => s.PathOf(HelloDigest)).Should().Throw<ArtifactNotFoundException>()
            .Which.Message.Should().Contain(HelloDigest);
        store.Invoking(s => s.PathOf("sha256:ABC")).Should().Throw<ArgumentException>().WithMessage("*64 lowercase hex*");
        store.Invoking(s => s.Contains(HelloDigest.ToUpperInvariant())).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task CollectGarbage_KeepsReferenced_RemovesOthers_DryRunChangesNothing()
    {
        var store = NewStore();
        var keep = await store.PutBytesAsync(RandomBytes(100, seed: 9));
        var drop1 = await store.PutBytesAsync(RandomBytes(200, seed: 10));
        var drop2 = await store.PutBytesAsync(RandomBytes(300, seed: 11));
        var referenced = new HashSet<string> { keep.Digest };

        var dry = await store.CollectGarbageAsync(referenced, dryRun: true);

        dry.Should().Be(new GcResult(Removed: 2, BytesFreed: 500, Kept: 1));
        StoredFiles().Should().HaveCount(3);

        var real = await store.CollectGarbageAsync(referenced, dryRun: false);

        real.Should().Be(dry);
        store.Contains(keep.Digest).Should().BeTrue();
        store.Contains(drop1.Digest).Should().BeFalse();
        store.Contains(drop2.Digest).Should().BeFalse();
        StoredFiles().Should().ContainSingle();
        Directory.GetDirectories(_temp.Combine("artifacts", "sha256")).Should().ContainSingle("emptied prefix folders go too");
    }

    [Fact]
    public async Task IsIntact_EditedInPlaceSameSize_FalseAndReimportRepairs()
    {
        var store = NewStore();
        var content = RandomBytes(4096, 3);
        var info = await store.PutBytesAsync(content);
        (await store.IsIntactAsync(info.Digest)).Should().BeTrue();
        var path = store.PathOf(info.Digest);
        var edited = (byte[])content.Clone();
        edited[100] ^= 0xFF;
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllBytesAsync(path, edited);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        (await store.IsIntactAsync(info.Digest)).Should().BeFalse("the size is the same but the content is not");

        await store.PutBytesAsync(content);
        (await File.ReadAllBytesAsync(path)).Should().Equal(content, "an identical import replaces a damaged copy of the same size");
        (await store.IsIntactAsync(info.Digest)).Should().BeTrue();
        StoredFiles().Should().ContainSingle();
        TempFiles().Should().BeEmpty();
    }

    [Fact]
    public async Task Remove_DeletesTheArtifactAndItsStamp()
    {
        var store = NewStore();
        var info = await store.PutBytesAsync(RandomBytes(64, 4));

        store.Remove(info.Digest);

        store.Contains(info.Digest).Should().BeFalse();
        Directory.GetFiles(_temp.Combine("artifacts", "sha256"), "*", SearchOption.AllDirectories).Should().BeEmpty();
    }
}
