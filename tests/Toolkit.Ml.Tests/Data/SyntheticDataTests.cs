using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Data.Synthetic;

namespace Toolkit.Ml.Tests.Data;

public sealed class SyntheticDataTests
{
    public static TheoryData<string> Names() => [.. SyntheticData.Generators];

    private static void ShouldBeIdentical(DataTable a, DataTable b)
    {
        a.Schema.Should().Be(b.Schema);
        a.RowCount.Should().Be(b.RowCount);
        for (var c = 0; c < a.ColumnCount; c++)
        {
            for (var r = 0; r < a.RowCount; r++)
            {
                BitConverter.DoubleToInt64Bits(a[c].GetDouble(r)).Should().Be(BitConverter.DoubleToInt64Bits(b[c].GetDouble(r)));
            }
        }
    }

    private static double MissingFraction(DataTable t, string column) => t[column].CountMissing() / (double)t.RowCount;

    [Fact]
    public void Generators_AreTheThreeDocumentedOnes()
    {
        SyntheticData.Generators.Should().Equal("diabetes", "housing", "sales");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Generate_SameSeed_GivesIdenticalData(string name)
    {
        ShouldBeIdentical(SyntheticData.Generate(name, 3000, 11), SyntheticData.Generate(name, 3000, 11));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Generate_DifferentSeed_GivesDifferentData(string name)
    {
        var a = SyntheticData.Generate(name, 500, 1);
        var b = SyntheticData.Generate(name, 500, 2);
        var label = SyntheticData.LabelOf(name);

        var differing = Enumerable.Range(0, 500).Count(r => !a[label].GetDouble(r).Equals(b[label].GetDouble(r)));

        differing.Should().BeGreaterThan(50);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Generate_HasLabelAndRequestedRows(string name)
    {
        var t = SyntheticData.Generate(name, 1234, 5);

        t.RowCount.Should().Be(1234);
        t.LabelName.Should().Be(SyntheticData.LabelOf(name));
        t.Label!.IsNumeric.Should().BeTrue();
        t.Label.CountMissing().Should().Be(0);
        SyntheticData.Describe(name).Should().Contain(SyntheticData.LabelOf(name));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Generate_ZeroRows_GivesEmptyTableWithSchema(string name)
    {
        var t = SyntheticData.Generate(name, 0, 1);

        t.RowCount.Should().Be(0);
        t.ColumnCount.Should().BeGreaterThan(3);
    }

    [Fact]
    public void Generate_UnknownGenerator_ListsValidNames()
    {
        var act = () => SyntheticData.Generate("iris", 10, 1);

        act.Should().Throw<ArgumentException>().WithMessage("*'iris'*diabetes, housing, sales*");
    }

    [Fact]
    public void Diabetes_HasDocumentedColumnsPrevalenceAndMissingValues()
    {
        var t = SyntheticData.Generate("diabetes", 20_000, 3);

        t.Columns.Select(c => c.Name).Should().Equal(
            "age", "sex", "bmi", "glucose", "hba1c", "systolic_bp", "diastolic_bp", "cholesterol",
            "smoking", "family_history", "physical_activity", "diabetes");
        ((CategoricalColumn)t["sex"]).Categories.Should().Equal("F", "M");
        ((CategoricalColumn)t["smoking"]).Categories.Should().Equal("never", "former", "current");
        var label = ((Float32Column)t["diabetes"]).Values.ToArray();
        label.Should().OnlyContain(v => v == 0f || v == 1f);
        label.Average(v => (double)v).Should().BeInRange(0.10, 0.20);
        foreach (var column in new[] { "bmi", "glucose", "hba1c", "cholesterol" })
        {
            MissingFraction(t, column).Should().BeInRange(0.04, 0.06, column);
        }

        MissingFraction(t, "smoking").Should().BeInRange(0.01, 0.03);
        MissingFraction(t, "age").Should().Be(0);
    }

    [Fact]
    public void Diabetes_RiskRisesWithHbA1c()
    {
        var t = SyntheticData.Generate("diabetes", 20_000, 4);
        var hba1c = (Float32Column)t["hba1c"];
        var label = (Float32Column)t["diabetes"];

        double Rate(Func<float, bool> band)
        {
            var rows = Enumerable.Range(0, t.RowCount).Where(r => !float.IsNaN(hba1c[r]) && band(hba1c[r])).ToArray();
            return rows.Average(r => label[r]);
        }

        // 6.5 % is the diagnostic threshold in the generating model; below 5.5 % risk should be small.
        Rate(v => v >= 6.5f).Should().BeGreaterThan(3 * Rate(v => v < 5.5f));
    }

    [Fact]
    public void Housing_PricesArePositiveAndNeighborhoodsMatter()
    {
        var t = SyntheticData.Generate("housing", 10_000, 8);
        var price = (Float32Column)t["price"];
        var hood = (CategoricalColumn)t["neighborhood"];

        price.Values.ToArray().Should().OnlyContain(p => p > 0);
        t["near_river"].IsNumeric.Should().BeTrue();
        MissingFraction(t, "lot_size").Should().BeInRange(0.02, 0.04);
        var means = Enumerable.Range(0, t.RowCount).GroupBy(r => hood[r]!).ToDictionary(g => g.Key, g => g.Average(r => price[r]));
        means["Lakeview"].Should().BeGreaterThan(1.5f * means["Industrial"]);
    }

    [Fact]
    public void Sales_UnitsAreCountsAndWeekendsSellMore()
    {
        var t = SyntheticData.Generate("sales", 14_000, 9);
        var units = (Float32Column)t["units"];
        var day = (CategoricalColumn)t["day_of_week"];

        units.Values.ToArray().Should().OnlyContain(u => u >= 0 && u == MathF.Round(u));
        day.Categories.Should().Equal("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun");
        double Mean(string d) => Enumerable.Range(0, t.RowCount).Where(r => day[r] == d).Average(r => units[r]);
        Mean("Sat").Should().BeGreaterThan(Mean("Tue"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Generate_WrittenAsCsv_ReadsBackSameValues(string name)
    {
        var t = SyntheticData.Generate(name, 2000, 12);
        using var stream = new MemoryStream();

        CsvWriter.Write(t, stream);
        stream.Position = 0;
        var back = CsvReader.Read(stream, name, new CsvReadOptions { Label = SyntheticData.LabelOf(name) });

        back.LabelName.Should().Be(t.LabelName);
        back.Columns.Select(c => (c.Name, c.Type)).Should().Equal(t.Columns.Select(c => (c.Name, c.Type)));
        foreach (var column in t.Columns)
        {
            for (var r = 0; r < t.RowCount; r++)
            {
                if (column is CategoricalColumn cat)
                {
                    ((CategoricalColumn)back[column.Name])[r].Should().Be(cat[r]);
                }
                else
                {
                    back[column.Name].GetDouble(r).Should().Be(column.GetDouble(r));
                }
            }
        }
    }
}
