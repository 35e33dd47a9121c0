using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Splits;

namespace Toolkit.Ml.Tests.Data.Splits;

public sealed class DataSplitterTests
{
    /// <summary>A table with an id column (0..n-1) and a 0/1 label whose first <paramref name="ones"/> rows are 1.</summary>
    private static DataTable Labelled(int rows, int ones)
    {
        var ids = new float[rows];
        var label = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            ids[i] = i;
            label[i] = i < ones ? 1 : 0;
        }

        return new DataTable([new Float32Column("id", ids), new Float64Column("y", label)], label: "y");
    }

    private static int[] Ids(DataTable t) => [.. ((Float32Column)t["id"]).Values.ToArray().Select(v => (int)v)];

    private static int Ones(DataTable t) => (int)((Float64Column)t["y"]).Values.ToArray().Sum();

    [Fact]
    public void TrainTest_SizesFollowFraction_PartsAreDisjointCompleteAndAscending()
    {
        var (train, test) = DataSplitter.TrainTest(Labelled(100, 30), 0.2, seed: 7);

        test.RowCount.Should().Be(20);
        train.RowCount.Should().Be(80);
        Ids(train).Concat(Ids(test)).Order().Should().Equal(Enumerable.Range(0, 100));
        Ids(train).Should().BeInAscendingOrder();
        Ids(test).Should().BeInAscendingOrder();
        train.LabelName.Should().Be("y");
    }

    [Fact]
    public void TrainTest_TestSizeRoundsHalfAwayFromZero()
    {
        // 10 rows * 0.25 = 2.5 -> 3 test rows.
        var (train, test) = DataSplitter.TrainTest(Labelled(10, 5), 0.25, seed: 1);

        test.RowCount.Should().Be(3);
        train.RowCount.Should().Be(7);
    }

    [Fact]
    public void TrainTest_TinyFraction_StillLeavesOneTestRow()
    {
        var (train, test) = DataSplitter.TrainTest(Labelled(10, 5), 0.01, seed: 1);

        test.RowCount.Should().Be(1);
        train.RowCount.Should().Be(9);
    }

    [Fact]
    public void TrainTest_SameSeed_SameSplit_OtherSeed_OtherSplit()
    {
        var data = Labelled(100, 30);

        var a = DataSplitter.TrainTest(data, 0.3, seed: 42);
        var b = DataSplitter.TrainTest(data, 0.3, seed: 42);
        var c = DataSplitter.TrainTest(data, 0.3, seed: 43);

        Ids(a.Test).Should().Equal(Ids(b.Test));
        Ids(a.Train).Should().Equal(Ids(b.Train));
        Ids(c.Test).Should().NotEqual(Ids(a.Test));
    }

    [Fact]
    public void TrainTest_Shuffles_RatherThanTakingTheLastRows()
    {
        var (_, test) = DataSplitter.TrainTest(Labelled(100, 30), 0.2, seed: 5);

        Ids(test).Should().NotEqual(Enumerable.Range(80, 20)).And.NotEqual(Enumerable.Range(0, 20));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TrainTest_StratifiedNumericLabel_KeepsExactProportion(int seed)
    {
        // 60 of 200 rows are 1; a 20% test part of 40 rows holds 40 * 0.3 = 12 ones, the train part 48.
        var (train, test) = DataSplitter.TrainTest(Labelled(200, 60), 0.2, seed, stratifyBy: "y");

        Ones(test).Should().Be(12);
        Ones(train).Should().Be(48);
    }

    [Fact]
    public void TrainTest_StratifiedCategorical_AllocatesByLargestRemainder()
    {
        // 101 rows: a 50, b 30, c 21; 30% -> round(30.3) = 30 test rows. Exact shares 14.85, 8.91, 6.24:
        // floors 14, 8, 6 (28) and the two largest remainders (b .91, a .85) get one more: 15, 9, 6.
        var values = Enumerable.Repeat("a", 50).Concat(Enumerable.Repeat("b", 30)).Concat(Enumerable.Repeat("c", 21)).ToArray();
        var data = new DataTable([CategoricalColumn.FromValues("k", values)]);

        var (train, test) = DataSplitter.TrainTest(data, 0.3, seed: 9, stratifyBy: "k");

        var counts = ((CategoricalColumn)test["k"]).Codes.ToArray().GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        counts.Should().BeEquivalentTo(new Dictionary<int, int> { [0] = 15, [1] = 9, [2] = 6 });
        train.RowCount.Should().Be(71);
    }

    [Fact]
    public void TrainTest_StratifiedWithMissingLabels_MissingIsItsOwnStratum()
    {
        // 10 missing, 40 zeros, 50 ones; a 20% test part gets 2, 8 and 10 of them.
        var label = Enumerable.Range(0, 100).Select(i => i < 10 ? float.NaN : i < 50 ? 0f : 1f).ToArray();
        var data = new DataTable([new Float32Column("y", label)]);

        var (_, test) = DataSplitter.TrainTest(data, 0.2, seed: 3, stratifyBy: "y");

        var values = ((Float32Column)test["y"]).Values.ToArray();
        values.Count(float.IsNaN).Should().Be(2);
        values.Count(v => v == 0).Should().Be(8);
        values.Count(v => v == 1).Should().Be(10);
    }

    [Fact]
    public void TrainTest_StratifiedBadColumn_ListsColumns()
    {
        var act = () => DataSplitter.TrainTest(Labelled(10, 5), 0.2, 1, stratifyBy: "label");

        act.Should().Throw<ArgumentException>().WithMessage("*'label'*columns are: id, y*");
    }

    [Fact]
    public void TrainTest_StratifiedByContinuousColumn_Throws()
    {
        var data = new DataTable([new Float64Column("v", [.. Enumerable.Range(0, 1001).Select(i => i * 0.5)])]);

        var act = () => DataSplitter.TrainTest(data, 0.2, 1, stratifyBy: "v");

        act.Should().Throw<ArgumentException>().WithMessage("*'v'*more than 1000 distinct values*");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void TrainTest_FractionOutsideOpenUnitInterval_Throws(double fraction)
    {
        var act = () => DataSplitter.TrainTest(Labelled(10, 5), fraction, 1);

        act.Should().Throw<ArgumentException>().WithMessage("*test fraction must be between 0 and 1*");
    }

    [Fact]
    public void TrainTest_OneRow_Throws()
    {
        var act = () => DataSplitter.TrainTest(Labelled(1, 0), 0.5, 1);

        act.Should().Throw<ArgumentException>().WithMessage("*at least 2 rows*");
    }

    [Fact]
    public void TrainValidationTest_StratifiedSizesAndProportions()
    {
        // 200 rows, 60 ones: test 40 rows (12 ones), validation 30 rows from the remaining 160 (48 ones): 9 ones.
        var (train, validation, test) = DataSplitter.TrainValidationTest(Labelled(200, 60), 0.15, 0.2, seed: 3, stratifyBy: "y");

        (train.RowCount, validation.RowCount, test.RowCount).Should().Be((130, 30, 40));
        (Ones(train), Ones(validation), Ones(test)).Should().Be((39, 9, 12));
        Ids(train).Concat(Ids(validation)).Concat(Ids(test)).Order().Should().Equal(Enumerable.Range(0, 200));
        Ids(validation).Should().BeInAscendingOrder();
    }

    [Fact]
    public void TrainValidationTest_IsDeterministic()
    {
        var a = DataSplitter.TrainValidationTest(Labelled(50, 10), 0.2, 0.2, seed: 11);
        var b = DataSplitter.TrainValidationTest(Labelled(50, 10), 0.2, 0.2, seed: 11);

        Ids(a.Validation).Should().Equal(Ids(b.Validation));
        Ids(a.Test).Should().Equal(Ids(b.Test));
    }

    [Fact]
    public void TrainValidationTest_FractionsSummingToOne_Throws()
    {
        var act = () => DataSplitter.TrainValidationTest(Labelled(50, 10), 0.5, 0.5, seed: 1);

        act.Should().Throw<ArgumentException>().WithMessage("*must be below 1*");
    }

    [Fact]
    public void KFold_EveryRowInExactlyOneTestFold_TrainIsComplement()
    {
        var folds = DataSplitter.KFold(23, 5, seed: 4);

        folds.Should().HaveCount(5);
        folds.SelectMany(f => f.Test).Order().Should().Equal(Enumerable.Range(0, 23));
        foreach (var (train, test) in folds)
        {
            train.Concat(test).Order().Should().Equal(Enumerable.Range(0, 23));
            train.Should().BeInAscendingOrder();
            test.Should().BeInAscendingOrder();
        }

        // 23 = 5 * 4 + 3: the first three folds have 5 rows, the others 4.
        folds.Select(f => f.Test.Length).Should().Equal(5, 5, 5, 4, 4);
    }

    [Fact]
    public void KFold_WithoutShuffle_GivesConsecutiveBlocks()
    {
        var folds = DataSplitter.KFold(10, 3, seed: 99, shuffle: false);

        folds[0].Test.Should().Equal(0, 1, 2, 3);
        folds[1].Test.Should().Equal(4, 5, 6);
        folds[2].Test.Should().Equal(7, 8, 9);
        folds[1].Train.Should().Equal(0, 1, 2, 3, 7, 8, 9);
    }

    [Fact]
    public void KFold_SameSeedSameFolds_ShuffledDiffersFromBlocks()
    {
        var a = DataSplitter.KFold(40, 4, seed: 8);
        var b = DataSplitter.KFold(40, 4, seed: 8);

        a.Select(f => f.Test).Should().BeEquivalentTo(b.Select(f => f.Test), o => o.WithStrictOrdering());
        a[0].Test.Should().NotEqual(Enumerable.Range(0, 10));
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(0, 10)]
    [InlineData(11, 10)]
    public void KFold_BadFoldCount_Throws(int folds, int rows)
    {
        var act = () => DataSplitter.KFold(rows, folds, seed: 1);

        act.Should().Throw<ArgumentException>().WithMessage(folds < 2 ? "*at least 2 folds*" : "*11 folds from 10 rows*");
    }

    [Fact]
    public void StratifiedKFold_EachFoldKeepsClassShare()
    {
        // 100 rows, 30 ones, 5 folds: each test fold has 20 rows of which 6 ones.
        var label = Labelled(100, 30)["y"];

        var folds = DataSplitter.StratifiedKFold(label, 5, seed: 2);

        folds.SelectMany(f => f.Test).Order().Should().Equal(Enumerable.Range(0, 100));
        foreach (var (train, test) in folds)
        {
            test.Should().HaveCount(20);
            test.Count(i => label.GetDouble(i) == 1).Should().Be(6);
            train.Should().HaveCount(80).And.BeInAscendingOrder();
        }
    }

    [Fact]
    public void StratifiedKFold_UnevenClasses_FoldCountsWithinOne()
    {
        var values = Enumerable.Range(0, 37).Select(i => i % 3 == 0 ? "x" : i % 3 == 1 ? "y" : "z").ToArray();
        var strata = CategoricalColumn.FromValues("k", values);

        var folds = DataSplitter.StratifiedKFold(strata, 4, seed: 6);

        folds.Select(f => f.Test.Length).Max().Should().BeLessThanOrEqualTo(folds.Select(f => f.Test.Length).Min() + 1);
        foreach (var category in new[] { "x", "y", "z" })
        {
            var perFold = folds.Select(f => f.Test.Count(i => strata[i] == category)).ToArray();
            perFold.Max().Should().BeLessThanOrEqualTo(perFold.Min() + 1, $"class {category} is spread evenly");
        }
    }
}
