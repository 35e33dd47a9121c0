using System.Net;
using System.Text;
using System.Text.Json;

namespace Toolkit.Serving.Tests;

public sealed class RegressionServingTests(RegressionServer fixture) : IClassFixture<RegressionServer>
{
    [Fact]
    public async Task Invocations_Regression_EqualsModelPredictWithoutProbabilities()
    {
        using var response = await fixture.Http.PostAsync("/invocations",
            new StringContent(fixture.DataframeSplit(fixture.Rows), Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        body.GetProperty("predictions").EnumerateArray().Select(e => e.GetDouble()).Should().Equal(fixture.Model.Predict(fixture.Rows).Scores);
        body.TryGetProperty("probabilities", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Infer_Regression_PredictIsFp64AndEqualsModelPredict()
    {
        using var response = await fixture.Http.PostAsync("/v2/models/demo/infer",
            new StringContent(ServerFixture.Infer(fixture.Rows, nested: true), Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        var outputs = body.GetProperty("outputs").EnumerateArray().ToList();
        outputs.Should().ContainSingle();
        outputs[0].GetProperty("datatype").GetString().Should().Be("FP64");
        outputs[0].GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).Should().Equal(fixture.Model.Predict(fixture.Rows).Scores);
    }

    [Fact]
    public async Task Metrics_AfterRegressionPredictions_HasValueHistogram()
    {
        using var _ = await fixture.Http.PostAsync("/invocations",
            new StringContent(fixture.DataframeSplit(fixture.Rows), Encoding.UTF8, "application/json"));
        var text = await fixture.Http.GetStringAsync("/metrics");
        var count = text.Split('\n').Single(l => l.StartsWith("toolkit_prediction_value_count ", StringComparison.Ordinal));
        long.Parse(count.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(fixture.Rows.RowCount);
    }
}
