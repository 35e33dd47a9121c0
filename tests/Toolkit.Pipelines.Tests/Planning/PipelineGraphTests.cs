using Toolkit.Pipelines.Planning;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Tests.Planning;

public sealed class PipelineGraphTests
{
    private static PipelineSpec Spec(string yaml) => PipelineLoader.Load(yaml, "p.yaml").Spec!;

    private const string Diamond = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: diamond
        steps:
          - name: join
            uses: test/concat
            inputs: { parts: [left.data, right.data] }
          - name: left
            uses: test/make
            with: { text: l }
          - name: right
            uses: test/make
            needs: [left]
            with:
              text: ${{ steps.left.outputs.data }}
        """;

    [Fact]
    public void Build_CollectsInputsNeedsAndExpressionEdges()
    {
        var graph = PipelineGraph.Build(Spec(Diamond));

        graph.DependenciesOf("join").Should().BeEquivalentTo(["left", "right"]);
        graph.DependenciesOf("right").Should().BeEquivalentTo(["left"]);
        graph.DependenciesOf("left").Should().BeEmpty();
        graph.DependentsOf("left").Should().BeEquivalentTo(["join", "right"]);
    }

    [Fact]
    public void TopologicalOrder_PutsDependenciesFirst()
    {
        PipelineGraph.Build(Spec(Diamond)).TopologicalOrder().Should().Equal("left", "right", "join");
    }

    [Fact]
    public void Mermaid_And_Dot_ListEveryEdge()
    {
        var spec = Spec(Diamond);
        var graph = PipelineGraph.Build(spec);

        var mermaid = graph.ToMermaid(spec);
        mermaid.Should().StartWith("flowchart TD").And.Contain("left --> join").And.Contain("right --> join").And.Contain("left --> right");
        var dot = graph.ToDot(spec);
        dot.Should().Contain("\"left\" -> \"join\";").And.Contain("\"left\" -> \"right\";").And.EndWith("}\n");
    }
}
