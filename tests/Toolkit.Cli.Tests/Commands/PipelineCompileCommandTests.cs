using System.Text.Json;

namespace Toolkit.Cli.Tests.Commands;

/// <summary><c>mlops pipeline compile --target argo</c> and the sales reference pipeline, as a user runs them.</summary>
public sealed class PipelineCompileCommandTests
{
    private const string Image = "registry.example.com/toolkit/components@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    [Fact]
    public async Task Compile_PinnedImage_WritesTheSameWorkflowEveryTime()
    {
        using var project = new TempFolder();
        project.CopyReferenceProject();

        var first = await CliRunner.RunInAsync(project.Path, "pipeline", "compile", "pipelines/sales.yaml", "--target", "argo", "--image", Image, "-o", "sales.argo.yaml");
        var second = await CliRunner.RunInAsync(project.Path, "pipeline", "compile", "pipelines/sales.yaml", "--target", "argo", "--image", Image);

        first.ExitCode.Should().Be(0, first.Error);
        first.Error.Should().Contain("Workflow 'sales' (4 tasks");
        second.ExitCode.Should().Be(0, second.Error);
        File.ReadAllText(project.File("sales.argo.yaml")).Should().Be(second.Output).And.Contain("kind: Workflow").And.Contain(Image);
    }

    [Fact]
    public async Task Compile_TagWithoutDigest_Exit2()
    {
        using var project = new TempFolder();
        project.CopyReferenceProject();

        var result = await CliRunner.RunInAsync(project.Path, "pipeline", "compile", "pipelines/housing.yaml", "--target", "argo", "--image", "registry.example.com/toolkit/components:latest");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("not pinned by digest");
        result.Output.Should().BeEmpty();
    }

    [Fact]
    public async Task Compile_ConditionArgoCannotExpress_Exit2NamingFileLineAndStep()
    {
        using var project = new TempFolder();
        project.CopyReferenceProject();
        var yaml = File.ReadAllText(project.File("pipelines/housing.yaml"))
            .Replace("  - name: gate\n", "  - name: gate\n    when: steps.evaluate.outputs.rmse\n", StringComparison.Ordinal);
        File.WriteAllText(project.File("pipelines/conditional.yaml"), yaml);
        var line = yaml.Split('\n').ToList().FindIndex(l => l.Contains("when: steps.evaluate", StringComparison.Ordinal)) + 1;

        var result = await CliRunner.RunInAsync(project.Path, "pipeline", "compile", "pipelines/conditional.yaml", "--target", "argo", "--image", Image);

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain($"pipelines/conditional.yaml:{line}:").And.Contain("step 'gate'").And.Contain("truth value");
    }

    [Fact]
    public async Task Compile_ImageAndNamespaceFromToolkitYaml_Used()
    {
        using var project = new TempFolder();
        project.CopyReferenceProject();
        File.WriteAllText(project.File("toolkit.yaml"), $"store: .toolkit\nargo:\n  image: {Image}\n  namespace: ml\n");

        var result = await CliRunner.RunInAsync(project.Path, "pipeline", "compile", "pipelines/housing.yaml", "--target", "argo", "--kind", "WorkflowTemplate");

        result.ExitCode.Should().Be(0, result.Error);
        result.Output.Should().Contain("kind: WorkflowTemplate").And.Contain("namespace: ml").And.Contain(Image);
    }

    [Fact]
    public async Task Compile_BadArgoSetting_Exit2NamingTheLine()
    {
        using var project = new TempFolder();
        project.CopyReferenceProject();
        File.WriteAllText(project.File("toolkit.yaml"), "store: .toolkit\nargo:\n  pod_gc: Sometimes\n");

        var result = await CliRunner.RunInAsync(project.Path, "pipeline", "compile", "pipelines/housing.yaml", "--target", "argo", "--image", Image);

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("toolkit.yaml:3:").And.Contain("pod_gc").And.Contain("OnWorkflowSuccess");
    }

    [Fact]
    public async Task Run_SalesPipeline_SucceedsLocallyAndComparesBothModels()
    {
        using var project = new TempFolder();
        project.CopyReferenceProject();

        var result = await CliRunner.RunInAsync(project.Path, "pipeline", "run", "pipelines/sales.yaml", "--param", "rows=2000", "--json");

        result.ExitCode.Should().Be(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        json.RootElement.GetProperty("status").GetString().Should().Be("succeeded");
        var compare = json.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "compare");
        compare.GetProperty("values").GetProperty("models").GetDouble().Should().Be(2);
        compare.GetProperty("values").GetProperty("rows").GetDouble().Should().Be(500);
    }
}
