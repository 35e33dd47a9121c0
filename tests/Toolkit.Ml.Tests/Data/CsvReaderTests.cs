using System.Globalization;
using System.Text;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;

namespace Toolkit.Ml.Tests.Data;

public sealed class CsvReaderTests
{
    private static DataTable ReadText(string text, CsvReadOptions? options = null, bool bom = false)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bom)
        {
            bytes = [0xEF, 0xBB, 0xBF, .. bytes];
        }

        return CsvReader.Read(new MemoryStream(bytes), "test.csv", options);
    }

    private static DataFormatException ReadError(string text, CsvReadOptions? options = null)
    {
        var act = () => ReadText(text, options);
        return act.Should().Throw<DataFormatException>().Which;
    }

    private static float[] Floats(DataTable t, string name) => ((Float32Column)t[name]).Values.ToArray();

    private static string?[] Texts(DataTable t, string name)
    {
        var c = (CategoricalColumn)t[name];
        return [.. Enumerable.Range(0, c.Length).Select(i => c[i])];
    }

    [Fact]
    public void Read_QuotedFields_HandlesDelimitersLineBreaksAndDoubledQuotes()
    {
        var t = ReadText("name,x\n\"a,b\",1\n\"say \"\"hi\"\"\",2\n\"two\nlines\",3\n\"\",4\n");

        Texts(t, "name").Should().Equal("a,b", "say \"hi\"", "two\nlines", null);
        Floats(t, "x").Should().Equal(1f, 2f, 3f, 4f);
    }

    [Theory]
    [InlineData("a,b\n1,x\n2,y\n", false)]
    [InlineData("a,b\r\n1,x\r\n2,y\r\n", false)]
    [InlineData("a,b\r\n1,x\r\n2,y", true)]
    [InlineData("a,b\n1,x\n2,y", true)]
    [InlineData("a,b\r\n1,\"x\"\r\n\"2\",y\r\n", false)]
    public void Read_LineEndingsBomAndTrailingNewline_GiveSameTable(string text, bool bom)
    {
        var t = ReadText(text, bom: bom);

        t.Columns.Select(c => c.Name).Should().Equal("a", "b");
        Floats(t, "a").Should().Equal(1f, 2f);
        Texts(t, "b").Should().Equal("x", "y");
    }

    [Fact]
    public void Read_QuotedFieldAtEndWithCrlf_KeepsEmbeddedCrlf()
    {
        var t = ReadText("a,b\r\n1,\"x\r\ny\"\r\n");

        Texts(t, "b").Should().Equal("x\r\ny");
    }

    [Fact]
    public void Read_InfersNumericAndCategorical_CategoriesInOrderOfAppearance()
    {
        var t = ReadText("n,c,m\n1.5,b,1e3\n-2,a,-.5\n3,b,+7\n");

        t["n"].Type.Should().Be(ColumnType.Float32);
        t["m"].Type.Should().Be(ColumnType.Float32);
        Floats(t, "m").Should().Equal(1000f, -0.5f, 7f);
        var c = (CategoricalColumn)t["c"];
        c.Categories.Should().Equal("b", "a");
        c.Codes.ToArray().Should().Equal(0, 1, 0);
        t.LabelName.Should().BeNull();
    }

    [Fact]
    public void Read_MissingTokens_BecomeNaNOrMissingCode()
    {
        var t = ReadText("x,c\n,NA\nNA,u\nNaN,\n4,\"NA\"\n\"\",v\n");

        Floats(t, "x").Take(3).Should().OnlyContain(v => float.IsNaN(v));
        Floats(t, "x")[3].Should().Be(4f);
        float.IsNaN(Floats(t, "x")[4]).Should().BeTrue("an empty quoted field is missing too");
        Texts(t, "c").Should().Equal(null, "u", null, "NA", "v");
    }

    [Fact]
    public void Read_CustomMissingTokens_ReplaceDefaults()
    {
        var t = ReadText("x,y\n-999,NA\n2,3\n", new CsvReadOptions { MissingTokens = ["-999"] });

        float.IsNaN(Floats(t, "x")[0]).Should().BeTrue();
        Texts(t, "y").Should().Equal("NA", "3");
    }

    [Fact]
    public void Read_ColumnTypeOverrides_AreApplied()
    {
        var options = new CsvReadOptions
        {
            ColumnTypes = new Dictionary<string, ColumnType> { ["zip"] = ColumnType.Categorical, ["price"] = ColumnType.Float64 },
        };

        var t = ReadText("zip,price\n007,0.1\n10,1234567.891\n", options);

        Texts(t, "zip").Should().Equal("007", "10");
        ((Float64Column)t["price"]).Values.ToArray().Should().Equal(0.1, 1234567.891);
    }

    [Fact]
    public void Read_Label_IsMarkedAsLabel()
    {
        var t = ReadText("x,y\n1,0\n2,1\n", new CsvReadOptions { Label = "y" });

        t.LabelName.Should().Be("y");
        t.Schema.Label!.Name.Should().Be("y");
    }

    [Fact]
    public void Read_LabelValues_FixCategoryOrderOfTextLabel()
    {
        var t = ReadText("x,y\n1,yes\n2,no\n", new CsvReadOptions { Label = "y", LabelValues = ["no", "yes"] });

        ((CategoricalColumn)t["y"]).Categories.Should().Equal("no", "yes");
        Texts(t, "y").Should().Equal("yes", "no");
    }

    [Fact]
    public void Read_NumericLabelValues_AcceptEqualNumbers()
    {
        var t = ReadText("x,y\n1,1.0\n2,0\n", new CsvReadOptions { Label = "y", LabelValues = ["0", "1"] });

        Floats(t, "y").Should().Equal(1f, 0f);
    }

    [Fact]
    public void Read_EmptyLines_SkippedWithSeveralColumns_MissingWithOne()
    {
        var several = ReadText("a,b\n1,2\n\n3,4\n\r\n");
        var one = ReadText("a\n1\n\n3\n");

        Floats(several, "a").Should().Equal(1f, 3f);
        Floats(one, "a")[0].Should().Be(1f);
        float.IsNaN(Floats(one, "a")[1]).Should().BeTrue();
        Floats(one, "a")[2].Should().Be(3f);
    }

    [Fact]
    public void Read_HeaderOnly_GivesEmptyTable()
    {
        var t = ReadText("a,b\n");

        t.RowCount.Should().Be(0);
        t.Columns.Select(c => c.Name).Should().Equal("a", "b");
    }

    [Fact]
    public void Read_OtherDelimiter_IsUsed()
    {
        var t = ReadText("a;b\n1,5;x\n", new CsvReadOptions { Delimiter = ';' });

        Texts(t, "a").Should().Equal("1,5");
        Texts(t, "b").Should().Equal("x");
    }

    [Fact]
    public void Read_ForwardOnlyStream_ReadsLikeSeekable()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\n1,x\n2,y\n");
        using var pipe = new ForwardOnlyStream(bytes);

        var t = CsvReader.Read(pipe, "pipe");

        Floats(t, "a").Should().Equal(1f, 2f);
        Texts(t, "b").Should().Equal("x", "y");
    }

    [Fact]
    public void Read_TooFewFields_NamesFileLineAndColumn()
    {
        var e = ReadError("a,b,c\n1,2,3\n4,5\n");

        e.Message.Should().Be("test.csv:3: column 'c': expected 3 fields, found 2");
        e.Line.Should().Be(3);
    }

    [Fact]
    public void Read_TooManyFields_CountsThemAll()
    {
        var e = ReadError("a,b\n1,2\n3,4,5,6\n");

        e.Message.Should().Be("test.csv:3: expected 2 fields, found 4 (field: \"5\")");
    }

    [Fact]
    public void Read_ErrorAfterMultiLineField_ReportsPhysicalLine()
    {
        var e = ReadError("a,b\n\"x\ny\nz\",1\nw,2,3\n");

        e.Line.Should().Be(5, "the quoted field spans lines 2-4");
    }

    [Fact]
    public void Read_TextInNumericOverride_IsError()
    {
        var options = new CsvReadOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["b"] = ColumnType.Float32 } };

        var e = ReadError("a,b\n1,2\n3,oops\n", options);

        e.Message.Should().Be("test.csv:3: column 'b': expected a number in a numeric column (field: \"oops\")");
    }

    [Fact]
    public void Read_UnterminatedQuote_ReportsLineWhereItOpened()
    {
        var e = ReadError("a,b\n1,2\n3,\"open\n4,5\n");

        e.Line.Should().Be(3);
        e.ColumnName.Should().Be("b");
        e.Problem.Should().Be("unterminated quoted field");
    }

    [Fact]
    public void Read_TextAfterClosingQuote_IsError()
    {
        var e = ReadError("a,b\n\"x\"y,2\n");

        e.Message.Should().Be("test.csv:2: column 'a': unexpected text after a closing quote (field: \"x\")");
    }

    [Fact]
    public void Read_DuplicateHeader_IsError()
    {
        var e = ReadError("a,b,a\n1,2,3\n");

        e.Message.Should().Be("test.csv:1: column 'a': header: duplicate column name (field: \"a\")");
    }

    [Fact]
    public void Read_EmptyHeaderName_IsError()
    {
        var e = ReadError("a,,c\n1,2,3\n");

        e.Message.Should().Be("test.csv:1: header: column 2 has an empty name (field: \"\")");
    }

    [Fact]
    public void Read_UnknownLabelValue_IsError()
    {
        var e = ReadError("x,y\n1,0\n2,2\n", new CsvReadOptions { Label = "y", LabelValues = ["0", "1"] });

        e.Message.Should().Be("test.csv:3: column 'y': unknown label value; allowed values are: 0, 1 (field: \"2\")");
    }

    [Fact]
    public void Read_MissingLabelColumn_ListsColumns()
    {
        var e = ReadError("x,z\n1,0\n", new CsvReadOptions { Label = "y" });

        e.Message.Should().Be("test.csv: label column 'y' does not exist; columns are: x, z");
    }

    [Fact]
    public void Read_TypeForUnknownColumn_IsError()
    {
        var options = new CsvReadOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["q"] = ColumnType.Float64 } };

        var e = ReadError("x,z\n1,0\n", options);

        e.Message.Should().Contain("'q'").And.Contain("columns are: x, z");
    }

    [Fact]
    public void Read_LabelValuesWithoutLabel_IsRejected()
    {
        var act = () => ReadText("x\n1\n", new CsvReadOptions { LabelValues = ["0", "1"] });

        act.Should().Throw<ArgumentException>().WithMessage("*Label*");
    }

    [Fact]
    public void Read_EmptyFile_IsError()
    {
        ReadError(string.Empty).Problem.Should().Contain("empty");
    }

    [Fact]
    public void Read_FromPath_NamesPathInErrors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"csvreader-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "a,b\n1\n");
        try
        {
            var act = () => CsvReader.Read(path);

            act.Should().Throw<DataFormatException>().Which.File.Should().Be(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadHeader_QuotedNamesWithBomAndCrLf_AreTheNamesReadGives()
    {
        var path = Path.Combine(Path.GetTempPath(), $"csvheader-{Guid.NewGuid():N}.csv");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("\"a,b\",c \"\"x\"\",d\r\n1,2,3\r\nnot,a,number\r\n")]);
        try
        {
            CsvReader.ReadHeader(path).Should().Equal(CsvReader.Read(path).Columns.Select(c => c.Name)).And.HaveCount(3);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("\na,b\n", "the first line is empty")]
    [InlineData("a,a\n1,2\n", "duplicate column name")]
    public void ReadHeader_BadHeader_IsErrorNamingFileAndLine(string text, string problem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"csvheader-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        try
        {
            var act = () => CsvReader.ReadHeader(path);

            var error = act.Should().Throw<DataFormatException>().Which;
            error.File.Should().Be(path);
            error.Line.Should().Be(1);
            error.Message.Should().Contain(problem);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadHeader_LongerThanTheBound_IsErrorWithoutReadingOn()
    {
        var path = Path.Combine(Path.GetTempPath(), $"csvheader-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, new string('x', CsvReader.MaxHeaderChars + 10));
        try
        {
            var act = () => CsvReader.ReadHeader(path);

            act.Should().Throw<DataFormatException>().Which.Problem.Should().Contain("longer than");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Large enough to span many 4 MiB blocks, so block joins, late type changes and parallel parsing are exercised.</summary>
    [Fact]
    public void Read_LargeFile_ValuesMatchWhatWasWritten()
    {
        const int Rows = 200_000;
        var rng = new Random(7);
        var x = new float[Rows];
        var d = new double[Rows];
        var cats = new string?[Rows];
        var late = new string[Rows];
        var sb = new StringBuilder("x,d,cat,late,\"q\"\n");
        for (var i = 0; i < Rows; i++)
        {
            x[i] = i % 97 == 0 ? float.NaN : (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 9)));
            d[i] = rng.NextDouble() * 1e6;
            cats[i] = i % 50 == 0 ? null : $"k{rng.Next(30)}";
            // Numeric-looking until row 180,000: the column must end up categorical with the original text.
            late[i] = i == 180_000 ? "oops" : (i % 1000).ToString("000", CultureInfo.InvariantCulture);
            sb.Append(float.IsNaN(x[i]) ? "NA" : x[i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(d[i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(cats[i]).Append(',')
              .Append(late[i]).Append(',')
              .Append(i % 3 == 0 ? "\"multi\nline, quoted\"" : "plain").Append(i % 2 == 0 ? "\r\n" : "\n");
        }

        var path = Path.Combine(Path.GetTempPath(), $"csvreader-large-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, sb.ToString());
        try
        {
            var options = new CsvReadOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["d"] = ColumnType.Float64 } };
            var t = CsvReader.Read(path, options);

            t.RowCount.Should().Be(Rows);
            Floats(t, "x").Should().Equal(x, (a, b) => a.Equals(b), "NaN equals NaN under float.Equals");
            ((Float64Column)t["d"]).Values.ToArray().Should().Equal(d);
            Texts(t, "cat").Should().Equal(cats);
            t["late"].Type.Should().Be(ColumnType.Categorical);
            Texts(t, "late").Should().Equal(late);
            Texts(t, "q").Where((_, i) => i % 3 == 0).Should().OnlyContain(s => s == "multi\nline, quoted");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_FirstTextValueAtRow900k_ColumnBecomesCategoricalWithOriginalText()
    {
        var sb = new StringBuilder("id,v\n");
        for (var i = 0; i < 1_000_000; i++)
        {
            sb.Append(i).Append(',').Append(i == 900_000 ? "n/a" : $"{i % 10}.50").Append('\n');
        }

        var t = ReadText(sb.ToString());

        t["id"].Type.Should().Be(ColumnType.Float32);
        var v = (CategoricalColumn)t["v"];
        v[0].Should().Be("0.50", "the text is kept as written, not as the number it looked like");
        v[123_457].Should().Be("7.50");
        v[900_000].Should().Be("n/a");
        v.Categories.Should().HaveCount(11);
    }

    [Fact]
    public void Read_ErrorDeepInLargeFile_ReportsExactLine()
    {
        var sb = new StringBuilder("a,b,c\n");
        for (var i = 0; i < 1_000_000; i++)
        {
            // Data row i sits on physical line i + 2; row 900,000 (in the fourth 4 MiB block) misses a field,
            // and so does row 950,000, which must not be the one reported.
            sb.Append(i is 900_000 or 950_000 ? "1,2\n" : "1.25,2.5,3.75\n");
        }

        var e = ReadError(sb.ToString());

        e.Line.Should().Be(900_002);
        e.ColumnName.Should().Be("c");
    }

    [Fact]
    public void Read_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var bytes = Encoding.UTF8.GetBytes("a,b\n1,2\n");

        var act = () => CsvReader.Read(new MemoryStream(bytes), "test.csv", ct: cts.Token);

        act.Should().Throw<OperationCanceledException>();
    }

    /// <summary>
    /// Random RFC 4180 text with quotes, embedded line breaks, CRLF/LF, empty lines and a column that turns to
    /// text late, read with tiny blocks (boundaries inside quoted fields, between CR and LF, ...): the table
    /// must be the same as when the text is read as one block.
    /// </summary>
    [Theory]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(256)]
    [InlineData(4096)]
    public void Read_TinyBlocks_GiveSameTableAsOneBlock(int blockSize)
    {
        var rng = new Random(blockSize);
        var sb = new StringBuilder("\uFEFFnum,\"te,xt\",late,last\r\n");
        string[] words = ["a", "b,c", "say \"x\"", "line\nbreak", "crlf\r\ninside", "", "NA", "ü"];
        for (var i = 0; i < 2000; i++)
        {
            var num = rng.Next(10) == 0 ? "NA" : (rng.NextDouble() * 100).ToString("R", CultureInfo.InvariantCulture);
            var word = words[rng.Next(words.Length)];
            var needsQuotes = word.Length == 0 || word.AsSpan().IndexOfAny(",\"\r\n") >= 0 || rng.Next(2) == 0;
            var text = needsQuotes ? $"\"{word.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : word;
            var late = i == 1900 ? "late text" : rng.Next(100).ToString(CultureInfo.InvariantCulture);
            sb.Append(num).Append(',').Append(text).Append(',').Append(late).Append(',').Append(rng.Next(3));
            sb.Append(rng.Next(2) == 0 ? "\r\n" : "\n");
            if (rng.Next(50) == 0)
            {
                sb.Append('\n');
            }
        }

        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        var whole = CsvReader.Read(new MemoryStream(bytes), "t.csv", null, 1 << 24);
        var blocks = CsvReader.Read(new MemoryStream(bytes), "t.csv", null, blockSize);

        whole.RowCount.Should().Be(2000);
        whole["late"].Type.Should().Be(ColumnType.Categorical);
        ((CategoricalColumn)whole["te,xt"]).Categories.Should().Contain(["b,c", "line\nbreak", "crlf\r\ninside", "NA"]);
        blocks.Schema.Should().Be(whole.Schema);
        for (var c = 0; c < whole.ColumnCount; c++)
        {
            for (var r = 0; r < whole.RowCount; r++)
            {
                blocks[c].GetDouble(r).Should().Be(whole[c].GetDouble(r), $"column {c}, row {r}");
            }
        }
    }

    /// <summary>A stream that cannot seek, like a pipe.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
    }

    [Theory]
    [InlineData("Infinity", "infinite")]
    [InlineData("-Infinity", "infinite")]
    [InlineData("1e39", "out of range")]
    [InlineData("-1e39", "out of range")]
    public void Read_InfiniteOrOutOfRangeFloat_RefusedNamingLineAndColumn(string value, string problem)
    {
        var error = ReadError($"a,b\n1,2\n3,{value}\n");

        error.Line.Should().Be(3);
        error.ColumnName.Should().Be("b");
        error.Field.Should().Be(value);
        error.Problem.Should().Contain(problem);
    }

    [Fact]
    public void Read_OutOfRangeInFloat64Column_Refused()
    {
        var error = ReadError("a\n1\n1e400\n", new CsvReadOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["a"] = ColumnType.Float64 } });

        error.Line.Should().Be(3);
        error.Problem.Should().Contain("out of range");
    }

    [Fact]
    public void Read_LargeButFiniteAndMissingTokens_StillRead()
    {
        var t = ReadText("a\n3e38\nNaN\nNA\n\n-3e38\n");

        Floats(t, "a")[0].Should().Be(3e38f);
        Floats(t, "a").Skip(1).Take(3).Should().OnlyContain(v => float.IsNaN(v), "NaN, NA and empty are missing, as documented");
        Floats(t, "a")[4].Should().Be(-3e38f);
    }

    [Fact]
    public void Read_HundredThousandColumnsWithUnknownLabel_ListsAFewColumnsAndTheCount()
    {
        var names = string.Join(",", Enumerable.Range(0, 100_000).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture)));
        var values = string.Join(",", Enumerable.Repeat("1", 100_000));

        var error = ReadError($"{names}\n{values}\n", new CsvReadOptions { Label = "nope" });

        error.Message.Should().Contain("c0, c1").And.Contain("100,000 in all");
        error.Message.Length.Should().BeLessThan(400, "the message names a dozen columns, not all of them");
    }

    [Fact]
    public void Read_DuplicateColumnAmongManyColumns_NamesTheDuplicate()
    {
        var names = string.Join(",", Enumerable.Range(0, 50_000).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture))) + ",c123";

        var error = ReadError($"{names}\n");

        error.ColumnName.Should().Be("c123");
        error.Problem.Should().Contain("duplicate");
    }
}
