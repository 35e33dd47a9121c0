using System.Globalization;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Planning;

namespace Toolkit.Pipelines.Spec;

/// <summary>
/// Checks a loaded pipeline against the component catalog: components exist, parameters and inputs
/// are known and typed right, references point at real steps and outputs, no cycles, no duplicates.
/// Every problem is reported, with its position, not only the first.
/// </summary>
public static class PipelineValidator
{
    public static IReadOnlyList<PipelineDiagnostic> Validate(PipelineSpec spec, IComponentCatalog catalog) =>
        Validate(spec, catalog, new Dictionary<string, string>());

    /// <summary>
    /// As <see cref="Validate(PipelineSpec, IComponentCatalog)"/>, with the run's <c>--param</c> overrides: a
    /// parameter set from <c>params.X</c> is checked against its component's range with the value the run will use.
    /// </summary>
    public static IReadOnlyList<PipelineDiagnostic> Validate(PipelineSpec spec, IComponentCatalog catalog, IReadOnlyDictionary<string, string> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(catalog);
        var errors = new List<PipelineDiagnostic>();
        void Error(Position p, string m) => errors.Add(new PipelineDiagnostic(spec.File, p, m));

        var paramNames = spec.Params.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var dup in spec.Params.GroupBy(p => p.Name).Where(g => g.Count() > 1))
        {
            Error(dup.Skip(1).First().Position, $"parameter '{dup.Key}' is declared twice");
        }

        var steps = new Dictionary<string, StepSpec>(StringComparer.Ordinal);
        foreach (var step in spec.Steps)
        {
            if (!steps.TryAdd(step.Name, step))
            {
                Error(step.Position, $"duplicate step name '{step.Name}' (first at line {steps[step.Name].Position.Line.ToString(CultureInfo.InvariantCulture)})");
            }
        }

        var descriptors = catalog.Descriptors.ToDictionary(d => d.Name, StringComparer.Ordinal);
        ComponentDescriptor? DescriptorOf(StepSpec s) => s.Uses is not null && descriptors.TryGetValue(s.Uses, out var d) ? d : null;

        // What each step exposes as outputs.<name>: artifacts and scalar values.
        bool HasOutput(StepSpec s, string name, bool scalar) =>
            DescriptorOf(s) is { } d
                ? d.Outputs.Any(o => o.Name == name) || (scalar && (d.OpenValues || d.Values.Contains(name)))
                : s.Uses is not null || s.Outputs.Contains(name); // unknown component: reported once, not per reference
        IEnumerable<string> OutputNames(StepSpec s, bool scalar) =>
            DescriptorOf(s) is { } d ? d.Outputs.Select(o => o.Name).Concat(scalar ? d.Values : []) : s.Outputs;

        void CheckRef(ExprRef r, Position at, StepSpec owner)
        {
            switch (r.Scope)
            {
                case "params" when !paramNames.Contains(r.Name):
                    Error(at, $"unknown parameter 'params.{r.Name}'{DidYouMean.Suffix(r.Name, paramNames)}");
                    break;
                case "steps" when !steps.TryGetValue(r.Step!, out _):
                    Error(at, $"'{r}' refers to step '{r.Step}', which does not exist{DidYouMean.Suffix(r.Step!, steps.Keys)}");
                    break;
                case "steps" when !HasOutput(steps[r.Step!], r.Name, scalar: true):
                    Error(at, $"step '{r.Step}' has no output '{r.Name}'{DidYouMean.Suffix(r.Name, OutputNames(steps[r.Step!], true))}; " +
                              $"its outputs: {string.Join(", ", OutputNames(steps[r.Step!], true))}");
                    break;
                case "inputs" or "outputs" when owner.Run is null:
                    Error(at, $"'{r}' can only be used in a 'run' command");
                    break;
                case "inputs" when !owner.Inputs.Any(i => i.Key == r.Name):
                    Error(at, $"'{r}': step '{owner.Name}' has no input '{r.Name}'");
                    break;
                case "outputs" when !owner.Outputs.Contains(r.Name):
                    Error(at, $"'{r}': step '{owner.Name}' declares no output '{r.Name}' (list it under 'outputs')");
                    break;
            }
        }

        Template? ParseTemplate(string text, Position at)
        {
            try
            {
                return Template.Parse(text);
            }
            catch (ExpressionException ex)
            {
                Error(at, $"invalid expression: {ex.Message}");
                return null;
            }
        }

        foreach (var step in spec.Steps)
        {
            var descriptor = DescriptorOf(step);
            if (step.Uses is not null && descriptor is null)
            {
                Error(step.UsesPosition ?? step.Position,
                    $"unknown component '{step.Uses}'{DidYouMean.Suffix(step.Uses, descriptors.Keys)}; run 'mlops component list' to see them");
            }

            // Parameters.
            foreach (var (key, value) in step.With)
            {
                var parameter = descriptor?.Parameters.FirstOrDefault(p => p.Name == key);
                if (descriptor is not null && parameter is null && !descriptor.OpenParameters)
                {
                    Error(value.Position, $"component '{descriptor.Name}' has no parameter '{key}'{DidYouMean.Suffix(key, descriptor.Parameters.Select(p => p.Name))}; " +
                                          $"its parameters: {string.Join(", ", descriptor.Parameters.Select(p => p.Name))}");
                }

                if (parameter is not null && parameter.Type != ParameterType.Any && value is not ScalarValue)
                {
                    Error(value.Position, $"parameter '{key}' of '{descriptor!.Name}' is a single {parameter.Type.ToString().ToLowerInvariant()} value, not {(value is ListValue ? "a list" : "a mapping")}");
                    continue;
                }

                var scalars = new List<string>();
                PipelineGraph.CollectScalars(value, scalars);
                foreach (var text in scalars)
                {
                    if (ParseTemplate(text, value.Position) is { } template)
                    {
                        foreach (var r in template.References)
                        {
                            CheckRef(r, value.Position, step);
                        }

                        if (!template.HasExpressions && parameter is not null && value is ScalarValue sv)
                        {
                            // Quoted or not, the component reads the same text: '' is no more an integer than abc.
                            CheckType(parameter, sv, Error);
                        }
                        else if (template.HasExpressions && parameter is not null && value is ScalarValue && template.References.Count() == 1
                                 && template.References.First() is { Scope: "params" } pr && spec.Params.FirstOrDefault(p => p.Name == pr.Name) is { } declared
                                 && !Compatible(parameter.Type, declared.Type))
                        {
                            Error(value.Position, $"parameter '{key}' of '{descriptor!.Name}' is a {parameter.Type.ToString().ToLowerInvariant()}, but params.{declared.Name} is a {ParamValues.Describe(declared.Type)}");
                        }
                        else if (parameter is not null && value is ScalarValue
                                 && template.SoleReference is { Scope: "params" } used && spec.Params.FirstOrDefault(p => p.Name == used.Name) is { } param
                                 && parameter.Problem(overrides.TryGetValue(param.Name, out var given) ? given : param.Default) is { } outOfRange)
                        {
                            // The value the run will pass, checked where validate can see it: validate and run agree.
                            Error(value.Position, $"{outOfRange} (from params.{param.Name})");
                        }
                    }
                }
            }

            if (step.Uses is not null && catalog.TryGet(step.Uses, out var component) && component is IParameterCheck check)
            {
                // What only the component can judge (names of loaded team transforms, parameters of those), on the literal values.
                var literals = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in step.With)
                {
                    if (value is ScalarValue v && IsLiteral(v.Text))
                    {
                        literals.TryAdd(key, v.Text);
                    }
                }

                foreach (var problem in check.Check(literals))
                {
                    var at = step.With.FirstOrDefault(w => w.Key == problem.Parameter).Value?.Position ?? step.Position;
                    Error(at, $"parameter '{problem.Parameter}' of '{step.Uses}': {problem.Message}");
                }
            }

            if (descriptor is not null)
            {
                foreach (var required in descriptor.Parameters.Where(p => p.Required && !step.With.Any(w => w.Key == p.Name)))
                {
                    Error(step.Position, $"step '{step.Name}' must set parameter '{required.Name}' of '{descriptor.Name}' ({required.Description})");
                }
            }

            // Inputs.
            foreach (var (inputName, refs) in step.Inputs)
            {
                var port = descriptor?.Inputs.FirstOrDefault(i => i.Name == inputName);
                var at = refs.Count > 0 ? refs[0].Position : step.Position;
                if (descriptor is not null && port is null)
                {
                    Error(at, $"component '{descriptor.Name}' has no input '{inputName}'{DidYouMean.Suffix(inputName, descriptor.Inputs.Select(i => i.Name))}; " +
                              $"its inputs: {string.Join(", ", descriptor.Inputs.Select(i => i.Name))}");
                }
                else if (port is { Required: true } && refs.Count == 0)
                {
                    Error(at, $"input '{inputName}' of '{descriptor!.Name}' needs at least one artifact, not an empty list");
                }
                else if (port is { Multiple: false } && refs.Count > 1)
                {
                    Error(at, $"input '{inputName}' of '{descriptor!.Name}' takes one artifact, not {refs.Count.ToString(CultureInfo.InvariantCulture)}");
                }

                foreach (var r in refs)
                {
                    if (!steps.TryGetValue(r.Step, out var source))
                    {
                        Error(r.Position, $"input '{inputName}' refers to step '{r.Step}', which does not exist{DidYouMean.Suffix(r.Step, steps.Keys)}");
                    }
                    else if (!HasOutput(source, r.Output, scalar: false))
                    {
                        Error(r.Position, $"step '{r.Step}' has no output '{r.Output}'{DidYouMean.Suffix(r.Output, OutputNames(source, false))}; " +
                                          $"its outputs: {string.Join(", ", OutputNames(source, false))}");
                    }
                }
            }

            if (descriptor is not null)
            {
                foreach (var missing in descriptor.Inputs.Where(i => i.Required && !step.Inputs.Any(x => x.Key == i.Name)))
                {
                    Error(step.Position, $"step '{step.Name}' is missing required input '{missing.Name}' of '{descriptor.Name}' ({missing.Description})");
                }
            }

            foreach (var (need, at) in step.Needs)
            {
                if (!steps.ContainsKey(need))
                {
                    Error(at, $"'needs' refers to step '{need}', which does not exist{DidYouMean.Suffix(need, steps.Keys)}");
                }
            }

            if (step.When is { } when && ParseTemplate(WhenExpression.Wrap(when.Text), when.Position) is { } whenTemplate)
            {
                foreach (var r in whenTemplate.References)
                {
                    CheckRef(r, when.Position, step);
                }
            }

            if (step.Run is { } run && ParseTemplate(run, step.Position) is { } runTemplate)
            {
                foreach (var r in runTemplate.References)
                {
                    CheckRef(r, step.Position, step);
                }
            }
        }

        if (errors.Count == 0 || steps.Count == spec.Steps.Count)
        {
            var graph = PipelineGraph.Build(spec);
            if (graph.FindCycle() is { } cycle)
            {
                Error(steps[cycle[0]].Position, $"the steps form a cycle: {string.Join(" -> ", cycle)}");
            }
        }

        return [.. errors.OrderBy(e => e.Position.Line).ThenBy(e => e.Position.Column)];
    }

    /// <summary>Text without expressions (an unparsable one is reported where it is parsed, not here).</summary>
    private static bool IsLiteral(string text)
    {
        try
        {
            return !Template.Parse(text).HasExpressions;
        }
        catch (ExpressionException)
        {
            return false;
        }
    }

    private static bool Compatible(ParameterType wanted, ParamType given) => wanted switch
    {
        ParameterType.Integer => given == ParamType.Integer,
        ParameterType.Number => given is ParamType.Integer or ParamType.Number,
        ParameterType.Boolean => given == ParamType.Boolean,
        _ => true,
    };

    private static void CheckType(ComponentParameter parameter, ScalarValue value, Action<Position, string> error)
    {
        if (parameter.Required && parameter.Type == ParameterType.String && string.IsNullOrWhiteSpace(value.Text))
        {
            error(value.Position, $"parameter '{parameter.Name}' must not be empty ({parameter.Description})");
        }
        else if (parameter.Problem(value.Text) is { } problem)
        {
            var suggestion = parameter.Choices.Count > 0 ? DidYouMean.Suffix(value.Text, parameter.Choices) : "";
            error(value.Position, problem + suggestion);
        }
    }
}
