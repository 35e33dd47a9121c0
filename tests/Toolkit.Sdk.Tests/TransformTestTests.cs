using System.Text;
using Toolkit.Ml.Data;

namespace Toolkit.Sdk.Tests;

public sealed class TransformTestTests
{
    [Fact]
    public void FitTransform_OtherRows_FilledWithTheTrainingMeanOnly()
    {
        // Training mean 2; the applied rows' own mean would be 100.
        var output = TransformTest.FitTransform(new MeanFillTransform(), Tables.X(1, 3, double.NaN), Tables.X(100, double.NaN));

        var filled = output["x_filled"];
        Enumerable.Range(0, filled.Length).Select(filled.GetDouble).Should().Equal(100, 2);
    }

    [Fact]
    public void FitTransform_Parameter_ReachesFit()
    {
        var output = TransformTest.FitTransform(new MeanFillTransform(), Tables.X(1, 3), Tables.X(double.NaN), new Dictionary<string, string> { ["offset"] = "0.5" });

        output["x_filled"].GetDouble(0).Should().Be(2.5);
    }

    [Fact]
    public void FitTransform_OutputDependsOnOtherRows_Refused()
    {
        var act = () => TransformTest.FitTransform(new MeanFillTransform { Batch = true }, Tables.X(1, 3, 5));

        act.Should().Throw<TransformContractException>().WithMessage("*depends on the other rows*x_filled*");
    }

    [Fact]
    public void FitTransform_ReadLosesState_RefusedNamingTheDifference()
    {
        var act = () => TransformTest.FitTransform(new MeanFillTransform { ForgetfulRead = true }, Tables.X(1, 3), Tables.X(double.NaN));

        act.Should().Throw<TransformContractException>().WithMessage("*round trip*");
    }

    [Fact]
    public void FitTransform_MissingInputColumn_RefusedNamingIt()
    {
        var act = () => TransformTest.FitTransform(new MeanFillTransform(), new DataTable([new Float64Column("y", [1])]));

        act.Should().Throw<ArgumentException>().WithMessage("*reads column 'x'*columns: y*");
    }

    [Fact]
    public void RoundTrip_FittedState_ReadBackWithTheSameState()
    {
        var transform = new MeanFillTransform();
        var fitted = TransformTest.Fit(transform, Tables.X(2, 4, 9));

        var restored = TransformTest.RoundTrip(fitted, transform);

        ((MeanFillTransform.Fitted)restored).Mean.Should().Be(5);
        Encoding.UTF8.GetString(TransformTest.State(restored)).Should().Be("{\"mean\":5}");
    }

    [Fact]
    public void TableDifference_ValuesDiffer_NamesColumnAndRow()
    {
        TableDifference.Of(Tables.X(1, double.NaN, 3), Tables.X(1, double.NaN, 3)).Should().BeNull();
        TableDifference.Of(Tables.X(1, 2, 3), Tables.X(1, 2, 4)).Should().Be("column 'x' row 2: 3 vs 4");
        TableDifference.Of(
                new DataTable([CategoricalColumn.FromValues("c", ["a", null])]),
                new DataTable([CategoricalColumn.FromValues("c", ["a", "b"])]))
            .Should().Be("column 'c' row 1: missing vs 'b'");
    }
}
