using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Tests.Registration;

public sealed class RegistrationServiceTests : IDisposable
{
    private readonly RegistryTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("{\"passed\":false}", true)]
    [InlineData("{\"passed\":true}", false)]
    public async Task RegisterAsync_GatePassedDisagreesWithTheGateReport_RefusedAndNothingStored(string report, bool claimed)
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

        var act = () => registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(1), GateReport = report, GatePassed = claimed });

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("the gate report given for 'diabetes' says passed=");
        (await registry.ListModelsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task VerifyAsync_GivenParameters_SortedByNameAndDataDigestFromTheFile()
    {
        var file = _folder.ModelFile(2);

        var verified = await RegistrationService.VerifyAsync(new RegisterRequest
        {
            Model = "diabetes",
            ModelFile = file,
            Parameters = new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" },
        });

        verified.Parameters.Keys.Should().Equal("a", "z");
        verified.DataDigest.Should().Be(Toolkit.Ml.Models.ModelFile.Load(file).Training.DataDigest);
        verified.Content.ToArray().Should().Equal(await File.ReadAllBytesAsync(file));
    }
}
