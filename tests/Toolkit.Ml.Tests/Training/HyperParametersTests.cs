using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Training;

public sealed class HyperParametersTests
{
    private static readonly ParameterInfo[] Declared =
    [
        new("alpha", ParameterKind.Real, "1", "penalty") { Min = 0, MinExclusive = true },
        new("max_iter", ParameterKind.Integer, "1000", "iterations") { Min = 1 },
        new("max_depth", ParameterKind.Integer, "none", "depth") { Min = 1, AllowsNone = true },
        new("criterion", ParameterKind.Choice, "gini", "split quality") { Choices = ["gini", "entropy"] },
        new("max_features", ParameterKind.RealOrChoice, "sqrt", "features per split") { Choices = ["sqrt", "log2"], Min = 0, MinExclusive = true, Max = 1 },
        new("fit_intercept", ParameterKind.Boolean, "true", "intercept"),
    ];

    [Fact]
    public void Resolve_NoValues_UsesDefaultsInNameOrder()
    {
        var hp = HyperParameters.Resolve("algo", Declared, null);

        hp.Values.Keys.Should().Equal("alpha", "criterion", "fit_intercept", "max_depth", "max_features", "max_iter");
        hp.GetDouble("alpha").Should().Be(1.0);
        hp.GetIntOrNone("max_depth").Should().BeNull();
        hp.GetBool("fit_intercept").Should().BeTrue();
    }

    [Fact]
    public void Resolve_ValidValues_NormalizesThem()
    {
        var hp = HyperParameters.Resolve("algo", Declared, new Dictionary<string, string>
        {
            ["alpha"] = "0.50",
            ["criterion"] = "ENTROPY",
            ["max_depth"] = "12",
            ["max_features"] = "0.25",
            ["fit_intercept"] = "False",
        });

        hp.Values["alpha"].Should().Be("0.5");
        hp.GetString("criterion").Should().Be("entropy");
        hp.GetIntOrNone("max_depth").Should().Be(12);
        hp.GetString("max_features").Should().Be("0.25");
        hp.GetBool("fit_intercept").Should().BeFalse();
    }

    [Fact]
    public void Resolve_UnknownName_ListsValidParameters()
    {
        var act = () => HyperParameters.Resolve("lasso", Declared, new Dictionary<string, string> { ["alfa"] = "1" });

        act.Should().Throw<InvalidParameterException>()
            .WithMessage("*unknown parameter 'alfa' for lasso*valid parameters: alpha, max_iter, max_depth, criterion, max_features, fit_intercept*");
    }

    [Theory]
    [InlineData("alpha", "0")]
    [InlineData("alpha", "-1")]
    [InlineData("alpha", "abc")]
    [InlineData("max_iter", "1.5")]
    [InlineData("max_iter", "0")]
    [InlineData("criterion", "mse")]
    [InlineData("max_features", "1.5")]
    [InlineData("fit_intercept", "yes")]
    public void Resolve_BadValue_NamesParameterAndValidRange(string name, string value)
    {
        var act = () => HyperParameters.Resolve("algo", Declared, new Dictionary<string, string> { [name] = value });

        act.Should().Throw<InvalidParameterException>()
            .WithMessage($"*'{name}' = '{value}' is invalid*valid:*");
    }

    [Fact]
    public void Resolve_SeveralErrors_ReportsAllAtOnce()
    {
        var act = () => HyperParameters.Resolve("algo", Declared, new Dictionary<string, string>
        {
            ["alpha"] = "-1",
            ["bogus"] = "1",
        });

        var message = act.Should().Throw<InvalidParameterException>().Which.Message;
        message.Should().Contain("'alpha'").And.Contain("'bogus'");
    }
}
