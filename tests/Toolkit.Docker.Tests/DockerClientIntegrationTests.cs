namespace Toolkit.Docker.Tests;

/// <summary>Against the real daemon (skipped without one unless TOOLKIT_REQUIRE_DOCKER=1).</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerClientIntegrationTests(DockerFixture fixture)
{
    [DockerFact]
    public async Task PingAndVersion_RealDaemon_NegotiatesTheLowerApiVersion()
    {
        await fixture.Client.System.PingAsync();
        var version = await fixture.Client.System.GetVersionAsync();
        var negotiated = await fixture.Client.System.GetApiVersionAsync();

        version.ApiVersion.Should().MatchRegex(@"^\d+\.\d+$");
        var expected = Version.Parse(version.ApiVersion) < Version.Parse(DockerClientOptions.MaxApiVersion)
            ? version.ApiVersion
            : DockerClientOptions.MaxApiVersion;
        negotiated.Should().Be(expected);
    }

    [DockerFact]
    public async Task InspectImage_Missing_ThrowsImageNotFound()
    {
        var act = () => fixture.Client.Images.InspectAsync("toolkit-test/never-built:" + Guid.NewGuid().ToString("N"));

        await act.Should().ThrowAsync<DockerImageNotFoundException>();
    }
}
