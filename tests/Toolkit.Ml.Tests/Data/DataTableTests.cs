using Toolkit.Ml.Data;

namespace Toolkit.Ml.Tests.Data;

public sealed class DataTableTests
{
    private static DataTable Sample() => new(
    [
        new Float32Column("x", [1f, 2f, float.NaN, 4f]),
        new Float64Column("y", [10, 20, 30, 40]),
        CategoricalColumn.FromValues("c", ["a", null, "b", "a"]),
    ], label: "y");

    [Fact]
    public void Take_SelectsRowsInOrder_AndKeepsSchema()
    {
        var table = Sample();

        var subset = table.Take([3, 0]);

        subset.RowCount.Should().Be(2);
        ((Float32Column)subset["x"]).Values.ToArray().Should().Equal(4f, 1f);
        ((CategoricalColumn)subset["c"])[0].Should().Be("a");
        subset.Schema.Should().Be(table.Schema);
        subset.LabelName.Should().Be("y");
        table.RowCount.Should().Be(4, "a subset leaves the source untouched");
    }

    [Fact]
    public void Schema_MarksLabelAndCategories()
    {
        var schema = Sample().Schema;

        schema.Label!.Name.Should().Be("y");
        schema.Features.Select(f => f.Name).Should().Equal("x", "c");
        schema["c"].Categories.Should().Equal("a", "b");
    }

    [Fact]
    public void Constructor_UnknownLabel_ListsColumns()
    {
        var act = () => new DataTable([new Float32Column("x", [1f])], label: "target");

        act.Should().Throw<ArgumentException>().WithMessage("*'target' does not exist*columns are: x*");
    }

    [Fact]
    public void Constructor_RaggedColumns_Throws()
    {
        var act = () => new DataTable([new Float32Column("x", [1f]), new Float32Column("z", [1f, 2f])]);

        act.Should().Throw<ArgumentException>().WithMessage("*'z' has 2 rows; expected 1*");
    }

    [Fact]
    public void Missing_IsNaNOrNegativeCode()
    {
        var table = Sample();

        table["x"].CountMissing().Should().Be(1);
        table["c"].CountMissing().Should().Be(1);
        table["c"].GetDouble(1).Should().Be(double.NaN);
    }
}
