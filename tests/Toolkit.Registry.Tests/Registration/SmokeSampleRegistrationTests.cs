using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Tests.Registration;

public sealed class SmokeSampleRegistrationTests : IDisposable
{
    private readonly RegistryTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task RegisterAsync_SampleOfOtherColumns_IsRefusedAndNothingIsStored()
    {
        var file = _folder.ModelFile(1);
        var sample = SmokeSample.Take(ModelFile.Load(file), RegistryTestFolder.Table(), 5, seed: 1);
        var wrong = sample with { Columns = ["a", "b", "color"] };
        await using var registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

        var act = () => registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file, SmokeSample = wrong });

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should()
            .Be("the smoke sample given for 'diabetes' has the columns a, b, color, but the model's inputs are a, b, colour");
        (await registry.ListModelsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task RegisterAsync_SampleWithProbabilitiesForARegressor_IsRefused()
    {
        var file = _folder.ModelFile(1);
        var sample = SmokeSample.Take(ModelFile.Load(file), RegistryTestFolder.Table(), 2, seed: 1);
        await using var registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

        var act = () => registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file, SmokeSample = sample with { Probabilities = [0.5, 0.5] } });

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("has probabilities, but the model is not a classifier");
    }

    [Fact]
    public async Task VerifyAsync_SampleWhoseSizesDisagree_IsRefusedNamingTheField()
    {
        var file = _folder.ModelFile(1);
        var sample = SmokeSample.Take(ModelFile.Load(file), RegistryTestFolder.Table(), 3, seed: 1);

        var act = () => RegistrationService.VerifyAsync(new RegisterRequest { Model = "diabetes", ModelFile = file, SmokeSample = sample with { Predictions = ["1"] } });

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("field 'predictions': 1 predictions for 3 rows");
    }

    [Fact]
    public async Task VerifyAsync_Sample_IsCarriedAsTheJsonEveryBackendStores()
    {
        var file = _folder.ModelFile(1);
        var sample = SmokeSample.Take(ModelFile.Load(file), RegistryTestFolder.Table(), 7, seed: 2);

        var verified = await RegistrationService.VerifyAsync(new RegisterRequest { Model = "diabetes", ModelFile = file, SmokeSample = sample });

        verified.SmokeSampleJson.Should().Be(sample.ToJson());
        verified.ToVersion(1, DateTimeOffset.UnixEpoch).SmokeRows.Should().Be(7);
    }
}
