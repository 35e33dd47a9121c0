using Toolkit.Docker.Containers;
using Toolkit.Docker.Images;
using Toolkit.Docker.Packaging;
using Toolkit.Docker.Tests.Images;

namespace Toolkit.Docker.Tests.Packaging;

/// <summary>What the components image builds FROM: toolkit.yaml's images.base (or --base), checked before any step.</summary>
[Collection(DockerCollection.Name)]
public sealed class ComponentsImageIntegrationTests(DockerFixture fixture)
{
    [DockerFact]
    public async Task Build_ExplicitBase_BuildsFromThatImageAndNamesItInTheLabel()
    {
        await fixture.ComponentsImageAsync(); // publishes mlops once for every test
        using var ctx = new TestFolder();
        var unique = Guid.NewGuid().ToString("N")[..12];
        var marker = "base-" + unique;
        ctx.File("Dockerfile", $"FROM {DockerFixture.BaseImage}\nRUN echo {marker} > /base-marker\n");
        var baseImage = $"toolkit-test/base:{unique}";
        var repository = "toolkit-test/components-on-" + unique;
        await fixture.Client.Images.BuildAsync(new ImageBuildRequest { ContextDirectory = ctx.Path, Tags = [baseImage] });
        try
        {
            var build = await new ComponentsImage(fixture.Client, fixture.RepositoryRoot).BuildAsync(repository, baseImage);
            var onDefault = await fixture.ComponentsImageAsync();

            (await fixture.Client.Images.InspectAsync(build.Tags[0])).Labels.Should().Contain("org.opencontainers.image.base.name", baseImage);
            (await RunAsync(build.Tags[0], ["/bin/cat", "/base-marker"])).Should().Be(marker + "\n");
            build.ContentTag.Should().NotBe(onDefault.ContentTag, "the same sources on another base are another image");
        }
        finally
        {
            foreach (var image in await fixture.Client.Images.ListAsync())
            {
                if (image.RepoTags.Any(t => t.StartsWith(repository + ":", StringComparison.Ordinal)))
                {
                    await fixture.Client.Images.RemoveAsync(image.Id, force: true);
                }
            }

            await fixture.Client.Images.RemoveAsync(baseImage, force: true);
        }
    }

    [DockerFact]
    public async Task Build_BaseNotInTheRegistry_FailsWithAMessageNamingItAndTheSetting()
    {
        await fixture.ComponentsImageAsync();
        await fixture.EnsureRegistryAsync();
        var baseImage = $"{DockerFixture.Registry}/toolkit-test/no-such-base:{Guid.NewGuid().ToString("N")[..12]}";
        var lines = new List<BuildProgress>();

        var act = () => new ComponentsImage(fixture.Client, fixture.RepositoryRoot)
            .BuildAsync("toolkit-test/never-built", baseImage, new SyncProgress<BuildProgress>(lines.Add));

        var error = (await act.Should().ThrowAsync<BaseImageMissingException>()).Which;
        error.Message.Should().Contain(baseImage).And.Contain("could not be pulled").And.Contain("images.base");
        lines.Should().NotContain(l => l.Step != null, "no build step runs without its base");
    }

    [DockerFact]
    public async Task Build_LocalBaseMissing_SaysInOneLineHowToBuildIt()
    {
        await fixture.ComponentsImageAsync();
        var missing = "toolkit/base:never-made-" + Guid.NewGuid().ToString("N")[..8];

        var act = () => new ComponentsImage(fixture.Client, fixture.RepositoryRoot).BuildAsync("toolkit-test/never-built", missing);

        var error = (await act.Should().ThrowAsync<BaseImageMissingException>()).Which;
        error.Message.Should().Be($"the base image {missing} is missing: build it with `sudo bash docker/base/make-base.sh` or `./build.sh --target=Images.Base`.");
    }

    [DockerFact]
    public async Task FixtureEnsureBase_LocalBaseMissingAndNotRoot_FailsWithTheHintInsteadOfRunningDebootstrap()
    {
        var missing = "toolkit/base:never-made-" + Guid.NewGuid().ToString("N")[..8];

        var act = () => DockerFixture.EnsureBaseAsync(fixture.Client, fixture.RepositoryRoot, missing, isRoot: false);

        var error = (await act.Should().ThrowAsync<BaseImageMissingException>()).Which;
        error.Message.Should().NotContain("\n").And.Contain("sudo bash docker/base/make-base.sh");
        var made = () => fixture.Client.Images.InspectAsync(missing);
        await made.Should().ThrowAsync<DockerImageNotFoundException>();
    }

    private async Task<string> RunAsync(string image, IReadOnlyList<string> entrypoint)
    {
        var id = await fixture.Client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = image,
            Entrypoint = entrypoint,
            Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "packaging" },
        });
        try
        {
            await fixture.Client.Containers.StartAsync(id);
            (await fixture.Client.Containers.WaitAsync(id)).Should().Be(0);
            return (await fixture.Client.Containers.GetLogsAsync(id)).StandardOutput;
        }
        finally
        {
            await fixture.Client.Containers.RemoveAsync(id);
        }
    }
}
