using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// <c>mlops model register --file model.onnx --flavor onnx --data held-out.csv [--features a,b,c]</c> with a graph
/// whose one input is an [N, F] feature tensor (as skl2onnx writes it), then served over real HTTP.
/// </summary>
public sealed class OnnxFeatureTensorCommandsTests : IDisposable
{
    private static readonly float[] W = [0.75f, -1.5f, 0.5f];
    private const float B = 0.25f;

    private readonly TempFolder _temp = new();

    public OnnxFeatureTensorCommandsTests()
    {
        _temp.CopyReferenceProject();
        var policy = File.ReadAllText(_temp.File("models/diabetes/model.yaml"))
            .Replace("name: diabetes", "name: wide", StringComparison.Ordinal)
            .Replace("\"auc >= 0.80\"", "\"auc >= 0.6\"", StringComparison.Ordinal)
            .Replace("\"pr_auc >= 0.50\"", "\"pr_auc >= 0.1\"", StringComparison.Ordinal)
            .Replace("\"log_loss <= 0.30\"", "\"log_loss <= 5\"", StringComparison.Ordinal)
            .Replace("min_rows: 1000", "min_rows: 10", StringComparison.Ordinal);
        Directory.CreateDirectory(_temp.File("models/wide"));
        File.WriteAllText(_temp.File("models/wide/model.yaml"), policy);
    }

    public void Dispose()
    {
        // The registry stores its files read-only.
        foreach (var file in Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task ModelRegister_FeatureTensorGraphWithFeatures_ServedVersionAnswersTheGraphsProbabilities()
    {
        await File.WriteAllBytesAsync(_temp.File("sk.onnx"), LinearClassifierGraph());
        var rows = WriteHeldOut("held-out.csv", ["x3", "y", "x1", "x2"]);

        var registered = await Mlops("model", "register", "--model", "wide", "--file", "sk.onnx", "--flavor", "onnx", "--data", "held-out.csv", "--features", "x1, x2, x3", "--json");
        registered.ExitCode.Should().Be(0, registered.Error);
        using (var json = JsonDocument.Parse(registered.Output))
        {
            json.RootElement.GetProperty("version").GetInt32().Should().Be(1);
        }

        var body = await ServedCli.WithServerAsync(_temp.Path, ["--model", "wide", "--model-version", "1"], async http =>
        {
            var request = "x2,x3,x1\n" + string.Join("\n", rows.Select(r => FormattableString.Invariant($"{r[1]},{r[2]},{r[0]}"))) + "\n";
            using var response = await http.PostAsync(new Uri("/invocations", UriKind.Relative), new StringContent(request, Encoding.UTF8, "text/csv"));
            response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        });
        var served = body.GetProperty("probabilities").EnumerateArray().Select(e => e.GetDouble()).ToList();
        served.Should().HaveCount(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            served[i].Should().BeApproximately(Sigmoid(rows[i]), 1e-6, $"row {i + 1}");
        }
    }

    [Fact]
    public async Task ServeRegisteredVersion_V2OneFeatureTensor_EqualsNamedColumnsAndMlopsPredict()
    {
        await File.WriteAllBytesAsync(_temp.File("sk.onnx"), LinearClassifierGraph());
        var rows = WriteHeldOut("held-out.csv", ["x3", "y", "x1", "x2"]);
        (await Mlops("model", "register", "--model", "wide", "--file", "sk.onnx", "--flavor", "onnx", "--data", "held-out.csv", "--features", "x1,x2,x3")).ExitCode.Should().Be(0);
        await File.WriteAllTextAsync(_temp.File("rows.csv"), "x2,x3,x1\n" + string.Join("\n", rows.Select(r => FormattableString.Invariant($"{r[1]},{r[2]},{r[0]}"))) + "\n");
        var predict = await Mlops("predict", "--model", "wide", "--model-version", "1", "--data", "rows.csv", "--out", "predictions.csv");
        predict.ExitCode.Should().Be(0, predict.Error);
        var predicted = File.ReadAllLines(_temp.File("predictions.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToList();

        // What a KServe/Triton client of the skl2onnx graph sends: one tensor named like the graph input, row-major.
        var tensor = "{\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP32\",\"shape\":[" + rows.Count.ToString(CultureInfo.InvariantCulture) + ",3],\"data\":["
            + string.Join(",", rows.Select(r => FormattableString.Invariant($"{r[0]},{r[1]},{r[2]}"))) + "]}]}";
        var columns = "{\"inputs\":[" + string.Join(",", new[] { ("x3", 2), ("x1", 0), ("x2", 1) }.Select(c =>
            $"{{\"name\":\"{c.Item1}\",\"datatype\":\"FP32\",\"shape\":[{rows.Count}],\"data\":[{string.Join(",", rows.Select(r => r[c.Item2].ToString(CultureInfo.InvariantCulture)))}]}}")) + "]}";
        var (fromTensor, fromColumns, described) = await ServedCli.WithServerAsync(_temp.Path, ["--model", "wide", "--model-version", "1"], async http => (
            await ServedCli.V2ProbabilitiesAsync(http, "wide", tensor),
            await ServedCli.V2ProbabilitiesAsync(http, "wide", columns),
            JsonDocument.Parse(await http.GetStringAsync(new Uri("/v2/models/wide", UriKind.Relative))).RootElement.GetProperty("parameters").GetProperty("feature_tensor").Clone()));

        fromTensor.Should().HaveCount(rows.Count).And.Equal(fromColumns).And.Equal(predicted);
        for (var i = 0; i < rows.Count; i++)
        {
            fromTensor[i].Should().BeApproximately(Sigmoid(rows[i]), 1e-6, $"row {i + 1}");
        }

        described.GetProperty("name").GetString().Should().Be("float_input");
        described.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).Should().Equal("x1", "x2", "x3");
    }

    [Fact]
    public async Task ModelRegister_FeatureCountNotTheTensorWidth_Exit2SayingBothAndTheFix()
    {
        await File.WriteAllBytesAsync(_temp.File("sk.onnx"), LinearClassifierGraph());
        WriteHeldOut("held-out.csv", ["x1", "x2", "x3", "y"], extra: "batch");

        var fromFile = await Mlops("model", "register", "--model", "wide", "--file", "sk.onnx", "--flavor", "onnx", "--data", "held-out.csv", "--label", "y");
        var fromOption = await Mlops("model", "register", "--model", "wide", "--file", "sk.onnx", "--flavor", "onnx", "--data", "held-out.csv", "--label", "y", "--features", "x1,x2");

        fromFile.ExitCode.Should().Be(2, fromFile.Error);
        fromFile.Error.Should().Contain("held-out.csv").And.Contain("takes 3 features per row").And.Contain("4 columns besides the label 'y'").And.Contain("give --features");
        fromOption.ExitCode.Should().Be(2, fromOption.Error);
        fromOption.Error.Should().Contain("--features names 2 (x1, x2)");
        (await Mlops("model", "show", "wide")).ExitCode.Should().NotBe(0, "nothing was registered");
    }

    private static double Sigmoid(double[] x) => 1 / (1 + Math.Exp(-((W[0] * x[0]) + (W[1] * x[1]) + (W[2] * x[2]) + B)));

    /// <summary>200 seeded rows of x1, x2, x3 and a label drawn from the model's own probability, written in <paramref name="order"/>.</summary>
    private List<double[]> WriteHeldOut(string name, string[] order, string? extra = null)
    {
        var random = new Random(3);
        var rows = new List<double[]>();
        for (var i = 0; i < 200; i++)
        {
            double[] x = [Math.Round((random.NextDouble() * 4) - 2, 3), Math.Round((random.NextDouble() * 4) - 2, 3), Math.Round((random.NextDouble() * 4) - 2, 3), 0];
            x[3] = random.NextDouble() < Sigmoid(x) ? 1 : 0;
            rows.Add(x);
        }

        string[] all = ["x1", "x2", "x3", "y"];
        var text = new StringBuilder(string.Join(",", order) + (extra is null ? "" : "," + extra) + "\n");
        foreach (var r in rows)
        {
            text.Append(string.Join(",", order.Select(c => r[Array.IndexOf(all, c)].ToString(CultureInfo.InvariantCulture)))).Append(extra is null ? "" : ",1").Append('\n');
        }

        File.WriteAllText(_temp.File(name), text.ToString());
        return rows;
    }

    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);

    /// <summary>
    /// float_input (float [N, 3]) → ai.onnx.ml LinearClassifier (SOFTMAX over a zero row and w·x + b, so
    /// P(1) = sigmoid(w·x + b)) → <c>label</c> and <c>probabilities</c> [N, 2]; protobuf written by hand.
    /// </summary>
    private static byte[] LinearClassifierGraph()
    {
        var node = new Proto()
            .Text(1, "float_input").Text(2, "label").Text(2, "probabilities").Text(3, "linear").Text(4, "LinearClassifier")
            .Message(5, new Proto().Text(1, "coefficients").Int(20, 6).Floats(7, [0, 0, 0, .. W]))
            .Message(5, new Proto().Text(1, "intercepts").Int(20, 6).Floats(7, [0, B]))
            .Message(5, new Proto().Text(1, "classlabels_ints").Int(20, 7).Ints(8, [0, 1]))
            .Message(5, new Proto().Text(1, "post_transform").Int(20, 3).Text(4, "SOFTMAX"))
            .Text(7, "ai.onnx.ml");
        var graph = new Proto().Message(1, node).Text(2, "skl2onnx-like")
            .Message(11, Tensor("float_input", 1, 3)).Message(12, Tensor("label", 7)).Message(12, Tensor("probabilities", 1, 2));
        return new Proto().Int(1, 8).Text(2, "skl2onnx-like").Message(7, graph)
            .Message(8, new Proto().Text(1, "").Int(2, 17)).Message(8, new Proto().Text(1, "ai.onnx.ml").Int(2, 3)).ToArray();
    }

    /// <summary>A ValueInfo of a tensor [N, dims...] (N symbolic).</summary>
    private static Proto Tensor(string name, long elementType, params long[] dims)
    {
        var shape = new Proto().Message(1, new Proto().Text(2, "N"));
        foreach (var d in dims)
        {
            shape.Message(1, new Proto().Int(1, d));
        }

        return new Proto().Text(1, name).Message(2, new Proto().Message(1, new Proto().Int(1, elementType).Message(2, shape)));
    }

    /// <summary>The few protobuf encodings the graph needs.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _bytes = new();

        public Proto Int(int field, long value) => Tag(field, 0).Varint(unchecked((ulong)value));

        public Proto Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Floats(int field, float[] values) => Bytes(field, values.SelectMany(BitConverter.GetBytes).ToArray());

        public Proto Ints(int field, long[] values)
        {
            var packed = new Proto();
            foreach (var v in values)
            {
                packed.Varint(unchecked((ulong)v));
            }

            return Bytes(field, packed.ToArray());
        }

        public byte[] ToArray() => _bytes.ToArray();

        private Proto Bytes(int field, byte[] value)
        {
            Tag(field, 2).Varint((ulong)value.Length);
            _bytes.Write(value);
            return this;
        }

        private Proto Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

        private Proto Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.WriteByte((byte)value);
            return this;
        }
    }
}
