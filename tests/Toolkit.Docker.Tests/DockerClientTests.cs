using Toolkit.Docker.Engine;

namespace Toolkit.Docker.Tests;

public sealed class DockerClientTests
{
    [Theory]
    [InlineData("1.47", "1.41", "1.12", "1.41")]
    [InlineData("1.47", "1.51", "1.24", "1.47")]
    [InlineData("1.47", "1.9", null, "1.9")]
    [InlineData("1.10", "1.9", null, "1.9")]
    [InlineData("1.47", "1.52", "1.50", "1.50")]
    public void Negotiate_OursAndTheDaemons_TakesTheLowerNumericallyButNotBelowTheDaemonMinimum(string ours, string daemon, string? minimum, string expected) =>
        DockerEngine.Negotiate(ours, daemon, minimum).Should().Be(expected);

    [Fact]
    public async Task Ping_SocketDoesNotExist_SaysHowToStartDockerOrSetDockerHost()
    {
        var options = new DockerClientOptions { Endpoint = DockerClientOptions.Parse("unix:///tmp/toolkit-no-such-docker.sock") };
        using var client = options.CreateClient();

        var act = () => client.System.PingAsync();

        var error = (await act.Should().ThrowAsync<DockerNotReachableException>()).Which;
        error.Message.Should().Contain("the socket /tmp/toolkit-no-such-docker.sock does not exist").And.Contain("dockerd").And.Contain("DOCKER_HOST");
    }

    [Fact]
    public async Task Ping_NothingListensOnTheTcpPort_SaysHowToStartDocker()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var client = new DockerClientOptions { Endpoint = DockerClientOptions.Parse($"tcp://127.0.0.1:{port}") }.CreateClient();

        var act = () => client.System.PingAsync();

        var error = (await act.Should().ThrowAsync<DockerNotReachableException>()).Which;
        error.Message.Should().StartWith($"Docker is not reachable at tcp://127.0.0.1:{port}/").And.Contain("dockerd");
    }

    [Theory]
    [InlineData("ssh://user@host")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("unix://")]
    [InlineData("not an address")]
    public void Parse_UnsupportedOrIncompleteEndpoint_Throws(string address)
    {
        var act = () => DockerClientOptions.Parse(address);

        act.Should().Throw<ArgumentException>().WithMessage("*" + address.Split(':')[0] + "*");
    }

    [Fact]
    public void Parse_TcpWithPort_IsAccepted() =>
        DockerClientOptions.Parse("tcp://127.0.0.1:2375").Port.Should().Be(2375);

    [Theory]
    [InlineData(404, 1, typeof(DockerImageNotFoundException))]
    [InlineData(404, 2, typeof(DockerContainerNotFoundException))]
    [InlineData(409, 2, typeof(DockerApiException))]
    [InlineData(500, 0, typeof(DockerApiException))]
    public void MapError_StatusAndResource_GivesTheTableException(int status, int resource, Type expected)
    {
        var error = DockerEngine.MapError((System.Net.HttpStatusCode)status, """{"message":"thing went wrong"}""", (DockerResource)resource);

        error.Should().BeOfType(expected);
        error.Message.Should().Contain("thing went wrong");
        error.StatusCode.Should().Be((System.Net.HttpStatusCode)status);
    }
}
