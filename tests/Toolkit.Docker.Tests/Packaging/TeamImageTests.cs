using Toolkit.Docker.Packaging;

namespace Toolkit.Docker.Tests.Packaging;

public sealed class TeamImageTests
{
    [Theory]
    [InlineData("toolkit/components:latest", "toolkit/components")]
    [InlineData("127.0.0.1:5000/toolkit/components:abc", "127.0.0.1:5000/toolkit/components")]
    [InlineData("127.0.0.1:5000/toolkit/components", "127.0.0.1:5000/toolkit/components")]
    [InlineData("registry/toolkit/components@sha256:0123", "registry/toolkit/components")]
    [InlineData("registry/toolkit/components:v1@sha256:0123", "registry/toolkit/components")]
    public void RepositoryOf_Reference_DropsTagAndDigest(string image, string repository) =>
        TeamImage.RepositoryOf(image).Should().Be(repository);

    [Fact]
    public void LabelOf_Folders_SortedNamesWithTheirFilesDigest_ChangesWithAnyFile()
    {
        using var work = new TestFolder();
        var clip = Path.Combine(work.Path, "store", "acme.clip-111111111111");
        var ratio = Path.Combine(work.Path, "store", "acme.ratio-222222222222");
        work.File("store/acme.clip-111111111111/Acme.Clip.dll", "v1");
        work.File("store/acme.clip-111111111111/sub/dep.dll", "dep");
        work.File("store/acme.ratio-222222222222/Acme.Ratio.dll", "r");

        var label = TeamImage.LabelOf([ratio, clip]);
        var entries = label.Split(',');
        entries.Should().HaveCount(2);
        entries[0].Should().MatchRegex("^acme\\.clip-111111111111@sha256:[0-9a-f]{64}$");
        entries[1].Should().MatchRegex("^acme\\.ratio-222222222222@sha256:[0-9a-f]{64}$");
        TeamImage.LabelOf([clip, ratio]).Should().Be(label, "the order of toolkit.yaml's list does not matter");

        // The same files elsewhere (a copy under the published app's team/) give the same label.
        var copy = Path.Combine(work.Path, "app", "team");
        ComponentsImage.CopyFolder(clip, Path.Combine(copy, Path.GetFileName(clip)));
        ComponentsImage.CopyFolder(ratio, Path.Combine(copy, Path.GetFileName(ratio)));
        TeamImage.LabelOfParent(copy).Should().Be(label);

        File.WriteAllText(Path.Combine(clip, "sub", "dep.dll"), "dep2");
        var edited = TeamImage.LabelOf([clip, ratio]).Split(',');
        edited[0].Should().NotBe(entries[0], "a changed file is another build");
        edited[1].Should().Be(entries[1]);
    }

    [Fact]
    public void LabelOfParent_NoTeamFolder_Empty()
    {
        using var work = new TestFolder();
        TeamImage.LabelOfParent(Path.Combine(work.Path, "team")).Should().BeEmpty();
    }
}
