using System.Text;
using Toolkit.Ml.Models;

namespace Toolkit.Registry.Mlflow.Tests;

public sealed class MlflowProfileTests
{
    private const string Profile = """{"format":"toolkit-profile/v1","rows":2,"features":[{"name":"a","type":"numeric","count":2,"null_fraction":0,"numeric":{"min":0,"max":1,"mean":0.5,"std":0.5,"edges":[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9],"bin_counts":[1,0,0,0,0,0,0,0,0,1],"sample":{"values":[0,1],"counts":[1,1]}}}],"predictions":null}""";

    private static RegisterRequest Request(string file, string? profile) => new() { Model = "diabetes", ModelFile = file, Actor = "ci", ReferenceProfile = profile };

    [Fact]
    public async Task RegisterAsync_WithProfile_StoresItAsAnArtifactNamedByATag()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);

        var result = await f.Registry.RegisterAsync(Request(file, Profile));

        result.Version.HasProfile.Should().BeTrue();
        var tags = f.Server.VersionTags("diabetes", 1);
        tags[MlflowRegistry.ProfileTag].Should().MatchRegex(@"^reference_profile\.[0-9a-f]{16}\.json$");
        var hex = ModelFile.Load(file).Digest!["sha256:".Length..];
        Encoding.UTF8.GetString(f.Server.Artifacts[$"toolkit/models/diabetes/{hex}/{tags[MlflowRegistry.ProfileTag]}"]).Should().Be(Profile);
        (await f.Registry.GetProfileAsync("diabetes", 1)).Should().Be(Profile);
        (await f.Registry.GetVersionAsync("diabetes", 1))!.HasProfile.Should().BeTrue();
        (await f.Registry.ListVersionsAsync("diabetes")).Single().HasProfile.Should().BeTrue();
    }

    [Fact]
    public async Task GetProfileAsync_VersionRegisteredWithoutOne_IsNull()
    {
        await using var f = new MlflowFixture();

        var result = await f.Registry.RegisterAsync(Request(f.ModelFile(2), null));

        result.Version.HasProfile.Should().BeFalse();
        f.Server.VersionTags("diabetes", 1).Should().NotContainKey(MlflowRegistry.ProfileTag);
        (await f.Registry.GetProfileAsync("diabetes", 1)).Should().BeNull();
    }

    [Fact]
    public async Task GetProfileAsync_UnknownVersion_IsARegistryError()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(2), Profile));

        var act = () => f.Registry.GetProfileAsync("diabetes", 4);

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("no version 4");
    }
}
