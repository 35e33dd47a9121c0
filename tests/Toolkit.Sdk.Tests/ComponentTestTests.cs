using Toolkit.Ml.Data;

namespace Toolkit.Sdk.Tests;

public sealed class ComponentTestTests
{
    [Fact]
    public async Task RunAsync_DatasetOutput_IsReadBackWithTheComponentsColumn()
    {
        var result = await ComponentTest.RunAsync(new ScaleComponent(), new Dictionary<string, DataTable> { ["dataset"] = Tables.X(1.5, -2, double.NaN) },
            new Dictionary<string, string> { ["factor"] = "4" });

        var scaled = result.Dataset("scaled")["x_scaled"];
        Enumerable.Range(0, scaled.Length).Select(scaled.GetDouble).Should().Equal(6, -8, double.NaN);
        result.Values["rows"].Should().Be(3);
        System.Text.Encoding.UTF8.GetString(result.Files["note"]).Should().Be("factor 4");
        result.Log.Should().Contain("scaled 3");
    }

    [Fact]
    public async Task RunAsync_NoParameters_DeclaredDefaultApplies()
    {
        var result = await ComponentTest.RunAsync(new ScaleComponent(), new Dictionary<string, DataTable> { ["dataset"] = Tables.X(3) });

        result.Dataset("scaled")["x_scaled"].GetDouble(0).Should().Be(6);
    }

    [Fact]
    public async Task RunAsync_ParameterOutOfRange_RefusedLikeValidate()
    {
        var act = () => ComponentTest.RunAsync(new ScaleComponent(), new Dictionary<string, DataTable> { ["dataset"] = Tables.X(3) },
            new Dictionary<string, string> { ["factor"] = "0" });

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*parameter 'factor' must be > 0, not 0*");
    }

    [Fact]
    public async Task RunAsync_UnknownParameterOrInput_RefusedNamingIt()
    {
        var input = new Dictionary<string, DataTable> { ["dataset"] = Tables.X(3) };

        await FluentActions.Awaiting(() => ComponentTest.RunAsync(new ScaleComponent(), input, new Dictionary<string, string> { ["factr"] = "2" }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*no parameter 'factr'; its parameters: factor*");
        await FluentActions.Awaiting(() => ComponentTest.RunAsync(new ScaleComponent(), new Dictionary<string, DataTable> { ["rows"] = Tables.X(3) }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*no input 'rows'; its inputs: dataset*");
    }

    [Fact]
    public async Task RunAsync_ComponentSkipsAnOutput_FailsNamingTheOutput()
    {
        var act = () => ComponentTest.RunAsync(new ScaleComponent { SkipNote = true }, new Dictionary<string, DataTable> { ["dataset"] = Tables.X(3) });

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*did not write its output 'note'*");
    }
}
