using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Features;

public sealed class FeaturePipelineTests
{
    private const float Nan = float.NaN;

    // bmi has two missing values; scikit-learn references below were computed from exactly these values.
    private static readonly float[] Bmi = [20, 22, Nan, 30, 25, 28, Nan, 35.5f];
    private static readonly float[] BmiTest = [Nan, 40, 10];

    private static DataTable Train() => new(
    [
        new Float32Column("bmi", Bmi),
        new Float64Column("age", [30, 40, 50, 60, 20, 70, 45, 55]),
        CategoricalColumn.FromValues("sex", ["M", "F", "F", null, "M", "F", "F", "X"]),
        new Float64Column("y", [0, 1, 0, 1, 0, 1, 0, 1]),
    ], label: "y");

    private static DataTable Single(string name, float[] values) => new([new Float32Column(name, values)]);

    private static float[] Column(FeatureMatrix m, string name) => m.Column(IndexOf(m, name)).ToArray();

    private static int IndexOf(FeatureMatrix m, string name)
    {
        var i = m.Names.ToList().IndexOf(name);
        i.Should().BeGreaterThanOrEqualTo(0, $"output '{name}' should exist among {string.Join(", ", m.Names)}");
        return i;
    }

    private static void ShouldBeClose(float[] actual, double[] expected)
    {
        actual.Should().HaveCount(expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]))
            {
                float.IsNaN(actual[i]).Should().BeTrue($"element {i} should be NaN");
            }
            else
            {
                // float32 output: allow its relative precision on large values.
                ((double)actual[i]).Should().BeApproximately(expected[i], Math.Max(1e-6, Math.Abs(expected[i]) * 1e-7), $"element {i}");
            }
        }
    }

    [Fact]
    public void Fit_MedianImputeThenStandardize_MatchesScikitLearn()
    {
        var pipeline = FeaturePipeline.Fit(Single("bmi", Bmi), new FeaturePipelineOptions());

        var train = pipeline.Transform(Single("bmi", Bmi));
        var test = pipeline.Transform(Single("bmi", BmiTest));

        // make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(bmi) in scikit-learn 1.2.1:
        // statistics_ 26.5, mean_ 26.6875, scale_ 4.471699201645835.
        ShouldBeClose(Column(train, "bmi"),
        [
            -1.4955165136193924, -1.0482592385182656, -0.04193036954073063, 0.7407698618862412,
            -0.3773733258665757, 0.2935125867851144, -0.04193036954073063, 1.9707273684143396,
        ]);
        ShouldBeClose(Column(test, "bmi"), [-0.04193036954073063, 2.9770562373918747, -3.731802889125026]);
    }

    [Fact]
    public void Fit_MeanImputeThenStandardize_MatchesScikitLearn()
    {
        var pipeline = FeaturePipeline.Fit(Single("bmi", Bmi), new FeaturePipelineOptions { NumericImputation = Imputation.Mean });

        var test = pipeline.Transform(Single("bmi", BmiTest));

        // SimpleImputer(strategy="mean") + StandardScaler: statistics_ 26.75, scale_ 4.470388685561916.
        ShouldBeClose(Column(test, "bmi"), [0.0, 2.963948088629011, -3.7468777724178066]);
    }

    [Fact]
    public void Fit_MostFrequentWithAllValuesUnique_TakesSmallestLikeScikitLearn()
    {
        var pipeline = FeaturePipeline.Fit(
            Single("bmi", Bmi), new FeaturePipelineOptions { NumericImputation = Imputation.MostFrequent });

        var test = pipeline.Transform(Single("bmi", BmiTest));

        // SimpleImputer(strategy="most_frequent") + StandardScaler: statistics_ 20, mean_ 25.0625, scale_ 5.341099488869309.
        ShouldBeClose(Column(test, "bmi"), [-0.9478385509481891, 2.7967088108224347, -2.8201122318335012]);
    }

    [Fact]
    public void Fit_MostFrequent_PicksTheModeAndSmallestOnTies()
    {
        var options = new FeaturePipelineOptions { NumericImputation = Imputation.MostFrequent, Scaling = Scaling.None };

        // 7 appears three times, 2 twice: the mode is 7. In the second column 5 and 3 both appear twice: 3 wins.
        var mode = FeaturePipeline.Fit(Single("x", [7, 2, 7, Nan, 2, 7, 1]), options).Transform(Single("x", [Nan]));
        var tie = FeaturePipeline.Fit(Single("x", [5, 3, 5, 3, Nan, 9]), options).Transform(Single("x", [Nan]));

        mode[0, 0].Should().Be(7f);
        tie[0, 0].Should().Be(3f);
    }

    [Fact]
    public void Fit_MedianOfEvenAndOddCounts_ComputedByHand()
    {
        var options = new FeaturePipelineOptions { Scaling = Scaling.None };

        // Present values 1, 4, 10, 100 -> median (4 + 10) / 2 = 7; present 3, 1, 2 -> median 2.
        var even = FeaturePipeline.Fit(Single("x", [100, Nan, 4, 1, 10]), options).Transform(Single("x", [Nan, 5]));
        var odd = FeaturePipeline.Fit(Single("x", [3, 1, Nan, 2]), options).Transform(Single("x", [Nan]));

        Column(even, "x").Should().Equal(7f, 5f);
        odd[0, 0].Should().Be(2f);
    }

    [Fact]
    public void Transform_UsesTrainStatisticsOnly_NoLeakageFromNewData()
    {
        // Train: values 1..5 with one missing -> median 3; after imputation 1, 2, 3, 3, 4, 5 have mean 3 and
        // population std sqrt(10 / 6). New data has a mean near 2000, which must not matter.
        var train = Single("x", [1, 2, 3, Nan, 4, 5]);
        var pipeline = FeaturePipeline.Fit(train, new FeaturePipelineOptions());
        var newData = Single("x", [1000, 2000, Nan, 3000]);

        var result = Column(pipeline.Transform(newData), "x");

        var std = Math.Sqrt(10.0 / 6.0);
        ShouldBeClose(result, [(1000 - 3) / std, (2000 - 3) / std, 0, (3000 - 3) / std]);
    }

    [Fact]
    public void Fit_MinMax_MapsTrainRangeToUnitInterval_AndDoesNotClipNewData()
    {
        var options = new FeaturePipelineOptions { Scaling = Scaling.MinMax };
        var pipeline = FeaturePipeline.Fit(Single("bmi", Bmi), options);

        var train = Column(pipeline.Transform(Single("bmi", Bmi)), "bmi");
        var test = Column(pipeline.Transform(Single("bmi", BmiTest)), "bmi");

        train.Min().Should().Be(0f);
        train.Max().Should().Be(1f);

        // make_pipeline(SimpleImputer(strategy="median"), MinMaxScaler()): min 20, range 15.5.
        ShouldBeClose(train, [0.0, 0.12903225806451624, 0.4193548387096775, 0.6451612903225807, 0.32258064516129026,
            0.5161290322580645, 0.4193548387096775, 1.0]);
        ShouldBeClose(test, [0.4193548387096775, 1.2903225806451613, -0.6451612903225806]);
    }

    [Fact]
    public void Fit_NoImputation_KeepsNaN_AndScalesOverPresentValues()
    {
        var pipeline = FeaturePipeline.Fit(Single("bmi", Bmi), new FeaturePipelineOptions { NumericImputation = Imputation.None });

        var test = Column(pipeline.Transform(Single("bmi", BmiTest)), "bmi");

        // StandardScaler() alone (it ignores NaN when fitting): mean 26.75 of the six values.
        ShouldBeClose(test, [double.NaN, 2.5668543402510546, -3.244891335789069]);
    }

    [Fact]
    public void Fit_ForTrees_PassesRawValuesThroughWithNaN()
    {
        var pipeline = FeaturePipeline.Fit(Single("bmi", Bmi), FeaturePipelineOptions.ForTrees);

        var result = Column(pipeline.Transform(Single("bmi", BmiTest)), "bmi");

        float.IsNaN(result[0]).Should().BeTrue();
        result[1..].Should().Equal(40f, 10f);
    }

    [Theory]
    [InlineData(Scaling.Standardize)]
    [InlineData(Scaling.MinMax)]
    public void Fit_ConstantColumn_DoesNotDivideByZero(Scaling scaling)
    {
        var pipeline = FeaturePipeline.Fit(Single("c", [0.1f, 0.1f, Nan, 0.1f]), new FeaturePipelineOptions { Scaling = scaling });

        var train = Column(pipeline.Transform(Single("c", [0.1f, Nan])), "c");
        var shifted = Column(pipeline.Transform(Single("c", [2.1f])), "c");

        train.Should().Equal(0f, 0f);
        ((double)shifted[0]).Should().BeApproximately(2.0, 1e-6, "scale 1: the output is the offset from the constant");
    }

    [Fact]
    public void Fit_AllMissingColumn_ImputesZero_AndOutputIsFinite()
    {
        var pipeline = FeaturePipeline.Fit(Single("m", [Nan, Nan, Nan]), new FeaturePipelineOptions());

        var result = Column(pipeline.Transform(Single("m", [Nan, 4])), "m");

        result.Should().Equal(0f, 4f);
    }

    [Fact]
    public void Fit_AllMissingColumnWithoutImputation_StaysNaN()
    {
        var pipeline = FeaturePipeline.Fit(Single("m", [Nan, Nan]), FeaturePipelineOptions.ForTrees);

        var result = Column(pipeline.Transform(Single("m", [Nan, 4])), "m");

        float.IsNaN(result[0]).Should().BeTrue();
        result[1].Should().Be(4f);
    }

    [Fact]
    public void Fit_InfiniteValues_CountAsMissing()
    {
        var options = new FeaturePipelineOptions { Scaling = Scaling.None };
        var pipeline = FeaturePipeline.Fit(Single("x", [1, float.PositiveInfinity, 3]), options);

        Column(pipeline.Transform(Single("x", [float.NegativeInfinity])), "x").Should().Equal(2f);
    }

    [Fact]
    public void Fit_MissingIndicators_OnlyForColumnsWithMissingTrainValues()
    {
        var options = new FeaturePipelineOptions { AddMissingIndicators = true };

        var pipeline = FeaturePipeline.Fit(Train(), options);
        var result = pipeline.Transform(Train());

        pipeline.OutputNames.Should().Equal("bmi", "bmi_missing", "age", "sex=F", "sex=M", "sex=X", "sex_missing");
        Column(result, "bmi_missing").Should().Equal(0f, 0f, 1f, 0f, 0f, 0f, 1f, 0f);
        Column(result, "sex_missing").Should().Equal(0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f);
        float.IsNaN(Column(result, "bmi")[2]).Should().BeFalse("the value itself is still imputed");
    }

    [Fact]
    public void Fit_ExcludesLabelAndIgnoredColumns_FromInputSchema()
    {
        var train = Train().WithIgnored(["age"]);

        var pipeline = FeaturePipeline.Fit(train, new FeaturePipelineOptions());

        pipeline.InputSchema.Columns.Select(c => c.Name).Should().Equal("bmi", "sex");
        pipeline.InputSchema["bmi"].Type.Should().Be(ColumnType.Float32);
        pipeline.InputSchema["sex"].Categories.Should().Equal("F", "M", "X");
        pipeline.OutputNames.Should().NotContain(n => n.StartsWith("age", StringComparison.Ordinal) || n == "y");
    }

    [Fact]
    public void Transform_Categorical_OneHotInOrdinalOrder_MissingIsAllZero()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions());

        var result = pipeline.Transform(Train());

        // Rows: M, F, F, null, M, F, F, X.
        Column(result, "sex=F").Should().Equal(0f, 1f, 1f, 0f, 0f, 1f, 1f, 0f);
        Column(result, "sex=M").Should().Equal(1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f);
        Column(result, "sex=X").Should().Equal(0f, 0f, 0f, 0f, 0f, 0f, 0f, 1f);
    }

    [Fact]
    public void Transform_CategoricalMostFrequentImputation_FillsModeOfTrain()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions { CategoricalImputation = Imputation.MostFrequent });

        var result = pipeline.Transform(Train());

        // F appears 4 times, M twice, X once: the missing row 3 becomes F.
        Column(result, "sex=F")[3].Should().Be(1f);
        Column(result, "sex=M")[3].Should().Be(0f);
    }

    [Fact]
    public void Transform_NewDataWithOwnCategoryDictionary_MapsByText()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions());

        // Here "X" has code 0, "M" code 1 and "F" code 2: the mapping must go by text, not by code.
        var data = new DataTable(
        [
            new Float32Column("bmi", [25, 25, 25]),
            new Float64Column("age", [40, 40, 40]),
            new CategoricalColumn("sex", [2, 1, 0], ["X", "M", "F"]),
        ]);

        var result = pipeline.Transform(data);

        Column(result, "sex=F").Should().Equal(1f, 0f, 0f);
        Column(result, "sex=M").Should().Equal(0f, 1f, 0f);
        Column(result, "sex=X").Should().Equal(0f, 0f, 1f);
    }

    [Fact]
    public void Transform_UnknownCategoryIgnored_GivesAllZeros()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions());
        var data = Train().With(CategoricalColumn.FromValues("sex", ["Q", "F", "Q", "M", "M", "M", "M", "M"]));

        var result = pipeline.Transform(data);

        foreach (var name in new[] { "sex=F", "sex=M", "sex=X" })
        {
            Column(result, name)[0].Should().Be(0f);
            Column(result, name)[2].Should().Be(0f);
        }

        Column(result, "sex=F")[1].Should().Be(1f);
    }

    [Fact]
    public void Transform_UnknownCategoryError_NamesColumnRowAndValue()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions { UnknownCategory = UnknownCategory.Error });
        var data = Train().With(CategoricalColumn.FromValues("sex", ["F", "F", "Unseen", "M", "M", "M", "M", "M"]));

        var act = () => pipeline.Transform(data);

        act.Should().Throw<DataFormatException>()
            .WithMessage("*column 'sex'*row 3*Unseen*")
            .Which.ColumnName.Should().Be("sex");
    }

    [Fact]
    public void Transform_UnknownCategoryErrorMode_AcceptsMissingValues()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions { UnknownCategory = UnknownCategory.Error });
        var data = Train().With(CategoricalColumn.FromValues("sex", [null, "F", null, "M", "M", "M", "M", "X"]));

        var result = pipeline.Transform(data);

        Column(result, "sex=F")[0].Should().Be(0f);
        Column(result, "sex=F")[1].Should().Be(1f);
    }

    [Fact]
    public void Fit_MoreCategoriesThanMax_RareOnesShareOtherColumn()
    {
        // Counts: a 4, b 3, c 2, d 1, e 1. With MaxCategories 3: a and b keep columns, c d e share <other>.
        var values = new[] { "a", "a", "a", "a", "b", "b", "b", "c", "c", "d", "e" };
        var train = new DataTable([CategoricalColumn.FromValues("k", values)]);
        var pipeline = FeaturePipeline.Fit(train, new FeaturePipelineOptions { MaxCategories = 3, UnknownCategory = UnknownCategory.Error });

        var result = pipeline.Transform(new DataTable([CategoricalColumn.FromValues("k", ["a", "d", "c", "b"])]));

        pipeline.OutputNames.Should().Equal("k=a", "k=b", "k=<other>");
        Column(result, "k=<other>").Should().Equal(0f, 1f, 1f, 0f);
        Column(result, "k=a").Should().Equal(1f, 0f, 0f, 0f);
        pipeline.InputSchema["k"].Categories.Should().Equal("a", "b", "c", "d", "e");
    }

    [Fact]
    public void Fit_CategoriesAbsentFromTrainRows_AreNotFeatures()
    {
        // After a split the dictionary still lists "z", but no training row has it.
        var train = new DataTable([new CategoricalColumn("k", [0, 1, 0], ["a", "b", "z"])]);

        var pipeline = FeaturePipeline.Fit(train, new FeaturePipelineOptions());

        pipeline.OutputNames.Should().Equal("k=a", "k=b");
    }

    [Fact]
    public void Transform_Buckets_BoundaryValueGoesToUpperBucket()
    {
        var options = new FeaturePipelineOptions { Buckets = [new BucketizeSpec("age", [18, 65])] };
        var pipeline = FeaturePipeline.Fit(new DataTable([new Float64Column("age", [10, 30, 70])]), options);

        var result = pipeline.Transform(new DataTable([new Float64Column("age", [17.999, 18, 64.5, 65, double.NaN, -5])]));

        pipeline.OutputNames.Should().Equal("age", "age_bucket(-inf,18)", "age_bucket[18,65)", "age_bucket[65,inf)");
        Column(result, "age_bucket(-inf,18)").Should().Equal(1f, 0f, 0f, 0f, 0f, 1f);
        Column(result, "age_bucket[18,65)").Should().Equal(0f, 1f, 1f, 0f, 0f, 0f);
        Column(result, "age_bucket[65,inf)").Should().Equal(0f, 0f, 0f, 1f, 0f, 0f);
    }

    [Fact]
    public void Fit_BucketBoundariesNotIncreasing_Throws()
    {
        var options = new FeaturePipelineOptions { Buckets = [new BucketizeSpec("age", [30, 30])] };

        var act = () => FeaturePipeline.Fit(new DataTable([new Float64Column("age", [1, 2])]), options);

        act.Should().Throw<ArgumentException>().WithMessage("*'age'*strictly increasing*");
    }

    [Fact]
    public void Transform_DerivedFeatures_ComputedOnRawValues()
    {
        var options = FeaturePipelineOptions.ForTrees with
        {
            Derived =
            [
                new DerivedFeatureSpec("prod", DerivedOp.Product, "a", "b"),
                new DerivedFeatureSpec("ratio", DerivedOp.Ratio, "a", "b"),
                new DerivedFeatureSpec("diff", DerivedOp.Difference, "a", "b"),
                new DerivedFeatureSpec("log", DerivedOp.Log1p, "a"),
                new DerivedFeatureSpec("sq", DerivedOp.Square, "a"),
            ],
        };
        var data = new DataTable([new Float32Column("a", [3, Nan, 4, -1, 0]), new Float64Column("b", [2, 5, 0, 0.5, 0])]);
        var pipeline = FeaturePipeline.Fit(data, options);

        var result = pipeline.Transform(data);

        pipeline.OutputNames.Should().Equal("a", "b", "prod", "ratio", "diff", "log", "sq");
        ShouldBeClose(Column(result, "prod"), [6, double.NaN, 0, -0.5, 0]);
        ShouldBeClose(Column(result, "ratio"), [1.5, double.NaN, double.NaN, -2, double.NaN]);
        ShouldBeClose(Column(result, "diff"), [1, double.NaN, 4, -1.5, 0]);
        ShouldBeClose(Column(result, "log"), [Math.Log(4), double.NaN, Math.Log(5), double.NaN, 0]);
        ShouldBeClose(Column(result, "sq"), [9, double.NaN, 16, 1, 0]);
    }

    [Fact]
    public void Transform_DerivedLog1pOfTinyValue_IsAccurate()
    {
        var options = FeaturePipelineOptions.ForTrees with { Derived = [new DerivedFeatureSpec("l", DerivedOp.Log1p, "x")] };
        var data = new DataTable([new Float64Column("x", [1e-12])]);

        var result = FeaturePipeline.Fit(data, options).Transform(data);

        // ln(1 + 1e-12) = 1e-12 - 5e-25 + ...; the naive Math.Log(1 + 1e-12) is off by about 1e-4 relative.
        ((double)Column(result, "l")[0]).Should().BeApproximately(1e-12, 1e-18);
    }

    [Fact]
    public void Fit_DerivedFeature_IsImputedAndScaledFromTrain()
    {
        // ratio = a / b on train: 1, NaN (b = 0), 3 -> median 2, then standardized over 1, 2, 3.
        var options = new FeaturePipelineOptions { Derived = [new DerivedFeatureSpec("r", DerivedOp.Ratio, "a", "b")] };
        var train = new DataTable([new Float32Column("a", [1, 5, 6]), new Float32Column("b", [1, 0, 2])]);
        var pipeline = FeaturePipeline.Fit(train, options);

        var result = Column(pipeline.Transform(train), "r");

        var std = Math.Sqrt(2.0 / 3.0);
        ShouldBeClose(result, [-1 / std, 0, 1 / std]);
    }

    [Fact]
    public void Fit_DerivedFeatureOnCategoricalColumn_Throws()
    {
        var options = new FeaturePipelineOptions { Derived = [new DerivedFeatureSpec("bad", DerivedOp.Square, "sex")] };

        var act = () => FeaturePipeline.Fit(Train(), options);

        act.Should().Throw<ArgumentException>().WithMessage("*'bad'*'sex'*categorical*");
    }

    [Fact]
    public void Fit_DerivedBinaryOpWithoutRightOperand_Throws()
    {
        var options = new FeaturePipelineOptions { Derived = [new DerivedFeatureSpec("p", DerivedOp.Product, "bmi")] };

        var act = () => FeaturePipeline.Fit(Train(), options);

        act.Should().Throw<ArgumentException>().WithMessage("*'p'*right operand*");
    }

    [Fact]
    public void Fit_DerivedUsingTheLabel_IsRejected()
    {
        var options = new FeaturePipelineOptions { Derived = [new DerivedFeatureSpec("leak", DerivedOp.Product, "bmi", "y")] };

        var act = () => FeaturePipeline.Fit(Train(), options);

        act.Should().Throw<ArgumentException>().WithMessage("*'leak'*'y'*not a feature column*");
    }

    [Fact]
    public void Fit_CategoricalMeanImputation_Throws()
    {
        var act = () => FeaturePipeline.Fit(Train(), new FeaturePipelineOptions { CategoricalImputation = Imputation.Mean });

        act.Should().Throw<ArgumentException>().WithMessage("*Mean*None or MostFrequent*");
    }

    [Fact]
    public void Transform_ColumnsInAnotherOrderWithExtras_GivesSameMatrix()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions { AddMissingIndicators = true });
        var t = Train();
        var shuffled = new DataTable([new Float32Column("extra", new float[8]), t["sex"], t["age"], t["bmi"]]);

        var expected = pipeline.Transform(t);
        var actual = pipeline.Transform(shuffled);

        actual.Names.Should().Equal(expected.Names);
        for (var j = 0; j < expected.ColumnCount; j++)
        {
            actual.Column(j).ToArray().Should().Equal(expected.Column(j).ToArray());
        }
    }

    [Fact]
    public void Transform_Float64WhereFloat32WasTrained_IsAccepted()
    {
        var pipeline = FeaturePipeline.Fit(Single("x", [1, 2, 3]), FeaturePipelineOptions.ForTrees);

        var result = pipeline.Transform(new DataTable([new Float64Column("x", [2.5])]));

        result[0, 0].Should().Be(2.5f);
    }

    [Fact]
    public void Transform_MissingColumn_NamesIt()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions());
        var data = new DataTable([Train()["bmi"], Train()["sex"]]);

        var act = () => pipeline.Transform(data);

        act.Should().Throw<DataFormatException>().WithMessage("*column 'age'*missing*");
    }

    [Fact]
    public void Transform_TextWhereNumbersExpected_ThrowsClearError()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions());
        var data = Train().With(CategoricalColumn.FromValues("age", ["40", "n/a", "30", "1", "2", "3", "4", "5"]));

        var act = () => pipeline.Transform(data);

        act.Should().Throw<DataFormatException>().WithMessage("*column 'age'*expected numeric*text*row 2*n/a*");
    }

    [Fact]
    public void Transform_NumbersWhereTextExpected_ThrowsClearError()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions());
        var data = Train().With(new Float32Column("sex", new float[8]));

        var act = () => pipeline.Transform(data);

        act.Should().Throw<DataFormatException>().WithMessage("*column 'sex'*expected text*");
    }

    [Fact]
    public void Transform_AllMissingColumnsOfTheOtherType_AreReadAsMissing()
    {
        // A loader cannot tell the type of a column that is empty in every row.
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions { Scaling = Scaling.None });
        var data = new DataTable(
        [
            CategoricalColumn.FromValues("bmi", [null, null]),
            new Float64Column("age", [1, 2]),
            new Float32Column("sex", [float.NaN, float.NaN]),
        ]);

        var result = pipeline.Transform(data);

        // bmi is imputed with the train median of 20, 22, 25, 28, 30, 35.5: (25 + 28) / 2.
        Column(result, "bmi").Should().Equal(26.5f, 26.5f);
        Column(result, "sex=F").Should().Equal(0f, 0f);
        Column(result, "sex=M").Should().Equal(0f, 0f);
    }

    [Fact]
    public void Transform_BucketOfDerivedFeature_UsesDerivedValue()
    {
        var options = FeaturePipelineOptions.ForTrees with
        {
            Derived = [new DerivedFeatureSpec("r", DerivedOp.Ratio, "a", "b")],
            Buckets = [new BucketizeSpec("r", [1])],
        };
        var data = new DataTable([new Float32Column("a", [1, 3, 1]), new Float32Column("b", [2, 3, 0])]);

        var result = FeaturePipeline.Fit(data, options).Transform(data);

        // r = 0.5, 1 (on the boundary: upper bucket), NaN (division by zero: no bucket).
        Column(result, "r_bucket(-inf,1)").Should().Equal(1f, 0f, 0f);
        Column(result, "r_bucket[1,inf)").Should().Equal(0f, 1f, 0f);
    }

    [Fact]
    public void Fit_DerivedNameClashingWithColumn_Throws()
    {
        var options = new FeaturePipelineOptions { Derived = [new DerivedFeatureSpec("age", DerivedOp.Square, "bmi")] };

        var act = () => FeaturePipeline.Fit(Train(), options);

        act.Should().Throw<ArgumentException>().WithMessage("*'age'*existing column*");
    }

    [Fact]
    public void Transform_EmptyTable_GivesZeroRows()
    {
        var pipeline = FeaturePipeline.Fit(Train(), new FeaturePipelineOptions());

        var result = pipeline.Transform(Train().Take([]));

        result.RowCount.Should().Be(0);
        result.ColumnCount.Should().Be(pipeline.OutputCount);
    }
}
