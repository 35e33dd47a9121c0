using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Monitoring.Drift;

namespace Toolkit.Monitoring.Tests.Drift;

public sealed class SyntheticDriftTests
{
    private static string Csv(DataTable table)
    {
        using var stream = new MemoryStream();
        CsvWriter.Write(table, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Generate_DriftZero_IsExactlyTheUndriftedData()
    {
        Csv(SyntheticData.Generate("diabetes", 2_000, 5, 0)).Should().Be(Csv(SyntheticData.Generate("diabetes", 2_000, 5)));
    }

    [Fact]
    public void Generate_Drift_ShiftsAgeBmiGlucoseMeansAndKeepsTheSchema()
    {
        var plain = SyntheticData.Generate("diabetes", 20_000, 5);
        var shifted = SyntheticData.Generate("diabetes", 20_000, 5, 0.5);

        shifted.Schema.Should().Be(plain.Schema);
        static double Mean(DataTable t, string c) => ((Float32Column)t[c]).Values.ToArray().Where(v => !float.IsNaN(v)).Average(v => (double)v);
        (Mean(shifted, "age") - Mean(plain, "age")).Should().BeInRange(8, 12);
        (Mean(shifted, "bmi") - Mean(plain, "bmi")).Should().BeGreaterThan(2);
        (Mean(shifted, "glucose") - Mean(plain, "glucose")).Should().BeGreaterThan(12);
        var report = DriftDetector.Compare(plain, shifted, new DriftOptions { Exclude = ["diabetes"] });
        report.Features.Single(f => f.Name == "sex").Drifted.Should().BeFalse();
    }

    [Fact]
    public void Generate_DriftOnAGeneratorWithoutIt_IsRefused()
    {
        var act = () => SyntheticData.Generate("housing", 10, 1, 0.2);
        act.Should().Throw<ArgumentException>().WithMessage("*housing*");
    }
}
