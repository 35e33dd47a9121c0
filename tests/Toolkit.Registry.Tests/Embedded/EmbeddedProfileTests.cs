using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Tests.Embedded;

public sealed class EmbeddedProfileTests : IDisposable
{
    /// <summary>A profile as Toolkit.Monitoring writes one (the registry keeps the text as given).</summary>
    internal const string Profile = """{"format":"toolkit-profile/v1","rows":3,"features":[{"name":"a","type":"numeric","count":3,"null_fraction":0,"numeric":{"min":1,"max":3,"mean":2,"std":0.816496580927726,"edges":[1.2,1.4,1.6,1.8,2,2.2,2.4,2.6,2.8],"bin_counts":[1,0,0,0,0,1,0,0,0,1],"sample":{"values":[1,2,3],"counts":[1,1,1]}}}],"predictions":null}""";

    private readonly RegistryTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<EmbeddedRegistry> OpenAsync() => EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

    private static RegisterRequest Request(string file, string? profile) => new() { Model = "diabetes", ModelFile = file, Actor = "alice", ReferenceProfile = profile };

    [Fact]
    public async Task RegisterAsync_WithProfile_StoresItWithTheVersion()
    {
        await using var registry = await OpenAsync();

        var result = await registry.RegisterAsync(Request(_folder.ModelFile(1), Profile));

        result.Version.HasProfile.Should().BeTrue();
        (await registry.GetVersionAsync("diabetes", 1))!.HasProfile.Should().BeTrue();
        (await registry.ListVersionsAsync("diabetes")).Single().HasProfile.Should().BeTrue();
        (await registry.GetProfileAsync("diabetes", 1)).Should().Be(Profile);
    }

    [Fact]
    public async Task RegisterAsync_SameFileWithAnotherProfile_KeepsTheFirst()
    {
        await using var registry = await OpenAsync();
        var file = _folder.ModelFile(1);

        await registry.RegisterAsync(Request(file, Profile));
        var again = await registry.RegisterAsync(Request(file, Profile.Replace("\"rows\":3", "\"rows\":4", StringComparison.Ordinal)));

        again.Created.Should().BeFalse();
        (await registry.GetProfileAsync("diabetes", 1)).Should().Be(Profile);
    }

    [Fact]
    public async Task GetProfileAsync_VersionRegisteredWithoutOne_IsNull()
    {
        await using var registry = await OpenAsync();

        var result = await registry.RegisterAsync(Request(_folder.ModelFile(1), null));

        result.Version.HasProfile.Should().BeFalse();
        (await registry.GetProfileAsync("diabetes", 1)).Should().BeNull();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"rows":3}""")]
    public async Task RegisterAsync_ProfileNoReaderCouldRead_RefusedAndNothingRegistered(string profile)
    {
        await using var registry = await OpenAsync();

        var act = () => registry.RegisterAsync(Request(_folder.ModelFile(1), profile));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("reference profile given for 'diabetes'");
        (await registry.ListVersionsAsync("diabetes")).Should().BeEmpty();
    }
}
