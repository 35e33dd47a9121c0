using System.Net;
using System.Net.Sockets;
using System.Text;
using Toolkit.Docker.Containers;

namespace Toolkit.Docker.Tests;

/// <summary>The client against a scripted daemon on 127.0.0.1 (tcp://): retries, version prefix, error table.</summary>
public sealed class FakeDaemonTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<string> _requests = [];
    private readonly Queue<(int Status, string Body)> _imageAnswers = new();
    private readonly int _port;

    public FakeDaemonTests()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    [Fact]
    public async Task Inspect_DaemonAnswers503Twice_IsRetriedUntilItSucceeds()
    {
        _imageAnswers.Enqueue((503, """{"message":"busy"}"""));
        _imageAnswers.Enqueue((503, """{"message":"busy"}"""));
        _imageAnswers.Enqueue((200, """{"Id":"sha256:abc","RepoTags":["x:1"],"Size":5}"""));
        using var client = Client();

        var image = await client.Images.InspectAsync("x:1");

        image.Id.Should().Be("sha256:abc");
        Requests().Should().Equal("GET /version", "GET /v1.41/images/x:1/json", "GET /v1.41/images/x:1/json", "GET /v1.41/images/x:1/json");
    }

    [Fact]
    public async Task Create_DaemonAnswers503_IsNotRetriedAndKeepsStatusAndMessage()
    {
        using var client = Client();

        var act = () => client.Containers.CreateAsync(new ContainerCreateRequest { Image = "x:1" });

        var error = (await act.Should().ThrowAsync<DockerApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        error.Message.Should().Contain("create refused");
        Requests().Should().Equal("GET /version", "POST /v1.41/containers/create");
    }

    [Fact]
    public async Task Inspect_Daemon404_IsImageNotFoundWithoutRetry()
    {
        _imageAnswers.Enqueue((404, """{"message":"No such image: x:1"}"""));
        using var client = Client();

        var act = () => client.Images.InspectAsync("x:1");

        (await act.Should().ThrowAsync<DockerImageNotFoundException>()).WithMessage("No such image: x:1");
        Requests().Should().HaveCount(2);
    }

    public void Dispose() => _listener.Close();

    private IDockerClient Client() => new DockerClientOptions
    {
        Endpoint = DockerClientOptions.Parse($"tcp://127.0.0.1:{_port}"),
        RetryDelay = TimeSpan.FromMilliseconds(10),
    }.CreateClient();

    private List<string> Requests()
    {
        lock (_requests)
        {
            return [.. _requests];
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            lock (_requests)
            {
                _requests.Add($"{context.Request.HttpMethod} {path}");
            }

            var (status, body) = path switch
            {
                "/version" => (200, """{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","KernelVersion":"6"}"""),
                _ when path.StartsWith("/v1.41/images/", StringComparison.Ordinal) => _imageAnswers.Dequeue(),
                _ => (503, """{"message":"create refused"}"""),
            };
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
