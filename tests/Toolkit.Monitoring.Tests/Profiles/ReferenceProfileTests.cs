using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Monitoring.Drift;
using Toolkit.Monitoring.Profiles;
using Toolkit.Monitoring.Statistics;

namespace Toolkit.Monitoring.Tests.Profiles;

public sealed class ReferenceProfileTests
{
    [Fact]
    public void Build_DiabetesTable_IsKilobytesAndRoundTripsThroughJson()
    {
        var table = SyntheticData.Generate("diabetes", 20_000, 7);

        var profile = ProfileBuilder.Build(table, exclude: ["diabetes"]);
        var json = ProfileJson.Serialize(profile);
        var back = ProfileJson.Deserialize(json, "profile.json");

        json.Length.Should().BeLessThan(64 * 1024, "a profile summarizes; it is not a copy of 20,000 rows");
        ProfileJson.Serialize(back).Should().Be(json);
        back.Features.Select(f => f.Name).Should().Equal(table.Columns.Select(c => c.Name).Where(n => n != "diabetes"));
        var bmi = back.Find("bmi")!;
        bmi.Kind.Should().Be(FeatureKind.Numeric);
        bmi.NullFraction.Should().Be((double)table["bmi"].CountMissing() / table.RowCount);
        bmi.Numeric!.BinCounts.Sum().Should().Be(bmi.Count);
        bmi.Numeric.Edges.Should().HaveCount(9).And.BeInAscendingOrder();
        bmi.Numeric.Sample.Size.Should().Be(ProfileOptions.DefaultSampleSize);
        back.Find("smoking")!.Categories!.Select(c => c.Value).Should().Equal("current", "former", "never");
    }

    [Fact]
    public void Build_SameTableTwice_GivesTheSameBytes()
    {
        var a = ProfileJson.SerializeToUtf8(ProfileBuilder.Build(SyntheticData.Generate("diabetes", 3_000, 11)));
        var b = ProfileJson.SerializeToUtf8(ProfileBuilder.Build(SyntheticData.Generate("diabetes", 3_000, 11)));
        a.Should().Equal(b);
    }

    [Fact]
    public void Numeric_MatchesDirectStatistics()
    {
        double[] values = [.. Enumerable.Range(0, 12_345).Select(i => Math.Sin(i) * 100)];
        var column = new Float64Column("x", [.. values, double.NaN]);

        var f = ProfileBuilder.Build(column);

        var sorted = SortedSamples.From(values);
        f.Count.Should().Be(values.Length);
        f.NullFraction.Should().Be(1.0 / (values.Length + 1));
        f.Numeric!.Min.Should().Be(sorted[0]);
        f.Numeric.Max.Should().Be(sorted[^1]);
        f.Numeric.Mean.Should().BeApproximately(values.Average(), 1e-9);
        f.Numeric.Std.Should().BeApproximately(Math.Sqrt(values.Select(v => Math.Pow(v - values.Average(), 2)).Average()), 1e-9);
        f.Numeric.Edges.Should().Equal(Quantiles.DecileEdges(sorted));
        var sample = f.Numeric.Sample.Expand();
        sample.Should().HaveCount(5_000).And.BeInAscendingOrder();
        sample[0].Should().Be(sorted[0]);
        sample[^1].Should().Be(sorted[^1]);
    }

    [Fact]
    public void Sample_SmallColumn_KeepsEveryValue()
    {
        double[] sorted = [1, 1, 2, 3, 3, 3];
        var s = ProfileBuilder.Sample(sorted, 5_000);
        s.Values.Should().Equal(1, 2, 3);
        s.Counts.Should().Equal(2, 1, 3);
        s.Expand().Should().Equal(sorted);
    }

    [Fact]
    public void Deserialize_NotAProfile_NamesTheSource()
    {
        var act = () => ProfileJson.Deserialize("{\"format\":\"something-else\",\"rows\":1,\"features\":[]}", "ref.profile.json");
        act.Should().Throw<DataFormatException>().WithMessage("*ref.profile.json*");
    }

    [Fact]
    public void CompareWithProfile_SmallReference_EqualsComparisonWithTheTable()
    {
        // At most 5,000 values per column the sample is the data, so both references give identical results.
        var reference = SyntheticData.Generate("diabetes", 4_000, 3).WithLabel(null);
        var current = SyntheticData.Generate("diabetes", 700, 4, 0.2).WithLabel(null);
        var options = new DriftOptions { Exclude = ["diabetes"] };

        var fromTable = DriftDetector.Compare(reference, current, options);
        var fromProfile = DriftDetector.Compare(ProfileJson.Deserialize(ProfileJson.Serialize(ProfileBuilder.Build(reference)), "p"), current, options);

        fromProfile.Features.Should().BeEquivalentTo(fromTable.Features, o => o.Excluding(f => f.Histogram));
        fromProfile.DatasetDrift.Should().Be(fromTable.DatasetDrift);
    }

    [Fact]
    public void ComparePredictions_ShiftedScores_Drift()
    {
        var rng = new Random(5);
        double[] reference = [.. Enumerable.Range(0, 20_000).Select(_ => rng.NextDouble())];
        double[] same = [.. Enumerable.Range(0, 3_000).Select(_ => rng.NextDouble())];
        double[] shifted = [.. Enumerable.Range(0, 3_000).Select(_ => Math.Min(1, rng.NextDouble() + 0.2))];
        var profile = ProfileBuilder.Scores("score", reference);

        DriftDetector.ComparePredictions(profile, same).Drifted.Should().BeFalse();
        DriftDetector.ComparePredictions(profile, shifted).Drifted.Should().BeTrue();
    }
}
