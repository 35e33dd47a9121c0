using Toolkit.Docker.Packaging;

namespace Toolkit.Docker.Tests.Packaging;

public sealed class BaseImagesTests
{
    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0", "mcr.microsoft.com/dotnet/runtime", "10.0")]
    [InlineData("127.0.0.1:5000/team/base", "127.0.0.1:5000/team/base", "latest")]
    [InlineData("team/base@sha256:abc", "team/base", "sha256:abc")]
    public void Split_Reference_GivesRepositoryAndTag(string image, string repository, string tag) =>
        BaseImages.Split(image).Should().Be((repository, tag));

    [Theory]
    [InlineData("toolkit/base:bookworm", true)]
    [InlineData("toolkit/base:trixie", true)]
    [InlineData("toolkit/components:latest", false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0", false)]
    public void IsLocal_Image_OnlyTheLocallyMadeBaseRepository(string image, bool local) =>
        BaseImages.IsLocal(image).Should().Be(local);
}
