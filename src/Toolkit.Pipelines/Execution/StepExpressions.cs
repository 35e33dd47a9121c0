using System.Text.Json;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Execution;

/// <summary>Resolves <c>${{ }}</c> expressions of a step against the run's params and the results so far.</summary>
internal static class StepExpressions
{
    public static ExprValue Resolve(RunState state, ExprRef r) => r.Scope switch
    {
        "params" => state.Params.TryGetValue(r.Name, out var p) ? ExprValue.FromText(p) : ExprValue.Null,
        "steps" when state.Results.TryGetValue(r.Step!, out var s) =>
            s.Values.TryGetValue(r.Name, out var v) ? new ExprValue(v)
            : s.Labels.TryGetValue(r.Name, out var l) ? new ExprValue(l)
            : s.Outputs.TryGetValue(r.Name, out var d) ? new ExprValue(d)
            : ExprValue.Null,
        _ => ExprValue.Null,
    };

    /// <summary>The component's defaults overlaid with the step's <c>with:</c>, every value rendered as text.</summary>
    public static SortedDictionary<string, string> ResolveWith(RunState state, StepSpec step, ComponentDescriptor? descriptor)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in descriptor?.Parameters ?? [])
        {
            if (p.Default is not null)
            {
                result[p.Name] = p.Default;
            }
        }

        foreach (var (key, value) in step.With)
        {
            result[key] = Render(state, value);
        }

        return result;
    }

    /// <summary>
    /// The command of a <c>run:</c> step with expressions resolved; <c>inputs.x</c> and <c>outputs.y</c>
    /// become what <paramref name="input"/> and <paramref name="output"/> say (paths to run, digests and
    /// names for the cache key).
    /// </summary>
    public static string RenderCommand(RunState state, StepSpec step, Func<string, string> input, Func<string, string> output) =>
        Template.Parse(step.Run!).Evaluate(r => r.Scope switch
        {
            "inputs" => new ExprValue(input(r.Name)),
            "outputs" => new ExprValue(output(r.Name)),
            _ => Resolve(state, r),
        }).ToText();

    private static string Render(RunState state, SpecValue value) => value switch
    {
        ScalarValue s => Template.Parse(s.Text).Evaluate(r => Resolve(state, r)).ToText(),
        ListValue l => JsonSerializer.Serialize(l.Items.Select(i => Render(state, i))),
        MapValue m => JsonSerializer.Serialize(m.Entries.ToDictionary(e => e.Key, e => Render(state, e.Value))),
        _ => "",
    };
}
