using Toolkit.Docker.Containers;
using Toolkit.Docker.Images;

namespace Toolkit.Docker.Tests.Images;

[Collection(DockerCollection.Name)]
public sealed class ImageIntegrationTests(DockerFixture fixture)
{
    [DockerFact]
    public async Task Build_Twice_SecondBuildTakesEveryStepFromTheCache()
    {
        using var ctx = new TestFolder();
        var unique = Guid.NewGuid().ToString("N");
        ctx.File("Dockerfile", $"FROM {DockerFixture.BaseImage}\nRUN echo {unique} > /built\nCOPY data.txt /data.txt\n");
        ctx.File("data.txt", "payload");
        var tag = $"toolkit-test/cache:{unique[..12]}";
        var lines = new List<BuildProgress>();
        try
        {
            var first = await fixture.Client.Images.BuildAsync(
                new ImageBuildRequest { ContextDirectory = ctx.Path, Tags = [tag], Labels = new Dictionary<string, string> { ["io.toolkit.test"] = "1" } });
            var second = await fixture.Client.Images.BuildAsync(
                new ImageBuildRequest { ContextDirectory = ctx.Path, Tags = [tag], Labels = new Dictionary<string, string> { ["io.toolkit.test"] = "1" } },
                new SyncProgress<BuildProgress>(lines.Add));

            first.CachedSteps.Should().Be(0, "the RUN line is new");
            second.ImageId.Should().Be(first.ImageId);

            // FROM is never "cached"; RUN, COPY and the LABEL added for labels= are.
            second.CachedSteps.Should().Be(second.Steps - 1);
            lines.Should().Contain(l => l.CacheHit && l.Step != null && l.Step.Contains("RUN echo " + unique, StringComparison.Ordinal));
            (await fixture.Client.Images.InspectAsync(tag)).Labels.Should().Contain("io.toolkit.test", "1");
        }
        finally
        {
            await fixture.Client.Images.RemoveAsync(tag, force: true);
        }
    }

    [DockerFact]
    public async Task Build_FailingRun_SurfacesTheInstructionAndTheMessage()
    {
        using var ctx = new TestFolder();
        var label = "failing-" + Guid.NewGuid().ToString("N");

        // The label marks the layers the failed build leaves behind, so the test can remove them.
        ctx.File("Dockerfile", $"FROM {DockerFixture.BaseImage}\nLABEL {DockerFixture.TestLabel}={label}\nRUN sh -c 'echo boom >&2; exit 3'\nRUN echo never\n");
        try
        {
            var act = () => fixture.Client.Images.BuildAsync(new ImageBuildRequest { ContextDirectory = ctx.Path });

            var error = (await act.Should().ThrowAsync<DockerBuildFailedException>()).Which;
            error.Step.Should().StartWith("Step 3/4 : RUN sh -c 'echo boom >&2; exit 3'");
            error.Error.Should().Contain("returned a non-zero code: 3");
            error.Message.Should().Contain("Step 3/4").And.Contain("non-zero code: 3");
        }
        finally
        {
            foreach (var image in await fixture.Client.Images.ListAsync($"{DockerFixture.TestLabel}={label}"))
            {
                await fixture.Client.Images.RemoveAsync(image.Id, force: true);
            }
        }
    }

    [DockerFact]
    public async Task Build_ContextWithDockerIgnore_LeavesIgnoredFilesOut()
    {
        using var ctx = new TestFolder();
        ctx.File("Dockerfile", $"FROM {DockerFixture.BaseImage}\nCOPY . /ctx/\n");
        ctx.File(".dockerignore", "secret.txt\nlogs\n**/*.tmp\n");
        ctx.File("keep.txt", "k");
        ctx.File("secret.txt", "s");
        ctx.File("logs/a.log", "l");
        ctx.File("src/b.tmp", "t");
        ctx.File("src/c.txt", "c");
        var tag = "toolkit-test/ignore:" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await fixture.Client.Images.BuildAsync(new ImageBuildRequest { ContextDirectory = ctx.Path, Tags = [tag] });
            var logs = await RunAsync(tag, ["/bin/sh", "-c", "cd /ctx && find . -type f | sort"]);

            logs.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Should().Equal("./.dockerignore", "./Dockerfile", "./keep.txt", "./src/c.txt");
        }
        finally
        {
            await fixture.Client.Images.RemoveAsync(tag, force: true);
        }
    }

    [DockerFact]
    public async Task PushThenPull_LocalRegistry_ImageComesBackWithTheSameId()
    {
        await fixture.EnsureRegistryAsync();
        using var ctx = new TestFolder();
        var unique = Guid.NewGuid().ToString("N")[..12];
        ctx.File("Dockerfile", $"FROM {DockerFixture.BaseImage}\nRUN echo {unique} > /id\n");
        var repository = $"{DockerFixture.Registry}/toolkit-test/pushed";
        var built = await fixture.Client.Images.BuildAsync(new ImageBuildRequest { ContextDirectory = ctx.Path, Tags = [$"{repository}:{unique}"] });
        try
        {
            var digest = await fixture.Client.Images.PushAsync(
                repository, unique, new RegistryCredentials("tester", "secret", DockerFixture.Registry));
            await fixture.Client.Images.RemoveAsync($"{repository}:{unique}");
            var removed = () => fixture.Client.Images.InspectAsync($"{repository}:{unique}");
            await removed.Should().ThrowAsync<DockerImageNotFoundException>();

            await fixture.Client.Images.PullAsync(repository, unique);

            digest.Should().StartWith("sha256:");
            var pulled = await fixture.Client.Images.InspectAsync($"{repository}:{unique}");
            pulled.Id.Should().Be(built.ImageId);
            pulled.RepoDigests.Should().Contain($"{repository}@{digest}");
        }
        finally
        {
            await fixture.Client.Images.RemoveAsync($"{repository}:{unique}", force: true);
        }
    }

    [DockerFact]
    public async Task Pull_TagNotInRegistry_ThrowsImageNotFound()
    {
        await fixture.EnsureRegistryAsync();

        var act = () => fixture.Client.Images.PullAsync($"{DockerFixture.Registry}/toolkit-test/absent", "nope");

        await act.Should().ThrowAsync<DockerImageNotFoundException>();
    }

    private async Task<ContainerLogs> RunAsync(string image, IReadOnlyList<string> command)
    {
        var id = await fixture.Client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = image,
            Entrypoint = command,
            Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "images" },
        });
        try
        {
            await fixture.Client.Containers.StartAsync(id);
            (await fixture.Client.Containers.WaitAsync(id)).Should().Be(0);
            return await fixture.Client.Containers.GetLogsAsync(id);
        }
        finally
        {
            await fixture.Client.Containers.RemoveAsync(id);
        }
    }
}

/// <summary>Reports on the caller's thread, so the list is complete when the build returns (Progress&lt;T&gt; posts later).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
