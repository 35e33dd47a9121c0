using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Tests.Spec;

public sealed class PipelineValidatorTests
{
    private static IReadOnlyList<PipelineDiagnostic> Check(string yaml)
    {
        var loaded = PipelineLoader.Load(yaml, "p.yaml");
        var errors = loaded.Diagnostics.ToList();
        if (loaded.Spec is not null)
        {
            errors.AddRange(PipelineValidator.Validate(loaded.Spec, TestCatalog.Descriptors()));
        }

        return errors;
    }

    private const string Valid = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: demo
        params:
          n: 3
          word: hello
        steps:
          - name: a
            uses: test/make
            with:
              text: ${{ params.word }}
              count: ${{ params.n }}
          - name: b
            uses: test/make
            with:
              text: two
          - name: join
            uses: test/concat
            inputs:
              parts: [a.data, "${{ steps.b.outputs.data }}"]
          - name: after
            uses: test/make
            needs: [join]
            when: ${{ steps.join.outputs.length > 3 && params.n >= 1 }}
            with:
              text: done
        """;

    [Fact]
    public void Validate_ValidPipeline_NoErrors()
    {
        Check(Valid).Should().BeEmpty();
    }

    [Fact]
    public void Load_PositionsAreLineAndColumnOfTheValue()
    {
        var errors = Check(Valid.Replace("uses: test/concat", "uses: test/concatenate", StringComparison.Ordinal));

        var error = errors.Should().ContainSingle().Subject;
        error.File.Should().Be("p.yaml");
        error.Position.Should().Be(new Position(18, 11));
        error.Message.Should().Contain("unknown component 'test/concatenate'").And.Contain("did you mean 'test/concat'");
        error.ToString().Should().StartWith("p.yaml:18:11: ");
    }

    [Fact]
    public void Validate_ManyProblems_AllReportedInLineOrder()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: demo
            steps:
              - name: a
                uses: test/make
                colour: red
                with:
                  text: x
                  count: many
                  mode: c
              - name: a
                uses: test/make
                with:
                  txt: y
              - name: c
                uses: test/concat
                inputs:
                  parts: [nowhere.data, a.dataset]
                needs: [ghost]
            """;

        var errors = Check(yaml);

        errors.Select(e => e.Message).Should().SatisfyRespectively(
            m => m.Should().Contain("unknown field 'colour'"),
            m => m.Should().Contain("'count' must be an integer, not 'many'"),
            m => m.Should().Contain("must be one of a, b, not 'c'"),
            m => m.Should().Contain("duplicate step name 'a' (first at line 5)"),
            m => m.Should().Contain("must set parameter 'text'"),
            m => m.Should().Contain("no parameter 'txt'").And.Contain("did you mean 'text'"),
            m => m.Should().Contain("step 'nowhere', which does not exist"),
            m => m.Should().Contain("step 'a' has no output 'dataset'").And.Contain("did you mean 'data'"),
            m => m.Should().Contain("'needs' refers to step 'ghost'"));
        errors.Select(e => e.Position.Line).Should().BeInAscendingOrder();
    }

    [Fact]
    public void Validate_Cycle_PrintsThePath()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: loop
            steps:
              - name: x
                uses: test/concat
                inputs: { parts: [z.joined] }
              - name: y
                uses: test/concat
                inputs: { parts: [x.joined] }
              - name: z
                uses: test/concat
                inputs: { parts: [y.joined] }
            """;

        var error = Check(yaml).Should().ContainSingle().Subject;

        error.Message.Should().Be("the steps form a cycle: x -> z -> y -> x");
    }

    [Fact]
    public void Validate_MissingRequiredInput_And_UnknownExpressionReference()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: demo
            params: { rows: 1 }
            steps:
              - name: c
                uses: test/concat
              - name: d
                uses: test/make
                when: steps.c.outputs.lenght > 1
                with:
                  text: ${{ params.rowz }}
            """;

        var messages = Check(yaml).Select(e => e.Message).ToList();

        messages.Should().Contain(m => m.Contains("missing required input 'parts'", StringComparison.Ordinal));
        messages.Should().Contain(m => m.Contains("step 'c' has no output 'lenght'", StringComparison.Ordinal) && m.Contains("did you mean 'length'", StringComparison.Ordinal));
        messages.Should().Contain(m => m.Contains("unknown parameter 'params.rowz'", StringComparison.Ordinal) && m.Contains("did you mean 'rows'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ParamOfWrongTypeWiredToIntegerParameter_IsAnError()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: demo
            params: { ratio: 0.5 }
            steps:
              - name: a
                uses: test/make
                with:
                  text: x
                  count: ${{ params.ratio }}
            """;

        Check(yaml).Should().ContainSingle().Which.Message.Should().Contain("'count' of 'test/make' is a integer, but params.ratio is a number");
    }

    [Theory]
    [InlineData("apiVersion: toolkit/v2\nkind: Pipeline\nname: a\nsteps: [{name: a, uses: test/make, with: {text: x}}]", "apiVersion must be 'toolkit/v1'")]
    [InlineData("apiVersion: toolkit/v1\nkind: Job\nname: a\nsteps: [{name: a, uses: test/make, with: {text: x}}]", "kind must be 'Pipeline'")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: []", "non-empty list of steps")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a}]", "needs 'uses' (a component) or 'run'")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, timeout: soon}]", "timeout 'soon' is not a duration")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, outputs: [/etc/hostname]}]", "output name '/etc/hostname' must be letters")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, outputs: [../x]}]", "output name '../x' must be letters")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, env: [BAD-NAME]}]", "environment variable name 'BAD-NAME'")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, uses: test/make, with: {text: x}, env: [HOME]}]", "'env' applies to 'run' steps")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, timeout: 100000h}]", "timeout '100000h' is longer than a step may run (7 days)")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, timeout: 1e300h}]", "timeout '1e300h' is not a duration")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, resources: {cpu: Infinity}}]", "cpu 'Infinity' must be a number of cores from 0.001 to 1024")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, resources: {memory: 1e30Ti}}]", "memory '1e30Ti' must be a size")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps: [{name: a, run: echo, retries: {count: 1, backoff: 9999h}}]", "backoff '9999h' is not a duration of at most 7 days")]
    [InlineData("apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps:\n  - name: a\n    run: x\n   bad: [", "not valid YAML")]
    public void Load_StructuralErrors_AreReported(string yaml, string expected)
    {
        Check(yaml).Should().Contain(e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_WithValueNestedThousandsDeep_OneErrorNoCrash()
    {
        var yaml = "apiVersion: toolkit/v1\nkind: Pipeline\nname: a\nsteps:\n  - name: a\n    uses: test/make\n    with: { text: "
            + new string('[', 20_000) + new string(']', 20_000) + " }\n";

        var errors = PipelineLoader.Load(yaml, "deep.yaml").Diagnostics;

        errors.Should().ContainSingle().Which.Message.Should().Contain("levels deep");
        errors[0].File.Should().Be("deep.yaml");
        errors[0].Position.Line.Should().Be(7);
    }

    [Fact]
    public void Load_StepSettings_AreParsed()
    {
        const string yaml = """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: demo
            steps:
              - name: fit
                run: python fit.py ${{ inputs.data }} ${{ outputs.model }}
                image: team/python:3.11
                outputs: [model]
                retries: { count: 2, backoff: 250ms }
                timeout: 10m
                resources: { cpu: 1.5, memory: 512Mi }
                cache: false
            """;

        var loaded = PipelineLoader.Load(yaml, "p.yaml");

        var step = loaded.Spec!.Steps.Single();
        step.Retries.Should().Be(new RetryPolicy(2, TimeSpan.FromMilliseconds(250)));
        step.Timeout.Should().Be(TimeSpan.FromMinutes(10));
        step.Resources.Should().Be(new ResourceSpec(1.5, 512L * 1024 * 1024));
        step.Cache.Should().BeFalse();
        step.Image.Should().Be("team/python:3.11");
        step.Outputs.Should().Equal("model");
    }
}
