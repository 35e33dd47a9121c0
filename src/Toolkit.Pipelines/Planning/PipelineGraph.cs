using System.Text;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Planning;

/// <summary>
/// The DAG of a pipeline: a step depends on the steps whose outputs it takes (inputs and
/// <c>steps.X.outputs</c> expressions) and on the steps it <c>needs</c>.
/// </summary>
public sealed class PipelineGraph
{
    private readonly Dictionary<string, SortedSet<string>> _dependencies;

    private PipelineGraph(IReadOnlyList<string> steps, Dictionary<string, SortedSet<string>> dependencies)
    {
        Steps = steps;
        _dependencies = dependencies;
    }

    /// <summary>Step names in file order.</summary>
    public IReadOnlyList<string> Steps { get; }

    public IReadOnlySet<string> DependenciesOf(string step) => _dependencies[step];

    public IEnumerable<string> DependentsOf(string step) => Steps.Where(s => _dependencies[s].Contains(step));

    public static PipelineGraph Build(PipelineSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var names = spec.Steps.Select(s => s.Name).Distinct(StringComparer.Ordinal).ToList();
        var known = names.ToHashSet(StringComparer.Ordinal);
        var deps = names.ToDictionary(n => n, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var step in spec.Steps)
        {
            foreach (var d in DirectReferences(step).Where(known.Contains))
            {
                deps[step.Name].Add(d);
            }
        }

        return new PipelineGraph(names, deps);
    }

    /// <summary>Every step name a step refers to (inputs, needs, expressions), whether or not it exists.</summary>
    internal static IEnumerable<string> DirectReferences(StepSpec step)
    {
        foreach (var (_, refs) in step.Inputs)
        {
            foreach (var r in refs)
            {
                yield return r.Step;
            }
        }

        foreach (var (n, _) in step.Needs)
        {
            yield return n;
        }

        foreach (var r in ExpressionReferences(step))
        {
            if (r.Scope == "steps" && r.Step is not null)
            {
                yield return r.Step;
            }
        }
    }

    /// <summary>The references in a step's <c>with</c>, <c>when</c> and <c>run</c> texts; unparsable texts are skipped (validation reports them).</summary>
    internal static IEnumerable<ExprRef> ExpressionReferences(StepSpec step)
    {
        var texts = new List<string>();
        foreach (var (_, v) in step.With)
        {
            CollectScalars(v, texts);
        }

        if (step.When is { } when)
        {
            texts.Add(WhenExpression.Wrap(when.Text));
        }

        if (step.Run is { } run)
        {
            texts.Add(run);
        }

        foreach (var t in texts)
        {
            Template? template = null;
            try
            {
                template = Template.Parse(t);
            }
            catch (ExpressionException)
            {
            }

            if (template is not null)
            {
                foreach (var r in template.References)
                {
                    yield return r;
                }
            }
        }
    }

    internal static void CollectScalars(SpecValue value, List<string> into)
    {
        switch (value)
        {
            case ScalarValue s:
                into.Add(s.Text);
                break;
            case ListValue l:
                foreach (var i in l.Items)
                {
                    CollectScalars(i, into);
                }

                break;
            case MapValue m:
                foreach (var (_, v) in m.Entries)
                {
                    CollectScalars(v, into);
                }

                break;
        }
    }

    /// <summary>A cycle as a path that starts and ends at the same step, or null when the graph is a DAG.</summary>
    public IReadOnlyList<string>? FindCycle()
    {
        var state = Steps.ToDictionary(s => s, _ => 0, StringComparer.Ordinal); // 0 new, 1 on stack, 2 done
        var stack = new List<string>();
        foreach (var s in Steps)
        {
            if (state[s] == 0 && Visit(s, state, stack) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private List<string>? Visit(string step, Dictionary<string, int> state, List<string> stack)
    {
        state[step] = 1;
        stack.Add(step);
        foreach (var d in _dependencies[step])
        {
            if (state[d] == 1)
            {
                // The path from d down the stack to here, then back to d: the dependency cycle.
                var start = stack.IndexOf(d);
                var cycle = stack.Skip(start).ToList();
                cycle.Add(d);
                return cycle;
            }

            if (state[d] == 0 && Visit(d, state, stack) is { } found)
            {
                return found;
            }
        }

        stack.RemoveAt(stack.Count - 1);
        state[step] = 2;
        return null;
    }

    /// <summary>Steps in an order where every step comes after its dependencies (file order among equals).</summary>
    public IReadOnlyList<string> TopologicalOrder()
    {
        if (FindCycle() is { } cycle)
        {
            throw new InvalidOperationException($"The pipeline has a cycle: {string.Join(" -> ", cycle)}.");
        }

        var done = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<string>();
        while (order.Count < Steps.Count)
        {
            var next = Steps.First(s => !done.Contains(s) && _dependencies[s].All(done.Contains));
            done.Add(next);
            order.Add(next);
        }

        return order;
    }

    public string ToMermaid(PipelineSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var sb = new StringBuilder("flowchart TD\n");
        foreach (var s in spec.Steps)
        {
            sb.Append("    ").Append(Id(s.Name)).Append("[\"").Append(s.Name).Append("<br/><small>")
              .Append(s.Uses ?? "run").Append("</small>\"]\n");
        }

        foreach (var s in Steps)
        {
            foreach (var d in _dependencies[s])
            {
                sb.Append("    ").Append(Id(d)).Append(" --> ").Append(Id(s)).Append('\n');
            }
        }

        return sb.ToString();
    }

    public string ToDot(PipelineSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var sb = new StringBuilder();
        sb.Append("digraph \"").Append(spec.Name).Append("\" {\n    rankdir=TB;\n    node [shape=box, style=rounded];\n");
        foreach (var s in spec.Steps)
        {
            sb.Append("    \"").Append(s.Name).Append("\" [label=\"").Append(s.Name).Append("\\n").Append(s.Uses ?? "run").Append("\"];\n");
        }

        foreach (var s in Steps)
        {
            foreach (var d in _dependencies[s])
            {
                sb.Append("    \"").Append(d).Append("\" -> \"").Append(s).Append("\";\n");
            }
        }

        return sb.Append("}\n").ToString();
    }

    private static string Id(string name) => name.Replace('-', '_');
}
