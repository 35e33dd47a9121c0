namespace Toolkit.Core.Tests;

public sealed class DidYouMeanTests
{
    [Theory]
    [InlineData("diabetis", "diabetes")]
    [InlineData("acu", "auc")]
    [InlineData("Executor", "executor")]
    [InlineData("data", "dataset")]
    [InlineData("production", "prod")]
    public void Closest_PlausibleSlip_SuggestsTheName(string given, string expected)
    {
        string[] known = ["diabetes", "housing", "auc", "accuracy", "executor", "dataset", "prod", "preprod"];

        DidYouMean.Closest(given, known).Should().Be(expected);
    }

    [Theory]
    [InlineData("zzz")]
    [InlineData("x")]
    [InlineData("")]
    [InlineData("completely-different")]
    public void Closest_NothingClose_SuggestsNothing(string given)
    {
        DidYouMean.Closest(given, ["diabetes", "housing", "auc"]).Should().BeNull();
        DidYouMean.Suffix(given, ["diabetes", "housing", "auc"]).Should().BeEmpty();
    }

    [Fact]
    public void Closest_ExactName_IsNotSuggestedBack()
    {
        DidYouMean.Closest("auc", ["auc"]).Should().BeNull();
    }

    [Fact]
    public void Closest_SeveralPrefixes_PrefersTheClosestLength()
    {
        DidYouMean.Closest("rows", ["rows_total_count", "rowsx"]).Should().Be("rowsx");
    }

    [Fact]
    public void Suffix_Suggestion_ReadsAsAQuestion()
    {
        DidYouMean.Suffix("stpes", ["steps", "params"]).Should().Be("; did you mean 'steps'?");
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("AUC", "auc", 0)]
    [InlineData("abc", "", 3)]
    public void Distance_KnownPairs_MatchLevenshtein(string a, string b, int expected)
    {
        DidYouMean.Distance(a, b).Should().Be(expected);
        DidYouMean.Distance(b, a).Should().Be(expected);
    }
}
