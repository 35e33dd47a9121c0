using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Tests.Spec;

public sealed class ExpressionTests
{
    private static ExprValue Resolve(ExprRef r) => r.ToString() switch
    {
        "params.rows" => new ExprValue(20000.0),
        "params.name" => new ExprValue("diabetes"),
        "steps.evaluate.outputs.auc" => new ExprValue(0.83),
        _ => ExprValue.Null,
    };

    [Theory]
    [InlineData("steps.evaluate.outputs.auc >= 0.8", true)]
    [InlineData("steps.evaluate.outputs.auc > 0.9", false)]
    [InlineData("steps.evaluate.outputs.auc >= 0.8 && params.rows < 1000", false)]
    [InlineData("steps.evaluate.outputs.auc >= 0.9 || params.name == 'diabetes'", true)]
    [InlineData("!(params.rows == 20000)", false)]
    [InlineData("steps.missing.outputs.x > 0", false)]
    [InlineData("steps.missing.outputs.x != 1", true)]
    public void Evaluate_Conditions(string text, bool expected)
    {
        Expression.Parse(text).Evaluate(Resolve).IsTruthy.Should().Be(expected);
    }

    [Fact]
    public void Template_SingleExpression_KeepsType_MixedText_Interpolates()
    {
        Template.Parse("${{ params.rows }}").Evaluate(Resolve).Value.Should().Be(20000.0);
        Template.Parse("data-${{ params.name }}-${{ params.rows }}.csv").Evaluate(Resolve).ToText().Should().Be("data-diabetes-20000.csv");
        Template.Parse("plain").Evaluate(Resolve).ToText().Should().Be("plain");
    }

    [Fact]
    public void References_AreListed()
    {
        Template.Parse("a ${{ params.rows > 1 && steps.evaluate.outputs.auc }} b").References.Select(r => r.ToString())
            .Should().Equal("params.rows", "steps.evaluate.outputs.auc");
    }

    [Theory]
    [InlineData("${{ params.rows > }}")]
    [InlineData("${{ environment.x }}")]
    [InlineData("${{ 'open }}")]
    [InlineData("${{ params.rows")]
    public void Parse_BadSyntax_Throws(string text)
    {
        var act = () => Template.Parse(text);

        act.Should().Throw<ExpressionException>();
    }

    [Theory]
    [InlineData(30_000, "(", ")", "nested more than 64")]
    [InlineData(30_000, "!", "", "nested more than 64")]
    public void Parse_HostileNesting_RefusedWithoutOverflow(int depth, string open, string close, string expected)
    {
        var text = string.Concat(Enumerable.Repeat(open, depth)) + "true" + string.Concat(Enumerable.Repeat(close, depth));

        var act = () => Expression.Parse(text);

        act.Should().Throw<ExpressionException>().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void Parse_HugeChainOfTerms_RefusedBeforeEvaluationCouldOverflow()
    {
        var text = string.Join(" && ", Enumerable.Repeat("true", 50_000));

        var act = () => Expression.Parse(text);

        act.Should().Throw<ExpressionException>().Which.Message.Should().Contain("more than 1000 terms");
    }

    [Fact]
    public void Parse_RealisticNesting_StillParses()
    {
        var text = string.Concat(Enumerable.Repeat("(", 20)) + "params.rows > 10" + string.Concat(Enumerable.Repeat(")", 20)) + " && !!(params.name == 'diabetes')";

        Expression.Parse(text).Evaluate(Resolve).IsTruthy.Should().BeTrue();
    }
}
