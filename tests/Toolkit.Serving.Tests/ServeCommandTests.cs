using System.Text;
using System.Text.RegularExpressions;
using Toolkit.Cli;
using Toolkit.Registry;
using Toolkit.Registry.Embedded;

namespace Toolkit.Serving.Tests;

/// <summary><c>mlops serve</c> run in-process through the CLI, stopped with the token Program.cs would cancel.</summary>
public sealed partial class ServeCommandTests(ClassifierServer fixture) : IClassFixture<ClassifierServer>
{
    [Fact]
    public async Task ServeFile_PortZero_PrintsUrlAnswersPingAndStopsOnCancel()
    {
        using var cts = new CancellationTokenSource();
        var output = new SignalWriter();
        var error = new StringWriter();
        var run = CliApp.RunAsync(["serve", "--file", fixture.ModelPath, "--port", "0"], output, error, fixture.Folder, cts.Token);

        var line = await output.FirstLine.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var url = UrlPattern().Match(line);
        url.Success.Should().BeTrue(line);
        line.Should().Contain(fixture.Model.Digest!);
        using (var http = new HttpClient())
        {
            using var ping = await http.GetAsync(new Uri(url.Value + "/ping"));
            ping.IsSuccessStatusCode.Should().BeTrue();
        }

        await cts.CancelAsync();
        (await run).Should().Be(0, error.ToString());
    }

    [Fact]
    public async Task ServeFile_ChangedModelFile_Exits2NamingTheFile()
    {
        var bad = Path.Combine(fixture.Folder, "changed.tkm");
        var bytes = await File.ReadAllBytesAsync(fixture.ModelPath);
        bytes[^2] ^= 1;
        await File.WriteAllBytesAsync(bad, bytes);
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--file", bad, "--port", "0"], new StringWriter(), error, fixture.Folder);
        code.Should().Be(2);
        error.ToString().Should().Contain("changed.tkm").And.Contain("refusing");
    }

    [Fact]
    public async Task Serve_FileAndModelTogether_Exits2()
    {
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--file", fixture.ModelPath, "--model", "demo", "--stage", "dev"], new StringWriter(), error, fixture.Folder);
        code.Should().Be(2);
        error.ToString().Should().Contain("either --file");
    }

    [Fact]
    public async Task ServeFile_HostNotAnAddress_Exits2NamingIt()
    {
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--file", fixture.ModelPath, "--host", "no-such-host", "--port", "0"], new StringWriter(), error, fixture.Folder);
        code.Should().Be(2);
        error.ToString().Should().Contain("--host 'no-such-host'");
    }

    [Fact]
    public async Task Invocations_SameRowsAsMlopsPredict_GiveTheSameClassesAndProbabilities()
    {
        var data = Path.Combine(fixture.Folder, "rows.csv");
        var written = Path.Combine(fixture.Folder, "predictions.csv");
        var csv = ServerFixture.Csv(fixture.Rows);
        await File.WriteAllTextAsync(data, csv);
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["predict", "--model", fixture.ModelPath, "--data", data, "--out", written], new StringWriter(), error, fixture.Folder);
        code.Should().Be(0, error.ToString());
        var lines = (await File.ReadAllLinesAsync(written)).Skip(1).Select(l => l.Split(',')).ToList();

        using var response = await fixture.Http.PostAsync("/invocations", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("predictions").EnumerateArray().Select(e => e.GetString()).Should().Equal(lines.Select(l => l[0]));
        body.GetProperty("probabilities").EnumerateArray()
            .Select(e => e.GetDouble())
            .Should().Equal(lines.Select(l => double.Parse(l[1], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task ServeModel_Stage_ServesTheVersionHoldingIt()
    {
        var project = await RegisteredProjectAsync(fixture);
        using var cts = new CancellationTokenSource();
        var output = new SignalWriter();
        var error = new StringWriter();
        var run = CliApp.RunAsync(["serve", "--model", "demo", "--stage", "dev", "--port", "0"], output, error, project, cts.Token);

        var line = await output.FirstLine.Task.WaitAsync(TimeSpan.FromMinutes(1));
        line.Should().Contain("demo v1").And.Contain(fixture.Model.Digest!);
        using (var http = new HttpClient())
        {
            var metadata = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(UrlPattern().Match(line).Value + "/v2/models/demo"))).RootElement;
            metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()).Should().Equal("1");
        }

        await cts.CancelAsync();
        (await run).Should().Be(0, error.ToString());
    }

    [Fact]
    public async Task ServeModel_StageNobodyHolds_Exits2NamingIt()
    {
        var project = await RegisteredProjectAsync(fixture);
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["serve", "--model", "demo", "--stage", "prod", "--port", "0"], new StringWriter(), error, project);
        code.Should().Be(2);
        error.ToString().Should().Contain("stage prod");
    }

    /// <summary>A project folder whose embedded registry holds the fixture's model as demo v1, in dev.</summary>
    internal static async Task<string> RegisteredProjectAsync(ClassifierServer fixture)
    {
        var project = Path.Combine(fixture.Folder, "project-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(project);
        await using var registry = await EmbeddedRegistry.OpenAsync(Path.Combine(project, ".toolkit", "registry"));
        var result = await registry.RegisterAsync(new RegisterRequest { Model = "demo", ModelFile = fixture.ModelPath, RunId = "run-1" });
        await registry.SetAliasAsync("demo", Stages.Dev, result.Version.Version, AuditAction.Promote, new AuditInfo("test", null));
        return project;
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:[1-9][0-9]*")]
    internal static partial Regex UrlPattern();
}
