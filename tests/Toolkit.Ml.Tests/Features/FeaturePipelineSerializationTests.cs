using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;

namespace Toolkit.Ml.Tests.Features;

public sealed class FeaturePipelineSerializationTests
{
    private static DataTable Data(int rows, int seed)
    {
        var random = new Random(seed);
        var a = new float[rows];
        var b = new double[rows];
        var c = new string?[rows];
        for (var i = 0; i < rows; i++)
        {
            // Awkward values (thirds, sevenths) so that statistics are not short decimals.
            a[i] = random.Next(10) == 0 ? float.NaN : (float)(random.NextDouble() * 100 / 3);
            b[i] = random.Next(8) == 0 ? double.NaN : (random.NextDouble() * 7) - 3.5;
            c[i] = random.Next(9) == 0 ? null : "cat" + random.Next(12).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new DataTable([new Float32Column("a", a), new Float64Column("b", b), CategoricalColumn.FromValues("c", c)]);
    }

    private static FeaturePipelineOptions RichOptions => new()
    {
        NumericImputation = Imputation.Mean,
        CategoricalImputation = Imputation.MostFrequent,
        AddMissingIndicators = true,
        MaxCategories = 6,
        Buckets = [new BucketizeSpec("b", [-1.0 / 3, 0.1, 2.7])],
        Derived = [new DerivedFeatureSpec("ab", DerivedOp.Ratio, "a", "b"), new DerivedFeatureSpec("l", DerivedOp.Log1p, "ab")],
    };

    private static byte[] Bytes(FeaturePipeline pipeline)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            pipeline.Write(writer);
        }

        return stream.ToArray();
    }

    private static FeaturePipeline RoundTrip(FeaturePipeline pipeline)
    {
        using var doc = JsonDocument.Parse(Bytes(pipeline));
        return FeaturePipeline.Read(doc.RootElement);
    }

    public static TheoryData<string> Presets => new() { "rich", "linear", "trees", "minmax" };

    private static FeaturePipelineOptions Preset(string name) => name switch
    {
        "rich" => RichOptions,
        "linear" => FeaturePipelineOptions.ForLinearModels,
        "trees" => FeaturePipelineOptions.ForTrees with { AddMissingIndicators = true },
        _ => RichOptions with { Scaling = Scaling.MinMax, NumericImputation = Imputation.Median },
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void ReadOfWrite_TransformsBitForBitTheSame(string preset)
    {
        var pipeline = FeaturePipeline.Fit(Data(500, 1), Preset(preset));
        var unseen = Data(300, 2);

        var copy = RoundTrip(pipeline);
        var expected = pipeline.Transform(unseen);
        var actual = copy.Transform(unseen);

        actual.Names.Should().Equal(expected.Names);
        for (var j = 0; j < expected.ColumnCount; j++)
        {
            var e = expected.Column(j).ToArray().Select(BitConverter.SingleToInt32Bits);
            var a = actual.Column(j).ToArray().Select(BitConverter.SingleToInt32Bits);
            a.Should().Equal(e, $"column {expected.Names[j]} must be identical after a round trip");
        }

        copy.InputSchema.Should().Be(pipeline.InputSchema);
        copy.Options.Scaling.Should().Be(pipeline.Options.Scaling);
        copy.Options.Derived.Should().Equal(pipeline.Options.Derived);
    }

    [Fact]
    public void Write_IsDeterministic_AndStableAcrossRoundTrips()
    {
        var first = FeaturePipeline.Fit(Data(400, 3), RichOptions);
        var second = FeaturePipeline.Fit(Data(400, 3), RichOptions);

        var bytes = Bytes(first);

        Bytes(second).Should().Equal(bytes, "fitting the same data twice gives the same file");
        Bytes(RoundTrip(first)).Should().Equal(bytes, "reading and writing again changes nothing");
    }

    [Fact]
    public void Write_StoresStatisticsAsReadableJson()
    {
        var train = new DataTable([new Float32Column("x", [1, 2, float.NaN, 4])]);
        var pipeline = FeaturePipeline.Fit(train, FeaturePipelineOptions.ForTrees);

        var json = Encoding.UTF8.GetString(Bytes(pipeline));

        // No imputation: the fill value is NaN, which JSON cannot hold; it is written as null.
        json.Should().Contain("\"source\":\"x\"").And.Contain("\"fill\":null").And.Contain("\"outputs\":[\"x\"]");
    }

    [Fact]
    public void JsonNumbers_RoundTripEveryDoubleExactly()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 5000)
            .Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64()))
            .Where(double.IsFinite)
            .Concat([0.1 + 0.2, 1.0 / 3, double.Epsilon, double.MaxValue, -0.0, 5e-324])
            .ToArray();
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            Json.WriteNumbers(writer, "v", values);
            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(stream.ToArray());
        var read = Json.Numbers(doc.RootElement, "v");

        read.Select(BitConverter.DoubleToInt64Bits).Should().Equal(values.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Read_UnsupportedFormat_Throws()
    {
        using var doc = JsonDocument.Parse("""{"format": 99}""");

        var act = () => FeaturePipeline.Read(doc.RootElement);

        act.Should().Throw<FormatException>().WithMessage("*format 99*");
    }

    [Fact]
    public void Read_StepReadingUnknownColumn_Throws()
    {
        var pipeline = FeaturePipeline.Fit(new DataTable([new Float32Column("x", [1, 2])]), FeaturePipelineOptions.ForTrees);
        var json = Encoding.UTF8.GetString(Bytes(pipeline)).Replace("\"source\":\"x\"", "\"source\":\"zz\"", StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json);

        var act = () => FeaturePipeline.Read(doc.RootElement);

        act.Should().Throw<FormatException>().WithMessage("*'zz'*");
    }
}
