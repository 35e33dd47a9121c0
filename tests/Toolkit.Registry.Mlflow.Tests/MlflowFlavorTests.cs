using Toolkit.Ml.Models;

namespace Toolkit.Registry.Mlflow.Tests;

/// <summary>The flavor recorded with a version in MLflow: the toolkit.flavor tag and the artifact's extension.</summary>
public sealed class MlflowFlavorTests
{
    [Fact]
    public async Task RegisterAsync_TkmFile_TagsFlavorAndReturnsIt()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);

        var result = await f.Registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = file });

        result.Version.Flavor.Should().Be(ModelFlavors.Tkm);
        f.Server.VersionTags("diabetes", 1)[MlflowRegistry.FlavorTag].Should().Be(ModelFlavors.Tkm);
        (await f.Registry.GetVersionAsync("diabetes", 1))!.Flavor.Should().Be(ModelFlavors.Tkm);
        var hex = result.Version.Digest["sha256:".Length..];
        f.Server.Artifacts[$"toolkit/models/diabetes/{hex}/model.tkm"].Should().Equal(await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task GetVersionAsync_VersionWithoutFlavorTag_IsTkmAndDownloads()
    {
        // A version registered before flavors: model.tkm and a digest tag, no toolkit.flavor.
        await using var f = new MlflowFixture();
        var file = f.ModelFile(3);
        var bytes = await File.ReadAllBytesAsync(file);
        var digest = ModelFile.Load(file).Digest!;
        var folder = $"toolkit/models/old/{digest["sha256:".Length..]}";
        await f.Client.RegisteredModels.CreateAsync("old", [new("toolkit.managed", "true")]);
        await f.Client.Artifacts.UploadAsync($"{folder}/model.tkm", bytes);
        await f.Client.ModelVersions.CreateAsync(new NewModelVersion
        {
            Name = "old",
            Source = $"mlflow-artifacts:/{folder}",
            Tags = [new(MlflowRegistry.DigestTag, digest)],
        });
        f.Server.VersionTags("old", 1).Should().NotContainKey(MlflowRegistry.FlavorTag);

        var version = await f.Registry.GetVersionAsync("old", 1);
        var destination = Path.Combine(f.Directory, "old-v1" + ModelFileNames.Extension(version!.Flavor));
        await f.Registry.DownloadModelAsync("old", 1, destination);

        version.Flavor.Should().Be(ModelFlavors.Tkm);
        destination.Should().EndWith(".tkm");
        (await File.ReadAllBytesAsync(destination)).Should().Equal(bytes);
    }
}
