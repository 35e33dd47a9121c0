using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Sdk;

namespace Diabetes.Features.Tests;

public sealed class ClinicalFeaturesTests
{
    private static readonly ClinicalFeatures Transform = new();
    private static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string> { ["obesity_classes"] = "false" };

    /// <summary>Patients with every kind of value: ordinary, on the WHO cut-offs, missing (about one in nine), impossible.</summary>
    private static DataTable Patients(int rows, int seed)
    {
        var random = new Random(seed);
        float Maybe(double v) => random.Next(9) == 0 ? float.NaN : (float)v;
        var age = new float[rows];
        var bmi = new float[rows];
        var glucose = new float[rows];
        var hba1c = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            age[i] = Maybe(18 + random.NextDouble() * 70);
            bmi[i] = Maybe(15 + random.NextDouble() * 35);
            glucose[i] = Maybe(70 + random.NextDouble() * 130);
            hba1c[i] = Maybe(4.5 + random.NextDouble() * 5);
        }

        return Table(age, bmi, glucose, hba1c);
    }

    private static DataTable Table(float[] age, float[] bmi, float[] glucose, float[] hba1c) => new(
    [
        new Float32Column("age", age),
        new Float32Column("bmi", bmi),
        new Float32Column("glucose", glucose),
        new Float32Column("hba1c", hba1c),
        CategoricalColumn.FromValues("sex", [.. Enumerable.Range(0, age.Length).Select(i => i % 2 == 0 ? "F" : "M")]),
    ]);

    private static DataTable One(float age, float bmi, float glucose, float hba1c) => Table([age], [bmi], [glucose], [hba1c]);

    private static string State(FittedTransform fitted)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            fitted.Write(w);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string? Text(DataTable t, string column, int row) => ((CategoricalColumn)t[column])[row];

    private static float Number(DataTable t, string column, int row) => (float)t[column].GetDouble(row);

    [Fact]
    public void Fit_MediansComeFromTheTrainingRowsOnly_ApplyingToTestRowsChangesNothing()
    {
        var train = Patients(500, 1);
        var test = Patients(300, 2);
        var fitted = Transform.Fit(train, Defaults);
        var before = State(fitted);
        var trainHba1c = Enumerable.Range(0, 500).Select(i => train["hba1c"].GetDouble(i)).Where(double.IsFinite).Order().ToArray();

        _ = fitted.Transform(test);
        var withTestRows = State(Transform.Fit(new DataTable(train.Columns.Select((c, j) => Concat(c, test.Columns[j]))), Defaults));

        State(fitted).Should().Be(before);
        var n = trainHba1c.Length;
        ((ClinicalFeatures.Fitted)fitted).Hba1cMedian.Should().Be(n % 2 == 1 ? trainHba1c[n / 2] : (trainHba1c[(n / 2) - 1] + trainHba1c[n / 2]) / 2);
        withTestRows.Should().NotBe(before, "the state depends on the rows it is fitted on, so fitting on train only is what keeps test rows out");
    }

    [Fact]
    public void Transform_MissingValues_GiveDefinedOutputs()
    {
        var fitted = (ClinicalFeatures.Fitted)Transform.Fit(Patients(400, 3), Defaults);

        var rows = fitted.Transform(One(float.NaN, float.NaN, float.NaN, float.NaN));

        Text(rows, ClinicalFeatures.BmiCategory, 0).Should().Be("unknown");
        Text(rows, ClinicalFeatures.AgeBand, 0).Should().Be("unknown");
        Number(rows, ClinicalFeatures.GlucoseHba1c, 0).Should().Be((float)(fitted.GlucoseMedian * fitted.Hba1cMedian));
    }

    [Fact]
    public void Transform_MissingHba1c_UsesTheTrainingMedian()
    {
        var fitted = (ClinicalFeatures.Fitted)Transform.Fit(Patients(400, 4), Defaults);

        var rows = fitted.Transform(One(50, 27, 140, float.NaN));

        Number(rows, ClinicalFeatures.GlucoseHba1c, 0).Should().Be((float)(140 * fitted.Hba1cMedian));
        double.IsFinite(fitted.Hba1cMedian).Should().BeTrue();
    }

    [Theory]
    [InlineData(18.4f, false, "underweight")]
    [InlineData(18.5f, false, "normal")]
    [InlineData(24.9f, false, "normal")]
    [InlineData(25f, false, "overweight")]
    [InlineData(29.9f, false, "overweight")]
    [InlineData(30f, false, "obese")]
    [InlineData(80f, false, "obese")]
    [InlineData(34.9f, true, "obese_1")]
    [InlineData(35f, true, "obese_2")]
    [InlineData(40f, true, "obese_3")]
    [InlineData(-3f, false, "unknown")]
    [InlineData(0f, true, "unknown")]
    public void Transform_Bmi_WhoCategories(float bmi, bool obesityClasses, string expected)
    {
        var fitted = Transform.Fit(Patients(50, 5), new Dictionary<string, string> { ["obesity_classes"] = obesityClasses ? "true" : "false" });

        Text(fitted.Transform(One(40, bmi, 100, 5.5f)), ClinicalFeatures.BmiCategory, 0).Should().Be(expected);
    }

    [Theory]
    [InlineData(20f, "under_35")]
    [InlineData(35f, "35_44")]
    [InlineData(54.9f, "45_54")]
    [InlineData(64f, "55_64")]
    [InlineData(65f, "65_plus")]
    [InlineData(130f, "65_plus")]
    [InlineData(-1f, "unknown")]
    public void Transform_Age_Bands(float age, string expected)
    {
        var fitted = Transform.Fit(Patients(50, 6), Defaults);

        Text(fitted.Transform(One(age, 22, 100, 5.5f)), ClinicalFeatures.AgeBand, 0).Should().Be(expected);
    }

    [Fact]
    public void Transform_AllMissingColumnReadAsText_IsMissingNotAnError()
    {
        var fitted = (ClinicalFeatures.Fitted)Transform.Fit(Patients(100, 7), Defaults);
        var rows = new DataTable(
        [
            new Float32Column("age", [50]),
            new Float32Column("bmi", [31]),
            new Float32Column("glucose", [120]),
            new CategoricalColumn("hba1c", [-1], []),
        ]);

        Number(fitted.Transform(rows), ClinicalFeatures.GlucoseHba1c, 0).Should().Be((float)(120 * fitted.Hba1cMedian));
    }

    [Fact]
    public void Transform_MissingInputColumn_NamesIt()
    {
        var fitted = Transform.Fit(Patients(100, 8), Defaults);
        var rows = new DataTable([new Float32Column("age", [50]), new Float32Column("bmi", [31]), new Float32Column("glucose", [120])]);

        var act = () => fitted.Transform(rows);

        act.Should().Throw<DataFormatException>().Which.ColumnName.Should().Be("hba1c");
    }

    [Fact]
    public void WriteRead_RoundTrip_SameStateBytesAndSameOutputs()
    {
        var patients = Patients(300, 9);
        var fitted = Transform.Fit(patients, new Dictionary<string, string> { ["obesity_classes"] = "true" });
        var state = State(fitted);

        var read = Transform.Read(JsonDocument.Parse(state).RootElement);

        State(read).Should().Be(state);
        var a = fitted.Transform(patients);
        var b = read.Transform(patients);
        foreach (var column in new[] { ClinicalFeatures.BmiCategory, ClinicalFeatures.GlucoseHba1c, ClinicalFeatures.AgeBand })
        {
            Enumerable.Range(0, 300).Select(i => a[column].IsMissing(i) ? "-" : a[column] is CategoricalColumn c ? c[i] : a[column].GetDouble(i).ToString("R", System.Globalization.CultureInfo.InvariantCulture))
                .Should().Equal(Enumerable.Range(0, 300).Select(i => b[column].IsMissing(i) ? "-" : b[column] is CategoricalColumn c ? c[i] : b[column].GetDouble(i).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void Transform_OneRowAtATime_EqualsTheBatch_TrainingEqualsServing()
    {
        var patients = Patients(200, 10);
        var fitted = Transform.Fit(patients, Defaults);

        var batch = fitted.Transform(patients);

        for (var i = 0; i < patients.RowCount; i++)
        {
            var single = fitted.Transform(patients.Take([i]));
            Text(single, ClinicalFeatures.BmiCategory, 0).Should().Be(Text(batch, ClinicalFeatures.BmiCategory, i));
            Text(single, ClinicalFeatures.AgeBand, 0).Should().Be(Text(batch, ClinicalFeatures.AgeBand, i));
            Number(single, ClinicalFeatures.GlucoseHba1c, 0).Should().Be(Number(batch, ClinicalFeatures.GlucoseHba1c, i));
        }
    }

    [Fact]
    public void FitTransform_SdkContractCheck_RoundTripsAndIsRowWise_OnUnseenRows()
    {
        var train = Patients(400, 12);
        var unseen = Table([17, 99, float.NaN], [12, 70, float.NaN], [40, 400, float.NaN], [3, 15, float.NaN]);

        var rows = TransformTest.FitTransform(Transform, train, unseen, new Dictionary<string, string> { ["obesity_classes"] = "true" });

        Enumerable.Range(0, 3).Select(i => Text(rows, ClinicalFeatures.BmiCategory, i)).Should().Equal("underweight", "obese_3", "unknown");
        Enumerable.Range(0, 3).Select(i => Text(rows, ClinicalFeatures.AgeBand, i)).Should().Equal("under_35", "65_plus", "unknown");
    }

    [Fact]
    public void Fit_ParameterNotABoolean_RefusedByTheDeclaredParameter()
    {
        var act = () => TransformTest.Fit(Transform, Patients(50, 13), new Dictionary<string, string> { ["obesity_classes"] = "maybe" });

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("obesity_classes").And.Contain("true or false");
    }

    [Fact]
    public void Transform_KeepsTheRawColumns()
    {
        var patients = Patients(20, 11);

        var rows = Transform.Fit(patients, Defaults).Transform(patients);

        rows.Columns.Select(c => c.Name).Should().Equal("age", "bmi", "glucose", "hba1c", "sex", ClinicalFeatures.BmiCategory, ClinicalFeatures.GlucoseHba1c, ClinicalFeatures.AgeBand);
    }

    private static Column Concat(Column a, Column b) => a switch
    {
        Float32Column f => new Float32Column(a.Name, [.. f.Values, .. ((Float32Column)b).Values]),
        CategoricalColumn c => CategoricalColumn.FromValues(a.Name, [.. Enumerable.Range(0, c.Length).Select(i => c[i]), .. Enumerable.Range(0, b.Length).Select(i => ((CategoricalColumn)b)[i])]),
        _ => throw new ArgumentException(a.Name),
    };
}
