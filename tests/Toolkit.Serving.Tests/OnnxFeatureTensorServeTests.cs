using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Toolkit.Cli;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Ml.Onnx;
using Toolkit.Ml.Onnx.Tests;
using Toolkit.Ml.Training;

namespace Toolkit.Serving.Tests;

/// <summary>
/// An skl2onnx-like graph with one input <c>float_input</c> (float [N, 3]) registered with
/// <c>--features x1,x2,x3</c>, served by a real Kestrel on 127.0.0.1 port 0 with a batch bound of
/// <see cref="MaxRows"/>. The rows file's columns are in another order than the tensor's, so a request
/// mapped by position instead of by the feature list would score differently.
/// </summary>
public sealed class FeatureTensorServer : IAsyncLifetime
{
    public const int MaxRows = 50;

    public static readonly float[] W = [0.75f, -1.5f, 0.5f];

    public const float B = 0.25f;

    public string Folder { get; } = Directory.CreateTempSubdirectory("toolkit-serve-tensor-").FullName;

    public string OnnxPath => Path.Combine(Folder, "sk.onnx");

    public string RowsPath => Path.Combine(Folder, "rows.csv");

    public OnnxModel Model { get; private set; } = null!;

    /// <summary>40 rows of x2, x3, x1 (Float32, read as <c>mlops predict</c> reads them).</summary>
    public DataTable Rows { get; private set; } = null!;

    public ModelServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var random = new Random(5);
        var heldOut = new StringBuilder("x3,y,x1,x2\n");
        var rows = new StringBuilder("x2,x3,x1\n");
        for (var i = 0; i < 40; i++)
        {
            var x = new double[3];
            for (var j = 0; j < 3; j++)
            {
                x[j] = Math.Round((random.NextDouble() * 4) - 2, 3);
            }

            var y = random.NextDouble() < 1 / (1 + Math.Exp(-((W[0] * x[0]) + (W[1] * x[1]) + (W[2] * x[2]) + B))) ? 1 : 0;
            heldOut.Append(FormattableString.Invariant($"{x[2]},{y},{x[0]},{x[1]}\n"));
            rows.Append(FormattableString.Invariant($"{x[1]},{x[2]},{x[0]}\n"));
        }

        var heldOutPath = Path.Combine(Folder, "held-out.csv");
        await File.WriteAllTextAsync(heldOutPath, heldOut.ToString());
        await File.WriteAllTextAsync(RowsPath, rows.ToString());
        var imported = OnnxFormat.Instance.Import(
            FeatureTensorGraphs.LinearClassifier(W, B), "sk.onnx", new ModelImportOptions { HeldOutPath = heldOutPath, Features = ["x1", "x2", "x3"] }, CancellationToken.None);
        await File.WriteAllBytesAsync(OnnxPath, imported);
        Model = OnnxFormat.Load(imported, "sk.onnx");
        Rows = CsvReader.Read(RowsPath, new CsvReadOptions { ColumnTypes = Model.Signature.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal) });
        Server = await ModelServer.StartAsync(new ServedModel { Model = Model, Name = "wide" }, new ServerOptions { Port = 0, MaxRows = MaxRows });
        Http = new HttpClient { BaseAddress = Server.Url };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
        Model.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>
/// <c>POST /v2/models/{name}/infer</c> with the graph's one [n, F] tensor, as KServe and Triton clients of
/// converted scikit-learn models send it, next to the one-tensor-per-column form.
/// </summary>
public sealed class OnnxFeatureTensorServeTests(FeatureTensorServer fixture) : IClassFixture<FeatureTensorServer>
{
    private readonly HttpClient _http = fixture.Http;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Infer_OneFeatureTensor_EqualsNamedColumnsAndMlopsPredict(bool nested)
    {
        var (tensorStatus, tensor) = await InferAsync(Body(Input("float_input", "FP32", [fixture.Rows.RowCount, 3], Data(fixture.Rows, nested))));
        var (columnsStatus, columns) = await InferAsync(ServerFixture.Infer(fixture.Rows, nested));
        var written = Path.Combine(fixture.Folder, $"predictions-{nested}.csv");
        var error = new StringWriter();
        var exit = await CliApp.RunAsync(["predict", "--model", fixture.OnnxPath, "--data", fixture.RowsPath, "--out", written], new StringWriter(), error, fixture.Folder);

        tensorStatus.Should().Be(HttpStatusCode.OK, tensor.ToString());
        columnsStatus.Should().Be(HttpStatusCode.OK, columns.ToString());
        exit.Should().Be(0, error.ToString());
        var predicted = (await File.ReadAllLinesAsync(written)).Skip(1).Select(l => l.Split(',')).ToList();
        Output(tensor, "predict").Select(e => e.GetString()).Should().Equal(Output(columns, "predict").Select(e => e.GetString()));
        Output(tensor, "predict").Select(e => e.GetString()).Should().Equal(predicted.Select(l => l[0]));
        var probabilities = Output(tensor, "probability").Select(e => e.GetDouble()).ToList();
        probabilities.Should().Equal(Output(columns, "probability").Select(e => e.GetDouble()));
        probabilities.Should().Equal(predicted.Select(l => double.Parse(l[1], CultureInfo.InvariantCulture)));
        for (var r = 0; r < probabilities.Count; r++)
        {
            // The graph's own arithmetic, so a column fed to the wrong position would show here.
            var z = (FeatureTensorServer.W[0] * Value(fixture.Rows, "x1", r)) + (FeatureTensorServer.W[1] * Value(fixture.Rows, "x2", r)) + (FeatureTensorServer.W[2] * Value(fixture.Rows, "x3", r)) + FeatureTensorServer.B;
            probabilities[r].Should().BeApproximately(1 / (1 + Math.Exp(-z)), 1e-6, $"row {r}");
        }
    }

    [Fact]
    public async Task ModelMetadata_FeatureTensorModel_KeepsColumnInputsAndDescribesTheTensorInParameters()
    {
        var body = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/v2/models/wide", UriKind.Relative))).RootElement;

        var inputs = body.GetProperty("inputs").EnumerateArray().ToList();
        inputs.Select(i => i.GetProperty("name").GetString()).Should().Equal("x1", "x2", "x3");
        inputs.Select(i => i.GetProperty("datatype").GetString()).Should().Equal("FP32", "FP32", "FP32");
        inputs.Select(i => i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToList()).Should().AllSatisfy(s => s.Should().Equal(-1));
        body.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()).Should().Equal("predict", "probability");
        var tensor = body.GetProperty("parameters").GetProperty("feature_tensor");
        tensor.GetProperty("name").GetString().Should().Be("float_input");
        tensor.GetProperty("datatype").GetString().Should().Be("FP32");
        tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).Should().Equal(-1, 3);
        tensor.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).Should().Equal("x1", "x2", "x3");
    }

    public static TheoryData<string, string[]> BadTensors() => new()
    {
        { Body(Input("float_input", "FP32", [2, 4], "[1,2,3,4,5,6,7,8]")), ["input 'float_input'", "shape must be [-1, 3]", "got [2, 4]"] },
        { Body(Input("float_input", "FP32", [6], "[1,2,3,4,5,6]")), ["input 'float_input'", "shape must be [-1, 3]", "got [6]"] },
        { Body(Input("float_input", "BYTES", [2, 3], "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"]")), ["input 'float_input'", "datatype BYTES", "takes FP32 [-1, 3]"] },
        { Body(Input("float_input", "BOOL", [1, 3], "[true,false,true]")), ["input 'float_input'", "datatype BOOL", "takes FP32 [-1, 3]"] },
        { Body(Input("float_input", "FP32", [2, 3], "[1,2,3,4,5]")), ["input 'float_input'", "shape [2, 3] holds 6 values but 'data' has 5", "[-1, 3]"] },
        { Body(Input("float_input", "FP32", [9223372036854775807, 3], "[1,2,3]")), ["input 'float_input'", "holds 27670116110564327421 values but 'data' has 3"] },
        { Body(Input("float_input", "FP32", [2, 3], "[[1,2],[3,4,5,6]]")), ["input 'float_input'", "row 0 holds 2 values", "each row holds 3", "[-1, 3]"] },
        { Body(Input("float_input", "FP32", [2, 3], "[1,2,3,4,\"five\",6]")), ["input 'float_input', column 'x2', row 1", "the string \"five\""] },
        { Body(Input("float_input", "FP32", [1, 3], "[1,2,3]"), Input("x1", "FP32", [1], "[1]")), ["input 'float_input'", "[-1, 3]", "also has input 'x1'", "not both"] },
        { Body(Input("x1", "FP32", [1], "[1]"), Input("float_input", "FP32", [1, 3], "[1,2,3]")), ["input 'float_input'", "also has input 'x1'", "not both"] },
        { Body(Input("float_input", "FP32", [1, 3], "[1,2,3]"), Input("float_input", "FP32", [1, 3], "[1,2,3]")), ["input 'float_input' appears twice"] },
        { Body(Input("float_input", "FP32", [1, 3], "[1,2,3]"), "{\"shape\":[1]}"), ["input 'float_input'", "also has inputs[1]", "not both"] },
        { Body(Input("input_1", "FP32", [2, 3], "[1,2,3,4,5,6]")), ["unknown input 'input_1'", "one tensor per column (x1, x2, x3)", "the one tensor 'float_input' [-1, 3]"] },
        { Body(Input("x1", "FP32", [1], "[1]"), Input("input_1", "FP32", [1], "[1]")), ["unknown input 'input_1'", "the one tensor 'float_input' [-1, 3]"] },
    };

    [Theory]
    [MemberData(nameof(BadTensors))]
    public async Task Infer_BadFeatureTensor_Answers400SayingWhatWasExpectedAndGiven(string body, string[] expected)
    {
        var (status, answer) = await InferAsync(body);

        status.Should().Be(HttpStatusCode.BadRequest, answer.ToString());
        var error = answer.GetProperty("error").GetString();
        foreach (var part in expected)
        {
            error.Should().Contain(part);
        }
    }

    [Fact]
    public async Task Infer_FeatureTensorOverMaxBatch_Answers413()
    {
        var n = FeatureTensorServer.MaxRows + 1;
        var rows = fixture.Rows.Take([.. Enumerable.Range(0, n).Select(i => i % fixture.Rows.RowCount)]);

        var (status, answer) = await InferAsync(Body(Input("float_input", "FP32", [n, 3], Data(rows, nested: false))));
        var (atBound, _) = await InferAsync(Body(Input("float_input", "FP32", [n - 1, 3], Data(rows.Take([.. Enumerable.Range(0, n - 1)]), nested: true))));

        status.Should().Be(HttpStatusCode.RequestEntityTooLarge, answer.ToString());
        answer.GetProperty("error").GetString().Should().Contain($"{n} rows").And.Contain($"at most {FeatureTensorServer.MaxRows}");
        atBound.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Infer_OtherNumericDatatype_ReadAsTheGraphsFloats()
    {
        // As for column tensors, any numeric datatype is taken and read as the signature's type.
        var (fp32, expected) = await InferAsync(Body(Input("float_input", "FP32", [2, 3], "[1,-0.5,2,0,0,0]")));
        var (fp64, body) = await InferAsync(Body(Input("float_input", "FP64", [2, 3], "[1,-0.5,2,0,0,0]")));
        var (int64, ints) = await InferAsync(Body(Input("float_input", "INT64", [2, 3], "[[1,0,2],[0,0,0]]")));

        fp32.Should().Be(HttpStatusCode.OK, expected.ToString());
        fp64.Should().Be(HttpStatusCode.OK, body.ToString());
        int64.Should().Be(HttpStatusCode.OK, ints.ToString());
        Output(body, "probability").Select(e => e.GetDouble()).Should().Equal(Output(expected, "probability").Select(e => e.GetDouble()));
        Output(ints, "probability")[1].GetDouble().Should().BeApproximately(1 / (1 + Math.Exp(-FeatureTensorServer.B)), 1e-6);
    }

    [Fact]
    public async Task Infer_DoubleFeatureTensor_Fp64TensorEqualsNamedColumnsAndTheGraph()
    {
        // onnxmltools-like regressor: input (double [N, 2]) → MatMul → Add → variable.
        double[] w = [2.5, -0.125];
        const double b = 0.5;
        var heldOut = Path.Combine(fixture.Folder, "regression.csv");
        await File.WriteAllTextAsync(heldOut, "a,target,b\n1,3,0\n2,5.5,4\n-1,-2,8\n0.3,1.25,-2\n");
        var imported = OnnxFormat.Instance.Import(
            FeatureTensorGraphs.LinearRegressor(w, b), "reg.onnx", new ModelImportOptions { HeldOutPath = heldOut, Features = ["a", "b"], Task = ModelTask.Regression }, CancellationToken.None);
        using var model = OnnxFormat.Load(imported, "reg.onnx");
        await using var server = await ModelServer.StartAsync(new ServedModel { Model = model, Name = "wide" }, new ServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.Url };

        var (status, tensor) = await InferAsync(Body(Input("input", "FP64", [3, 2], "[[0.1,0.2],[1e-7,3],[-4,0.3]]")), http);
        var (columnsStatus, columns) = await InferAsync(Body(Input("b", "FP64", [3], "[0.2,3,0.3]"), Input("a", "FP64", [3], "[0.1,1e-7,-4]")), http);
        var metadata = JsonDocument.Parse(await http.GetStringAsync(new Uri("/v2/models/wide", UriKind.Relative))).RootElement;
        await server.StopAsync();

        status.Should().Be(HttpStatusCode.OK, tensor.ToString());
        columnsStatus.Should().Be(HttpStatusCode.OK, columns.ToString());
        var values = Output(tensor, "predict").Select(e => e.GetDouble()).ToList();
        values.Should().Equal(Output(columns, "predict").Select(e => e.GetDouble()));
        values.Should().Equal((w[0] * 0.1) + (w[1] * 0.2) + b, (w[0] * 1e-7) + (w[1] * 3) + b, (w[0] * -4) + (w[1] * 0.3) + b);
        var described = metadata.GetProperty("parameters").GetProperty("feature_tensor");
        described.GetProperty("name").GetString().Should().Be("input");
        described.GetProperty("datatype").GetString().Should().Be("FP64");
        described.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).Should().Equal(-1, 2);
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> InferAsync(string json) => InferAsync(json, _http);

    private static async Task<(HttpStatusCode Status, JsonElement Body)> InferAsync(string json, HttpClient http)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/v2/models/wide/infer", UriKind.Relative), content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static List<JsonElement> Output(JsonElement body, string name) =>
        [.. body.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == name).GetProperty("data").EnumerateArray()];

    private static float Value(DataTable rows, string column, int row) => ((Float32Column)rows[column])[row];

    /// <summary>The rows as the tensor's data in x1, x2, x3 order: row-major flat, or one array per row.</summary>
    private static string Data(DataTable rows, bool nested)
    {
        var text = new StringBuilder("[");
        for (var r = 0; r < rows.RowCount; r++)
        {
            var row = string.Join(",", new[] { "x1", "x2", "x3" }.Select(c => Value(rows, c, r).ToString("R", CultureInfo.InvariantCulture)));
            text.Append(r > 0 ? "," : "").Append(nested ? $"[{row}]" : row);
        }

        return text.Append(']').ToString();
    }

    private static string Input(string name, string datatype, long[] shape, string data) =>
        $"{{\"name\":\"{name}\",\"datatype\":\"{datatype}\",\"shape\":[{string.Join(",", shape)}],\"data\":{data}}}";

    private static string Body(params string[] inputs) => $"{{\"id\":\"t1\",\"inputs\":[{string.Join(",", inputs)}]}}";
}
