using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Toolkit.Cli;

namespace Toolkit.Serving.Tests;

/// <summary><c>mlops serve</c>'s batch and log flags, and their defaults from model.yaml <c>serving:</c>.</summary>
public sealed class ServePolicyTests(ClassifierServer fixture) : IClassFixture<ClassifierServer>
{
    [Fact]
    public async Task ServeModel_ModelYamlServing_PortMaxBatchAndLogComeFromIt()
    {
        var project = await ServeCommandTests.RegisteredProjectAsync(fixture);
        var port = FreePort();
        await WritePolicyAsync(project, $"serving: {{ port: {port}, max_batch: 5, prediction_log: {{ sample_rate: 1 }} }}");

        await using var serve = await ServeAsync(project, "serve", "--model", "demo", "--stage", "dev");
        serve.Url.Port.Should().Be(port);
        using (var http = new HttpClient { BaseAddress = serve.Url })
        {
            (await PostAsync(http, 6)).Should().Be(HttpStatusCode.RequestEntityTooLarge);
            (await PostAsync(http, 5)).Should().Be(HttpStatusCode.OK);
        }

        (await serve.StopAsync()).Should().Be(0, serve.Error);
        var log = Path.Combine(project, ".toolkit", "serving", "demo", "predictions.jsonl");
        File.ReadAllLines(log).Should().HaveCount(5);
        serve.Error.Should().Contain(log);
    }

    [Fact]
    public async Task ServeModel_Flags_OverrideModelYaml()
    {
        var project = await ServeCommandTests.RegisteredProjectAsync(fixture);
        await WritePolicyAsync(project, "serving: { max_batch: 5, prediction_log: { sample_rate: 0 } }");
        var log = Path.Combine(project, "mine", "p.jsonl");

        await using var serve = await ServeAsync(project, "serve", "--model", "demo", "--stage", "dev", "--port", "0", "--max-batch", "7", "--log", log, "--log-sample", "1");
        using (var http = new HttpClient { BaseAddress = serve.Url })
        {
            (await PostAsync(http, 8)).Should().Be(HttpStatusCode.RequestEntityTooLarge);
            (await PostAsync(http, 7)).Should().Be(HttpStatusCode.OK);
        }

        (await serve.StopAsync()).Should().Be(0, serve.Error);
        File.ReadAllLines(log).Should().HaveCount(7);
        File.Exists(Path.Combine(project, ".toolkit", "serving", "demo", "predictions.jsonl")).Should().BeFalse();
    }

    [Fact]
    public async Task ServeModel_NoModelYaml_ServesWithTheDefaults()
    {
        var project = await ServeCommandTests.RegisteredProjectAsync(fixture);
        await using var serve = await ServeAsync(project, "serve", "--model", "demo", "--stage", "dev", "--port", "0", "--log-sample", "1");
        using (var http = new HttpClient { BaseAddress = serve.Url })
        {
            (await PostAsync(http, 3)).Should().Be(HttpStatusCode.OK);
        }

        (await serve.StopAsync()).Should().Be(0, serve.Error);
        File.ReadAllLines(Path.Combine(project, ".toolkit", "serving", "demo", "predictions.jsonl")).Should().HaveCount(3);
    }

    [Fact]
    public async Task ServeModel_BrokenModelYaml_Exits2NamingTheFileAndField()
    {
        var project = await ServeCommandTests.RegisteredProjectAsync(fixture);
        await WritePolicyAsync(project, "serving: { max_batch: many }");
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--model", "demo", "--stage", "dev", "--port", "0"], new StringWriter(), error, project);
        code.Should().Be(2);
        error.ToString().Should().Contain("model.yaml").And.Contain("max_batch");
    }

    [Theory]
    [InlineData("--max-batch", "0", "--max-batch 0")]
    [InlineData("--log-sample", "1.5", "--log-sample 1.5")]
    [InlineData("--log-sample", "0.5", "needs --log")]
    public async Task ServeFile_BadFlag_Exits2NamingIt(string flag, string value, string expected)
    {
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--file", fixture.ModelPath, "--port", "0", flag, value], new StringWriter(), error, fixture.Folder);
        code.Should().Be(2);
        error.ToString().Should().Contain(expected);
    }

    [Fact]
    public async Task ServeModel_NameThatIsAPath_Exits2BeforeReadingAnything()
    {
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--model", "../demo", "--stage", "dev", "--port", "0"], new StringWriter(), error, fixture.Folder);
        code.Should().Be(2);
        error.ToString().Should().Contain("'../demo' is not a model name");
    }

    [Fact]
    public async Task ServeFile_LogPathNotWritable_Exits2NamingThePath()
    {
        // A folder cannot be made under a regular file.
        var log = Path.Combine(fixture.ModelPath, "predictions.jsonl");
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--file", fixture.ModelPath, "--port", "0", "--log", log], new StringWriter(), error, fixture.Folder);
        code.Should().Be(2);
        error.ToString().Should().Contain("cannot write the prediction log").And.Contain(log);
    }

    private async Task<HttpStatusCode> PostAsync(HttpClient http, int rows)
    {
        var first = Enumerable.Range(0, rows).ToArray();
        var table = new Ml.Data.DataTable(fixture.Rows.Columns.Select(c => c.Take(first)));
        using var response = await http.PostAsync("/invocations", new StringContent(fixture.DataframeSplit(table), Encoding.UTF8, "application/json"));
        if (response.StatusCode == HttpStatusCode.OK)
        {
            JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("predictions").GetArrayLength().Should().Be(rows);
        }

        return response.StatusCode;
    }

    private static async Task WritePolicyAsync(string project, string serving)
    {
        var folder = Path.Combine(project, "models", "demo");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "model.yaml"), $"""
            apiVersion: toolkit/v1
            kind: Model
            name: demo
            task: binary-classification
            primary_metric: auc
            {serving}

            """);
    }

    /// <summary>A port nobody listens on right now (the OS's pick for a socket closed at once).</summary>
    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<RunningServe> ServeAsync(string project, params string[] args)
    {
        var cts = new CancellationTokenSource();
        var output = new SignalWriter();
        var error = new StringWriter();
        var run = CliApp.RunAsync(args, output, error, project, cts.Token);
        var first = await Task.WhenAny(output.FirstLine.Task, run).WaitAsync(TimeSpan.FromMinutes(1));
        first.Should().Be(output.FirstLine.Task, $"serve ended early: {error}");
        var url = ServeCommandTests.UrlPattern().Match(output.FirstLine.Task.Result);
        url.Success.Should().BeTrue(output.FirstLine.Task.Result);
        return new RunningServe(cts, run, error, new Uri(url.Value));
    }

    private sealed class RunningServe(CancellationTokenSource cts, Task<int> run, StringWriter error, Uri url) : IAsyncDisposable
    {
        public Uri Url => url;

        public string Error => error.ToString();

        public async Task<int> StopAsync()
        {
            await cts.CancelAsync();
            return await run;
        }

        public async ValueTask DisposeAsync()
        {
            await cts.CancelAsync();
            await run;
            cts.Dispose();
        }
    }
}
