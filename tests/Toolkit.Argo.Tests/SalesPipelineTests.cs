using System.Text.Json.Nodes;

namespace Toolkit.Argo.Tests;

/// <summary>pipelines/sales.yaml compiles to the DAG of the hand-written workflow it replaces.</summary>
public sealed class SalesPipelineTests
{
    [Fact]
    public async Task CompileAsync_Sales_SameDagShapeAsTheHandWrittenWorkflow()
    {
        var compiled = YamlJson.Convert((await Repo.CompileAsync(Repo.Load("pipelines/sales.yaml"))).Yaml);
        var handWritten = YamlJson.Convert(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "reference", "sales-handwritten.yaml")));

        WorkflowRules.Problems(handWritten).Should().BeEmpty("the reference itself is a sound workflow");
        ArgoSchema.Errors(handWritten).Should().BeEmpty();
        // Ours lists every step a task takes artifacts from (compare also reads preprocess's x_test and
        // y_test); a hand-written DAG leaves out what an ancestor implies. The same DAG either way: compare the reductions.
        var mapping = Isomorphism(Reduced(Edges(compiled)), Reduced(Edges(handWritten)));

        mapping.Should().NotBeNull($"compiled:\n{string.Join('\n', WorkflowRules.Shape(compiled))}\nhand-written:\n{string.Join('\n', WorkflowRules.Shape(handWritten))}");
        mapping!["preprocess"].Should().Be("preprocess");
        mapping["compare"].Should().Be("compare");
    }

    [Fact]
    public async Task CompileAsync_Sales_TrainersTakeTheFourArtifactsWay()
    {
        var compiled = YamlJson.Convert((await Repo.CompileAsync(Repo.Load("pipelines/sales.yaml"))).Yaml);
        var tasks = WorkflowRules.Tasks(compiled);

        string From(string task, string artifact) => tasks[task]["arguments"]!["artifacts"]!.AsArray()
            .Single(a => a!["name"]!.GetValue<string>() == artifact)!["from"]!.GetValue<string>();
        From("train-forest", "x_train").Should().Be("{{tasks.preprocess.outputs.artifacts.x_train}}");
        From("train-lasso", "y_train").Should().Be("{{tasks.preprocess.outputs.artifacts.y_train}}");
        From("compare", "x_test").Should().Be("{{tasks.preprocess.outputs.artifacts.x_test}}");
        WorkflowRules.Dependencies(tasks["compare"]).Should().BeEquivalentTo("preprocess", "train-forest", "train-lasso");
    }

    [Fact]
    public void Isomorphism_DifferentShapes_None()
    {
        var diamond = new Dictionary<string, SortedSet<string>> { ["a"] = [], ["b"] = ["a"], ["c"] = ["a"], ["d"] = ["b", "c"] };
        var chain = new Dictionary<string, SortedSet<string>> { ["a"] = [], ["b"] = ["a"], ["c"] = ["b"], ["d"] = ["c"] };

        Isomorphism(diamond, chain).Should().BeNull();
        Isomorphism(diamond, diamond).Should().NotBeNull();
    }

    [Fact]
    public void Reduced_ImpliedEdge_Dropped()
    {
        var withShortcut = new Dictionary<string, SortedSet<string>> { ["a"] = [], ["b"] = ["a"], ["c"] = ["a", "b"] };

        Reduced(withShortcut)["c"].Should().Equal("b");
    }

    /// <summary>The transitive reduction: a dependency another dependency already implies is dropped.</summary>
    private static Dictionary<string, SortedSet<string>> Reduced(Dictionary<string, SortedSet<string>> edges)
    {
        HashSet<string> Ancestors(string n)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>(edges[n]);
            while (stack.TryPop(out var s))
            {
                if (seen.Add(s))
                {
                    foreach (var d in edges[s])
                    {
                        stack.Push(d);
                    }
                }
            }

            return seen;
        }

        return edges.ToDictionary(
            e => e.Key,
            e => new SortedSet<string>(e.Value.Where(d => !e.Value.Any(o => o != d && Ancestors(o).Contains(d))), StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    private static Dictionary<string, SortedSet<string>> Edges(JsonNode workflow) =>
        WorkflowRules.Tasks(workflow).ToDictionary(t => t.Key, t => WorkflowRules.Dependencies(t.Value), StringComparer.Ordinal);

    /// <summary>A renaming of <paramref name="a"/>'s tasks that gives exactly <paramref name="b"/>'s dependencies, or null (small DAGs: tried exhaustively).</summary>
    private static Dictionary<string, string>? Isomorphism(Dictionary<string, SortedSet<string>> a, Dictionary<string, SortedSet<string>> b)
    {
        if (a.Count != b.Count || a.Count > 9)
        {
            return null;
        }

        var left = a.Keys.Order(StringComparer.Ordinal).ToList();
        var names = b.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var permutation in Permutations(names))
        {
            var map = left.Zip(permutation).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
            if (left.All(n => a[n].Select(d => map[d]).ToHashSet().SetEquals(b[map[n]])))
            {
                return map;
            }
        }

        return null;
    }

    private static IEnumerable<List<string>> Permutations(List<string> items)
    {
        if (items.Count <= 1)
        {
            yield return [.. items];
            yield break;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var rest = items.Where((_, j) => j != i).ToList();
            foreach (var p in Permutations(rest))
            {
                yield return [items[i], .. p];
            }
        }
    }
}
