using Toolkit.Components;
using Toolkit.Docker.Execution;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Docker.Tests.Execution;

public sealed class DockerExecutorTests
{
    [Fact]
    public void Plan_ComponentStep_MountsInputsReadOnlyAndPassesContainerPaths()
    {
        using var client = new DockerClientOptions().CreateClient();
        BuiltInComponents.Create().TryGet("data/split", out var split).Should().BeTrue();
        var invocation = new StepInvocation
        {
            RunId = "r",
            Step = Step("split", image: null),
            Component = split,
            Parameters = new Dictionary<string, string> { ["seed"] = "1" },
            Inputs = new Dictionary<string, IReadOnlyList<string>> { ["dataset"] = ["/data/a.csv"] },
            Outputs = new Dictionary<string, string> { ["train"] = "/runs/1/train.csv", ["test"] = "/runs/1/test.csv" },
            WorkDirectory = "/runs/1/work",
            ProjectDirectory = "/runs/1/project",
            Log = TextWriter.Null,
        };

        var plan = new DockerExecutor(client, new DockerExecutorOptions { ComponentsImage = "img:1" }).Plan(invocation);

        plan.Image.Should().Be("img:1");
        plan.Entrypoint.Should().BeNull("the image's entry point is mlops component run");
        plan.Command.Should().Equal(
            "data/split", "--input", "dataset=/in/dataset/0/a.csv", "--param", "seed=1",
            "--output", "train=/out/train/train.csv", "--output", "test=/out/test/test.csv", "--values", "/out/_values.json");
        plan.Binds.Should().ContainSingle().Which.Should().Be(new Toolkit.Docker.Containers.BindMount("/data/a.csv", "/in/dataset/0/a.csv", ReadOnly: true));
    }

    private static StepSpec Step(string name, string? image) => new() { Name = name, Position = new Position(1, 1), Image = image };
}
