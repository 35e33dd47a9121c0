using System.Text;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;

namespace Toolkit.Ml.Tests.Data;

public sealed class CsvWriterTests
{
    private static DataTable Sample() => new(
    [
        new Float32Column("f", [1.5f, float.NaN, -3.4028235E+38f, 1.17549435E-38f, 0.1f, float.Epsilon]),
        new Float64Column("price", [0.1, 1e-300, double.NaN, 123456789.123456789, -0.0, Math.PI]),
        CategoricalColumn.FromValues("text", ["plain", "a,b", "say \"hi\"", "two\nlines", null, "NA"]),
        CategoricalColumn.FromValues("label", ["yes", "no", "no", "yes", "ünï", "no"]),
    ], label: "label");

    private static CsvReadOptions OptionsFor(DataTable t) => new()
    {
        Label = t.LabelName,
        ColumnTypes = t.Columns.ToDictionary(c => c.Name, c => c.Type),
    };

    private static void ShouldEqual(DataTable actual, DataTable expected)
    {
        actual.Schema.Should().Be(expected.Schema);
        actual.RowCount.Should().Be(expected.RowCount);
        for (var c = 0; c < expected.ColumnCount; c++)
        {
            for (var r = 0; r < expected.RowCount; r++)
            {
                var e = expected[c].GetDouble(r);
                var a = actual[c].GetDouble(r);
                BitConverter.DoubleToInt64Bits(a).Should().Be(BitConverter.DoubleToInt64Bits(e), $"column {expected[c].Name}, row {r}");
            }
        }
    }

    [Fact]
    public void Write_ThenRead_GivesTheSameTable()
    {
        var table = Sample();
        using var stream = new MemoryStream();

        CsvWriter.Write(table, stream);
        stream.Position = 0;
        var back = CsvReader.Read(stream, "mem", OptionsFor(table));

        ShouldEqual(back, table);
    }

    [Fact]
    public void Write_ThenReadWithInference_KeepsFloat32AndCategoricalColumns()
    {
        var table = new DataTable(
        [
            new Float32Column("x", [0.3f, float.NaN, 7f]),
            CategoricalColumn.FromValues("c", ["b", null, "a"]),
        ]);
        using var stream = new MemoryStream();

        CsvWriter.Write(table, stream);
        stream.Position = 0;

        ShouldEqual(CsvReader.Read(stream, "mem"), table);
    }

    [Fact]
    public void Write_QuotesOnlyWhereNeeded()
    {
        var table = new DataTable(
        [
            new Float32Column("x", [1f, float.NaN]),
            CategoricalColumn.FromValues("c", ["a,b", "NA"]),
            CategoricalColumn.FromValues("d", ["q\"q", null]),
        ]);
        using var stream = new MemoryStream();

        CsvWriter.Write(table, stream);

        Encoding.UTF8.GetString(stream.ToArray()).Should().Be("x,c,d\n1,\"a,b\",\"q\"\"q\"\n,\"NA\",\n");
    }

    [Fact]
    public void Write_SingleColumnWithMissing_RoundTrips()
    {
        var table = new DataTable([new Float32Column("x", [1f, float.NaN, 2f])]);
        using var stream = new MemoryStream();

        CsvWriter.Write(table, stream);
        stream.Position = 0;

        ShouldEqual(CsvReader.Read(stream, "mem"), table);
    }

    [Fact]
    public void Write_ToPath_ReplacesFileAndLeavesNoTemporaryFile()
    {
        var dir = Directory.CreateTempSubdirectory("csvwriter-");
        try
        {
            var path = Path.Combine(dir.FullName, "out.csv");
            File.WriteAllText(path, "old content");
            var table = Sample();

            CsvWriter.Write(table, path);

            Directory.GetFiles(dir.FullName).Should().Equal(path);
            ShouldEqual(CsvReader.Read(path, OptionsFor(table)), table);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Write_Cancelled_LeavesExistingFileUntouched()
    {
        var dir = Directory.CreateTempSubdirectory("csvwriter-");
        try
        {
            var path = Path.Combine(dir.FullName, "out.csv");
            File.WriteAllText(path, "old content");
            using var cts = new CancellationTokenSource();
            cts.Cancel();

            var act = () => CsvWriter.Write(Sample(), path, cts.Token);

            act.Should().Throw<OperationCanceledException>();
            File.ReadAllText(path).Should().Be("old content");
            Directory.GetFiles(dir.FullName).Should().Equal(path);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Write_ToMissingFolder_ReportsTheMissingFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}", "out.csv");

        var act = () => CsvWriter.Write(Sample(), path);

        // Named as given (never the hidden temp the atomic write uses), with the missing folder as the cause.
        var thrown = act.Should().Throw<OutputPathException>().Which;
        thrown.Message.Should().Contain($"cannot write '{path}'").And.NotContain(".tmp");
        thrown.InnerException.Should().BeOfType<DirectoryNotFoundException>();
    }
}
