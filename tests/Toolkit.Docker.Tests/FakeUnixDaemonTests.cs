using System.Net;
using System.Net.Sockets;
using System.Text;
using Toolkit.Docker.Containers;

namespace Toolkit.Docker.Tests;

/// <summary>
/// The client against a scripted daemon on a unix socket, the transport dockerd is used through: the
/// version asked first, transient answers retried only for repeatable calls, the daemon's message kept.
/// </summary>
public sealed class FakeUnixDaemonTests : IDisposable
{
    private readonly string _socketPath = Path.Combine(Path.GetTempPath(), $"toolkit-fake-docker-{Guid.NewGuid():N}.sock");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly List<string> _requests = [];
    private readonly Queue<(int Status, string Body)> _answers = new();

    public FakeUnixDaemonTests()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
        _listener.Listen();
        _ = Task.Run(AcceptAsync);
    }

    [Fact]
    public async Task List_SocketDaemonAnswers503Then200_IsRetriedOnTheNegotiatedVersion()
    {
        _answers.Enqueue((503, """{"message":"busy"}"""));
        _answers.Enqueue((200, """[{"Id":"c1","Names":["/a"],"Image":"x:1","State":"exited","Labels":{"k":"v"}}]"""));
        using var client = Client();

        var list = await client.Containers.ListAsync("k=v");

        list.Should().ContainSingle().Which.Should().Match<ContainerSummary>(c => c.Id == "c1" && c.State == "exited" && c.Labels["k"] == "v");
        Requests().Should().Equal("GET /version", "GET /v1.41/containers/json", "GET /v1.41/containers/json");
    }

    [Fact]
    public async Task Start_SocketDaemonAnswers503_IsSentOnceAndKeepsTheMessage()
    {
        _answers.Enqueue((503, """{"message":"start refused"}"""));
        using var client = Client();

        var act = () => client.Containers.StartAsync("c1");

        var error = (await act.Should().ThrowAsync<DockerApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        error.Message.Should().Be("Docker API error 503 (ServiceUnavailable): start refused");
        Requests().Should().Equal("GET /version", "POST /v1.41/containers/c1/start");
    }

    [Fact]
    public async Task Inspect_SocketDaemonNeverAnswers_FailsAsTimeoutNamingTheEndpoint()
    {
        _answers.Enqueue((0, string.Empty)); // 0: hold the request, answer nothing
        using var client = new DockerClientOptions
        {
            Endpoint = DockerClientOptions.Parse("unix://" + _socketPath),
            RequestTimeout = TimeSpan.FromMilliseconds(300),
        }.CreateClient();

        var act = () => client.Images.InspectAsync("x:1");

        var error = (await act.Should().ThrowAsync<DockerApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.RequestTimeout);
        error.Message.Should().Contain("did not answer").And.Contain(_socketPath);
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(_socketPath);
    }

    private IDockerClient Client() => new DockerClientOptions
    {
        Endpoint = DockerClientOptions.Parse("unix://" + _socketPath),
        RetryDelay = TimeSpan.FromMilliseconds(10),
    }.CreateClient();

    private List<string> Requests()
    {
        lock (_requests)
        {
            return [.. _requests];
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    /// <summary>HTTP/1.1 by hand: requests without bodies, one answer each, as long as the client keeps the connection.</summary>
    private async Task ServeAsync(Socket connection)
    {
        using var _ = connection;
        await using var stream = new NetworkStream(connection);
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        while (await reader.ReadLineAsync() is { Length: > 0 } requestLine)
        {
            while (await reader.ReadLineAsync() is { Length: > 0 })
            {
                // Headers: nothing in them matters here.
            }

            var parts = requestLine.Split(' ');
            var path = parts[1].Split('?')[0];
            lock (_requests)
            {
                _requests.Add($"{parts[0]} {path}");
            }

            var (status, body) = path == "/version"
                ? (200, """{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","KernelVersion":"6"}""")
                : _answers.Dequeue();
            if (status == 0)
            {
                // Hold the connection until the client gives up on it.
                await reader.ReadLineAsync();
                return;
            }

            var bytes = Encoding.UTF8.GetBytes(body);
            var head = $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
        }
    }
}
