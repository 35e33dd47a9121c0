using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Toolkit.Argo.Tests;

/// <summary>
/// Rules of a runnable workflow that Argo's schema does not capture: every task's template exists,
/// every dependency and every artifact <c>from</c> names an existing task (a dependency) and an output
/// its template declares, every declared input is given, the DAG is acyclic.
/// </summary>
internal static partial class WorkflowRules
{
    public static IReadOnlyList<string> Problems(JsonNode workflow)
    {
        var problems = new List<string>();
        var spec = workflow["spec"]!;
        var templates = spec["templates"]!.AsArray().ToDictionary(t => t!["name"]!.GetValue<string>(), t => t!);
        if (templates.Count != spec["templates"]!.AsArray().Count)
        {
            problems.Add("template names are not unique");
        }

        var entry = spec["entrypoint"]!.GetValue<string>();
        if (!templates.TryGetValue(entry, out var dag) || dag["dag"] is null)
        {
            return [.. problems, $"entrypoint '{entry}' is not a DAG template"];
        }

        var tasks = Tasks(workflow);
        foreach (var (name, task) in tasks)
        {
            var templateName = task["template"]!.GetValue<string>();
            if (!templates.TryGetValue(templateName, out var template))
            {
                problems.Add($"task {name}: no template '{templateName}'");
                continue;
            }

            var deps = Dependencies(task);
            foreach (var d in deps.Where(d => !tasks.ContainsKey(d)))
            {
                problems.Add($"task {name}: dependency '{d}' is not a task");
            }

            var given = new HashSet<string>(StringComparer.Ordinal);
            foreach (var a in task["arguments"]?["artifacts"]?.AsArray() ?? [])
            {
                var artifact = a!["name"]!.GetValue<string>();
                given.Add(artifact);
                var m = FromPattern().Match(a["from"]?.GetValue<string>() ?? "");
                if (!m.Success)
                {
                    problems.Add($"task {name}: artifact {artifact} has no from {{{{tasks.X.outputs.artifacts.Y}}}}");
                    continue;
                }

                var (upstream, output) = (m.Groups[1].Value, m.Groups[2].Value);
                if (!tasks.TryGetValue(upstream, out var up))
                {
                    problems.Add($"task {name}: artifact {artifact} comes from a task '{upstream}' that does not exist");
                    continue;
                }

                if (!Ancestors(tasks, name).Contains(upstream))
                {
                    problems.Add($"task {name}: artifact {artifact} comes from '{upstream}', which does not run before it");
                }

                var upTemplate = templates[up["template"]!.GetValue<string>()];
                if (!(upTemplate["outputs"]?["artifacts"]?.AsArray() ?? []).Any(o => o!["name"]!.GetValue<string>() == output))
                {
                    problems.Add($"task {name}: artifact {artifact}: template of '{upstream}' declares no output artifact '{output}'");
                }

                if (!(template["inputs"]?["artifacts"]?.AsArray() ?? []).Any(i => i!["name"]!.GetValue<string>() == artifact))
                {
                    problems.Add($"task {name}: artifact {artifact} is not an input of template '{templateName}'");
                }
            }

            foreach (var i in template["inputs"]?["artifacts"]?.AsArray() ?? [])
            {
                var input = i!["name"]!.GetValue<string>();
                if (i["raw"] is null && i["optional"] is null && !given.Contains(input))
                {
                    problems.Add($"task {name}: input artifact {input} of template '{templateName}' is not given");
                }
            }

            foreach (Match t in TaskRefPattern().Matches(task["when"]?.GetValue<string>() ?? ""))
            {
                var referenced = t.Groups[1].Value;
                if (!Ancestors(tasks, name).Contains(referenced))
                {
                    problems.Add($"task {name}: when reads '{referenced}', which does not run before it");
                }
            }
        }

        if (HasCycle(tasks))
        {
            problems.Add("the DAG has a cycle");
        }

        return problems;
    }

    public static Dictionary<string, JsonNode> Tasks(JsonNode workflow)
    {
        var spec = workflow["spec"]!;
        var entry = spec["entrypoint"]!.GetValue<string>();
        var dag = spec["templates"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == entry)!;
        return dag["dag"]!["tasks"]!.AsArray().ToDictionary(t => t!["name"]!.GetValue<string>(), t => t!, StringComparer.Ordinal);
    }

    public static SortedSet<string> Dependencies(JsonNode task) =>
        new((task["dependencies"]?.AsArray() ?? []).Select(d => d!.GetValue<string>()), StringComparer.Ordinal);

    /// <summary>Every task that runs before <paramref name="task"/> (its dependencies, theirs, ...).</summary>
    public static HashSet<string> Ancestors(Dictionary<string, JsonNode> tasks, string task)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(Dependencies(tasks[task]));
        while (stack.TryPop(out var t))
        {
            if (seen.Add(t) && tasks.TryGetValue(t, out var node))
            {
                foreach (var d in Dependencies(node))
                {
                    stack.Push(d);
                }
            }
        }

        return seen;
    }

    /// <summary>The DAG as "task: dep1 dep2" lines, sorted: a shape to compare.</summary>
    public static IReadOnlyList<string> Shape(JsonNode workflow) =>
        [.. Tasks(workflow).Select(t => $"{t.Key}: {string.Join(' ', Dependencies(t.Value))}").Order(StringComparer.Ordinal)];

    private static bool HasCycle(Dictionary<string, JsonNode> tasks)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        bool Visit(string n)
        {
            if (state.GetValueOrDefault(n) == 1)
            {
                return true;
            }

            if (state.GetValueOrDefault(n) == 2 || !tasks.ContainsKey(n))
            {
                return false;
            }

            state[n] = 1;
            var cyclic = Dependencies(tasks[n]).Any(Visit);
            state[n] = 2;
            return cyclic;
        }

        return tasks.Keys.Any(Visit);
    }

    [GeneratedRegex(@"^\{\{tasks\.([a-z0-9-]+)\.outputs\.artifacts\.([A-Za-z0-9_-]+)\}\}$")]
    private static partial Regex FromPattern();

    [GeneratedRegex(@"tasks\[?'?([a-z0-9-]+)'?\]?\.outputs")]
    private static partial Regex TaskRefPattern();
}
