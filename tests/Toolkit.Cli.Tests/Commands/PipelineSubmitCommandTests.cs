using System.Text.Json;
using Toolkit.Argo.Tests;

namespace Toolkit.Cli.Tests.Commands;

/// <summary><c>mlops pipeline submit --to argo</c> against the stand-in Kubernetes API on 127.0.0.1, through a kubeconfig.</summary>
public sealed class PipelineSubmitCommandTests : IDisposable
{
    private const string Image = "registry.example.com/toolkit/components@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private const string Token = "kube-token-7f3a9c";
    private readonly FakeKubernetes _api = new();
    private readonly TempFolder _project = new();

    public PipelineSubmitCommandTests()
    {
        _project.CopyReferenceProject();
        File.WriteAllText(_project.File("kubeconfig"), $$"""
            apiVersion: v1
            kind: Config
            clusters: [{ name: stand-in, cluster: { server: "{{_api.Url}}" } }]
            users: [{ name: tester, user: { token: {{Token}} } }]
            contexts: [{ name: test, context: { cluster: stand-in, user: tester, namespace: ml } }]
            current-context: test
            """);
    }

    public void Dispose()
    {
        _api.Dispose();
        _project.Dispose();
    }

    private Task<CliResult> SubmitAsync(params string[] extra) => CliRunner.RunInAsync(
        _project.Path, ["pipeline", "submit", "pipelines/sales.yaml", "--to", "argo", "--image", Image, "--kubeconfig", "kubeconfig", "--param", "rows=3000", .. extra]);

    [Fact]
    public async Task Submit_Watch_StreamsPhasesAndRecordsTheRunWithWorkflowNameAndUid()
    {
        _api.Script = wf => FakeKubernetes.Progress(wf);

        var result = await SubmitAsync("--watch", "--json");

        result.ExitCode.Should().Be(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        root.GetProperty("phase").GetString().Should().Be("Succeeded");
        root.GetProperty("namespace").GetString().Should().Be("ml", "the kubeconfig context's namespace");
        var workflow = root.GetProperty("workflow").GetString()!;
        var created = _api.Created("ml", workflow)!;
        root.GetProperty("uid").GetString().Should().Be(created["metadata"]!["uid"]!.GetValue<string>());
        created["spec"]!["arguments"]!["parameters"]![0]!["value"]!.GetValue<string>().Should().Be("3000");
        root.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("phase").GetString()).Should().AllBe("Succeeded").And.HaveCount(4);

        var show = await CliRunner.RunInAsync(_project.Path, "runs", "show", root.GetProperty("run_id").GetString()!, "--json");
        show.ExitCode.Should().Be(0, show.Error);
        show.Output.Should().Contain(workflow).And.Contain(root.GetProperty("uid").GetString()!).And.Contain("succeeded");
        _api.Authorization.Should().Contain("Bearer " + Token);
        (result.Output + result.Error + show.Output).Should().NotContain(Token);
    }

    [Fact]
    public async Task Submit_WatchAndAStepFails_ExitsNonZeroNamingTheWorkflowAndRecordsFailed()
    {
        _api.Script = wf => FakeKubernetes.Progress(wf, failing: "train-forest");

        var result = await SubmitAsync("--watch");

        result.ExitCode.Should().Be(1);
        result.Output.Should().Contain("train-forest").And.Contain("Failed");
        result.Error.Should().Contain("failed").And.Contain("sales-");
        var runs = await CliRunner.RunInAsync(_project.Path, "runs", "list", "--json");
        runs.Output.Should().Contain("failed");
    }

    [Fact]
    public async Task Submit_DryRun_PrintsTheYamlAndCallsNothing()
    {
        var result = await SubmitAsync("--dry-run");

        result.ExitCode.Should().Be(0, result.Error);
        result.Output.Should().StartWith("# Compiled by mlops pipeline compile").And.Contain("kind: Workflow");
        _api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Submit_WithoutWatch_CreatesOnceAndReturns()
    {
        var result = await SubmitAsync("--namespace", "team-a");

        result.ExitCode.Should().Be(0, result.Error);
        result.Error.Should().Contain("submitted team-a/sales-");
        _api.Requests.Should().Equal("POST /apis/argoproj.io/v1alpha1/namespaces/team-a/workflows");
    }
}
