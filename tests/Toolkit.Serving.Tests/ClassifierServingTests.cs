using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Serving.Tests;

public sealed class ClassifierServingTests(ClassifierServer fixture) : IClassFixture<ClassifierServer>
{
    private readonly HttpClient _http = fixture.Http;

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, HttpContent content)
    {
        using var response = await _http.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private void ShouldEqualModel(JsonElement predictions, JsonElement probabilities)
    {
        var expected = fixture.Model.Predict(fixture.Rows);
        predictions.EnumerateArray().Select(e => e.GetString()).Should().Equal(expected.Classes);
        probabilities.EnumerateArray().Select(e => e.GetDouble()).Should().Equal(expected.Scores);
    }

    [Fact]
    public async Task HealthLive_Get_AnswersLiveTrue()
    {
        using var live = await _http.GetAsync("/v2/health/live");
        using var ready = await _http.GetAsync("/v2/health/ready");
        live.StatusCode.Should().Be(HttpStatusCode.OK);
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement.GetProperty("live").GetBoolean().Should().BeTrue();
        JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("ready").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task PingAndHealth_Get_Answer200()
    {
        using var ping = await _http.GetAsync("/ping");
        using var health = await _http.GetAsync("/health");
        ping.StatusCode.Should().Be(HttpStatusCode.OK);
        health.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ModelMetadata_Get_ListsSignatureInputsAndOutputs()
    {
        var body = JsonDocument.Parse(await _http.GetStringAsync("/v2/models/demo")).RootElement;
        body.GetProperty("name").GetString().Should().Be("demo");
        body.GetProperty("versions").EnumerateArray().Select(v => v.GetString()).Should().Equal("3");
        body.GetProperty("platform").GetString().Should().Be("toolkit");
        var inputs = body.GetProperty("inputs").EnumerateArray().ToList();
        inputs.Select(i => i.GetProperty("name").GetString()).Should().Equal(fixture.Model.Signature.Columns.Select(c => c.Name));
        inputs.Select(i => i.GetProperty("datatype").GetString()).Should().Equal(
            fixture.Model.Signature.Columns.Select(c => c.Type == ColumnType.Categorical ? "BYTES" : c.Type == ColumnType.Float32 ? "FP32" : "FP64"));
        body.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()).Should().Equal("predict", "probability");
    }

    [Fact]
    public async Task ModelMetadata_UnknownName_Answers404WithError()
    {
        using var response = await _http.GetAsync("/v2/models/other");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString().Should().Contain("other");
    }

    [Theory]
    [InlineData("dataframe_split")]
    [InlineData("dataframe_records")]
    [InlineData("instances")]
    [InlineData("inputs")]
    [InlineData("inputs-by-column")]
    public async Task Invocations_EachJsonFormat_EqualsModelPredict(string format)
    {
        var json = format switch
        {
            "dataframe_split" => fixture.DataframeSplit(fixture.Rows),
            "inputs-by-column" => ServerFixture.ByColumn(fixture.Rows, "inputs"),
            _ => ServerFixture.Records(fixture.Rows, format),
        };
        var (status, body) = await PostAsync("/invocations", JsonBody(json));
        status.Should().Be(HttpStatusCode.OK, body.ToString());
        ShouldEqualModel(body.GetProperty("predictions"), body.GetProperty("probabilities"));
    }

    [Fact]
    public async Task Invocations_CsvBody_EqualsModelPredict()
    {
        var (status, body) = await PostAsync("/invocations", new StringContent(ServerFixture.Csv(fixture.Rows), Encoding.UTF8, "text/csv"));
        status.Should().Be(HttpStatusCode.OK, body.ToString());
        ShouldEqualModel(body.GetProperty("predictions"), body.GetProperty("probabilities"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Infer_V2Tensors_EqualsModelPredict(bool nested)
    {
        var (status, body) = await PostAsync("/v2/models/demo/infer", JsonBody(ServerFixture.Infer(fixture.Rows, nested)));
        status.Should().Be(HttpStatusCode.OK, body.ToString());
        body.GetProperty("model_name").GetString().Should().Be("demo");
        body.GetProperty("id").GetString().Should().Be("req-1");
        var outputs = body.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        outputs["predict"].GetProperty("datatype").GetString().Should().Be("BYTES");
        outputs["predict"].GetProperty("shape")[0].GetInt32().Should().Be(fixture.Rows.RowCount);
        ShouldEqualModel(outputs["predict"].GetProperty("data"), outputs["probability"].GetProperty("data"));
    }

    [Fact]
    public async Task Invocations_MissingColumn_Answers400NamingIt()
    {
        var missing = fixture.Model.Signature.Columns[1].Name;
        var rows = new DataTable(fixture.Rows.Columns.Where(c => c.Name != missing));
        var (status, body) = await PostAsync("/invocations", JsonBody(fixture.DataframeSplit(rows)));
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Contain($"'{missing}'").And.Contain("missing");
    }

    [Fact]
    public async Task Invocations_UnknownColumn_Answers400NamingIt()
    {
        var rows = fixture.Rows.With(new Float32Column("no_such_feature", new float[fixture.Rows.RowCount]));
        var (status, body) = await PostAsync("/invocations", JsonBody(ServerFixture.Records(rows, "dataframe_records")));
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Contain("'no_such_feature'");
    }

    [Fact]
    public async Task Invocations_TextInNumericColumn_Answers400NamingColumnAndRow()
    {
        var numeric = fixture.Model.Signature.Columns.First(c => c.Type != ColumnType.Categorical).Name;
        var rows = new DataTable(fixture.Rows.Columns.Where(c => c.Name != numeric)).Take([0]);
        var json = ServerFixture.Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("dataframe_records");
            w.WriteStartObject();
            foreach (var c in rows.Columns)
            {
                w.WritePropertyName(c.Name);
                ServerFixture.WriteValue(w, c, 0);
            }

            w.WriteString(numeric, "forty");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
        var (status, body) = await PostAsync("/invocations", JsonBody(json));
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Contain($"'{numeric}'").And.Contain("row 0").And.Contain("forty");
    }

    [Fact]
    public async Task Infer_LengthMismatch_Answers400NamingInput()
    {
        var shortColumn = fixture.Rows.Columns[^1].Name;
        var json = ServerFixture.Infer(fixture.Rows, nested: false);
        var doc = JsonDocument.Parse(json).RootElement;
        var rebuilt = ServerFixture.Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("inputs");
            foreach (var input in doc.GetProperty("inputs").EnumerateArray())
            {
                if (input.GetProperty("name").GetString() != shortColumn)
                {
                    input.WriteTo(w);
                    continue;
                }

                w.WriteStartObject();
                w.WriteString("name", shortColumn);
                w.WriteStartArray("shape");
                w.WriteNumberValue(2);
                w.WriteEndArray();
                w.WriteString("datatype", input.GetProperty("datatype").GetString());
                w.WriteStartArray("data");
                input.GetProperty("data")[0].WriteTo(w);
                input.GetProperty("data")[1].WriteTo(w);
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        var (status, body) = await PostAsync("/v2/models/demo/infer", JsonBody(rebuilt));
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Contain($"'{shortColumn}'").And.Contain("2 rows");
    }

    [Fact]
    public async Task Infer_ShapeDisagreesWithData_Answers400NamingInput()
    {
        var first = fixture.Rows.Columns[0].Name;
        var json = ServerFixture.Infer(fixture.Rows, nested: false)
            .Replace($"\"name\":\"{first}\",\"shape\":[{fixture.Rows.RowCount}]", $"\"name\":\"{first}\",\"shape\":[5]", StringComparison.Ordinal);
        var (status, body) = await PostAsync("/v2/models/demo/infer", JsonBody(json));
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Contain($"'{first}'").And.Contain("shape [5]");
    }

    [Theory]
    [InlineData("[2, 3]", "[1,2,3,4,5,6]", "input 'float_input': shape must be [n] or [n, 1] (one column per input), got [2, 3]")]
    [InlineData("[2]", "[1,2]", "unknown input 'float_input'; the model takes: ")]
    public async Task Infer_TkmModelGivenOneUnknownTensor_AnswersTheColumnErrorsAsBefore(string shape, string data, string expected)
    {
        // Only a model fed one feature tensor takes the one-tensor form; a .tkm keeps its column errors.
        var json = $"{{\"inputs\":[{{\"name\":\"float_input\",\"datatype\":\"FP32\",\"shape\":{shape},\"data\":{data}}}]}}";

        var (status, body) = await PostAsync("/v2/models/demo/infer", JsonBody(json));

        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Contain(expected).And.NotContain("tensor");
    }

    [Fact]
    public async Task ModelMetadata_TkmModel_HasNoFeatureTensorParameters()
    {
        var body = JsonDocument.Parse(await _http.GetStringAsync("/v2/models/demo")).RootElement;

        body.TryGetProperty("parameters", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Invocations_MalformedJson_Answers400()
    {
        var (status, body) = await PostAsync("/invocations", JsonBody("{\"dataframe_split\": {\"columns\": [\"age\""));
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Contain("not valid JSON");
    }

    [Fact]
    public async Task Invocations_NoKnownFormat_Answers400ListingFormats()
    {
        var (status, body) = await PostAsync("/invocations", JsonBody("{\"rows\": []}"));
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Contain("dataframe_split").And.Contain("dataframe_records");
    }

    [Fact]
    public async Task Invocations_TooManyRows_Answers413()
    {
        var rows = fixture.Rows.Take([.. Enumerable.Range(0, 1001).Select(i => i % fixture.Rows.RowCount)]);
        var (status, body) = await PostAsync("/invocations", JsonBody(ServerFixture.ByColumn(rows, "inputs")));
        status.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        body.GetProperty("error").GetString().Should().Contain("1001 rows");
    }

    [Fact]
    public async Task Invocations_BodyOverLimit_Answers413()
    {
        // Expect: 100-continue lets the server refuse on Content-Length before the client sends the
        // body; without it the client may still be writing when the server closes the connection.
        var padding = new string(' ', 1024 * 1024 + 10);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/invocations") { Content = JsonBody("{\"inputs\": {}}" + padding) };
        request.Headers.ExpectContinue = true;
        using var response = await _http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString().Should().Contain("larger than");
    }

    [Fact]
    public async Task Metrics_AfterRequests_CountsThemByRouteAndStatus()
    {
        // Routes of its own, so requests from other tests in this class cannot change the counts.
        await _http.GetAsync("/v2/models/nobody/ready");
        await _http.GetAsync("/v2/models/nobody/ready");
        await _http.GetAsync("/v2/models/demo/ready");
        var text = await _http.GetStringAsync("/metrics");
        text.Should().Contain("toolkit_http_requests_total{route=\"/v2/models/{name}/ready\",status=\"404\"} 2\n");
        text.Should().Contain("toolkit_http_requests_total{route=\"/v2/models/{name}/ready\",status=\"200\"} 1\n");
        text.Should().Contain("toolkit_http_request_duration_seconds_count{route=\"/v2/models/{name}/ready\"} 3\n");
        text.Should().Contain($"toolkit_model_info{{model=\"demo\",version=\"3\",digest=\"{fixture.Model.Digest}\"");
        text.Should().Contain("# TYPE toolkit_predictions_total counter");
    }

    [Fact]
    public async Task Metrics_AfterPredictions_CountsPredictedClasses()
    {
        var before = ClassCounts(await _http.GetStringAsync("/metrics"));
        var (status, _) = await PostAsync("/invocations", JsonBody(fixture.DataframeSplit(fixture.Rows)));
        status.Should().Be(HttpStatusCode.OK);
        var after = ClassCounts(await _http.GetStringAsync("/metrics"));
        var expected = fixture.Model.Predict(fixture.Rows).Classes!.GroupBy(c => c).ToDictionary(g => g.Key, g => (long)g.Count());

        // Other tests may predict in between; this request alone adds at least its own rows per class.
        foreach (var (label, count) in expected)
        {
            (after[label] - before.GetValueOrDefault(label)).Should().BeGreaterThanOrEqualTo(count);
        }
    }

    private static Dictionary<string, long> ClassCounts(string metrics) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith("toolkit_predictions_total{class=\"", StringComparison.Ordinal))
            .ToDictionary(
                l => l["toolkit_predictions_total{class=\"".Length..l.IndexOf('"', "toolkit_predictions_total{class=\"".Length)],
                l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
