using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Tests.Spec;

/// <summary><see cref="IParameterCheck"/>: validate asks the component about a step's literal values and reports at their position.</summary>
public sealed class ParameterCheckValidationTests
{
    /// <summary>Knows the "loaded" names only at run time, as features/fit knows the team transforms.</summary>
    private sealed class NamesComponent : IComponent, IParameterCheck
    {
        public List<IReadOnlyDictionary<string, string>> Asked { get; } = [];

        public ComponentDescriptor Descriptor { get; } = new()
        {
            Name = "test/names",
            Version = "1",
            Description = "uses loaded names",
            Parameters =
            [
                new ComponentParameter("names", ParameterType.String, "comma-separated loaded names"),
                new ComponentParameter("other", ParameterType.String, "anything"),
            ],
        };

        public IReadOnlyList<ParameterProblem> Check(IReadOnlyDictionary<string, string> literals)
        {
            Asked.Add(literals);
            return literals.TryGetValue("names", out var names) && names.Split(',').Any(n => n != "known")
                ? [new ParameterProblem("names", $"unknown names in '{names}'; known: known")]
                : [];
        }

        public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default) => Task.FromResult(ComponentResult.Empty);
    }

    private static (IReadOnlyList<PipelineDiagnostic> Errors, NamesComponent Component) Check(string with)
    {
        var component = new NamesComponent();
        var spec = PipelineLoader.Load($$"""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: demo
            params:
              n: known
            steps:
              - name: a
                uses: test/names
                with:
            {{with}}
            """, "p.yaml").Spec!;
        return (PipelineValidator.Validate(spec, new ComponentCatalog([component])), component);
    }

    [Fact]
    public void Validate_ComponentRefusesALiteral_ErrorAtTheValuesPosition()
    {
        var (errors, _) = Check("      other: x\n      names: known,typo");

        var error = errors.Should().ContainSingle().Subject;
        error.Position.Line.Should().Be(11);
        error.Position.Column.Should().Be(14);
        error.Message.Should().Be("parameter 'names' of 'test/names': unknown names in 'known,typo'; known: known");
    }

    [Fact]
    public void Validate_ValueFromAnExpression_NotGivenToTheComponent()
    {
        var (errors, component) = Check("      names: ${{ params.n }}\n      other: x");

        errors.Should().BeEmpty();
        component.Asked.Should().ContainSingle().Which.Should().Equal(new Dictionary<string, string> { ["other"] = "x" });
    }

    [Fact]
    public void Validate_AcceptedLiterals_NoError()
    {
        var (errors, component) = Check("      names: known");

        errors.Should().BeEmpty();
        component.Asked.Should().ContainSingle().Which["names"].Should().Be("known");
    }
}
