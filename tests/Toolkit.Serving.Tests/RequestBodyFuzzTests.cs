using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Serving.Tests;

/// <summary>
/// Malformed prediction bodies for both protocols (#11 corpus): each is refused as a client error (400,
/// 413) with a message, never an unexpected exception the server would answer with 500. Generated from a
/// valid body by replacing each part with the wrong kind of JSON value.
/// </summary>
public sealed class RequestBodyFuzzTests
{
    private const int MaxRows = 1000;

    private static readonly Schema Signature = new(
    [
        new ColumnSchema("a", ColumnType.Float32, ColumnRole.Feature),
        new ColumnSchema("c", ColumnType.Categorical, ColumnRole.Feature, ["red", "blue"]),
    ]);

    private static readonly string[] Hostile =
    [
        "null", "true", "0", "-1", "1e400", "\"x\"", "\"\"", "[]", "{}", "[null]", "[[[[[[1]]]]]]", "[1,2,3]", "{\"a\":1}",
        "99999999999999999999", "\"\\u0000\"", "[\"NaN\"]", "[1e308, -1e308]", "[[1],[2,3]]",
    ];

    private const string ValidOip = """{"inputs":[{"name":"a","shape":[2],"datatype":"FP32","data":[1.5,2]},{"name":"c","shape":[2],"datatype":"BYTES","data":["red","blue"]}]}""";

    // A model fed one [N, 2] feature tensor (columns a and b) also takes that tensor alone.
    private static readonly Schema TensorSignature = new(
    [
        new ColumnSchema("a", ColumnType.Float32, ColumnRole.Feature),
        new ColumnSchema("b", ColumnType.Float32, ColumnRole.Feature),
    ]);

    private const string ValidTensor = """{"inputs":[{"name":"float_input","shape":[2,2],"datatype":"FP32","data":[[1.5,2],[3,null]]}]}""";

    private const string ValidMlflow = """{"dataframe_split":{"columns":["a","c"],"data":[[1.5,"red"],[2,"blue"]]}}""";

    public static TheoryData<string, string> Bodies()
    {
        var data = new TheoryData<string, string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (protocol, valid) in new[] { ("oip", ValidOip), ("oip-tensor", ValidTensor), ("mlflow", ValidMlflow) })
        {
            var paths = new List<string>();
            Collect(JsonDocument.Parse(valid).RootElement, "", paths);
            foreach (var path in paths)
            {
                foreach (var value in Hostile)
                {
                    var mutated = Replace(valid, path, value);

                    // Two mutations can make the same body; xunit would drop the second as a duplicate case.
                    if (mutated != valid && seen.Add(protocol + "\n" + mutated))
                    {
                        data.Add(protocol, mutated);
                    }
                }
            }

            data.Add(protocol, "[]");
            data.Add(protocol, "{}");
            data.Add(protocol, "null");
            data.Add(protocol, new string('[', 60) + new string(']', 60));
        }

        // Rows beyond the bound: refused as too large, not read.
        var many = string.Join(',', Enumerable.Repeat("1", MaxRows + 1));
        data.Add("oip", $$"""{"inputs":[{"name":"a","shape":[{{MaxRows + 1}}],"datatype":"FP32","data":[{{many}}]},{"name":"c","shape":[{{MaxRows + 1}}],"datatype":"BYTES","data":[{{string.Join(',', Enumerable.Repeat("\"red\"", MaxRows + 1))}}]}]}""");
        data.Add("oip", """{"inputs":[{"name":"a","shape":[2147483647],"datatype":"FP32","data":[1]},{"name":"c","shape":[1],"datatype":"BYTES","data":["red"]}]}""");
        data.Add("oip", """{"inputs":[{"name":"a","shape":[-1],"datatype":"FP32","data":[1]}]}""");
        data.Add("oip", """{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]},{"name":"a","shape":[1],"datatype":"FP32","data":[1]}]}""");
        data.Add("oip-tensor", $$"""{"inputs":[{"name":"float_input","shape":[{{MaxRows + 1}},2],"datatype":"FP32","data":[{{string.Join(',', Enumerable.Repeat("[1,2]", MaxRows + 1))}}]}]}""");
        data.Add("oip-tensor", """{"inputs":[{"name":"float_input","shape":[9223372036854775807,2],"datatype":"FP32","data":[1,2]}]}""");
        var rows = string.Join(',', Enumerable.Repeat("[1,\"red\"]", MaxRows + 1));
        data.Add("mlflow", "{\"dataframe_split\":{\"columns\":[\"a\",\"c\"],\"data\":[" + rows + "]}}");
        return data;
    }

    /// <summary>
    /// Some mutations are still valid (a number for a number); the property is that whatever is refused is
    /// refused as the client's error, with a message. What must be refused is checked below.
    /// </summary>
    [Theory]
    [MemberData(nameof(Bodies))]
    public void Parse_MutatedBody_ReadOrRefusedAsAClientError(string protocol, string body)
    {
        var refused = Refusal(protocol, body);
        if (refused is null)
        {
            return;
        }

        refused.Should().Match<Exception>(e => e is RequestException || e is DataFormatException, $"a client error, not a 500: {refused.GetType().Name}: {refused.Message}");
        refused.Message.Should().NotBeNullOrWhiteSpace();
        if (refused is RequestException request)
        {
            request.Status.Should().BeOneOf(400, 413);
        }
    }

    [Theory]
    [InlineData("oip", "{}")]
    [InlineData("oip", "[]")]
    [InlineData("oip", "{\"inputs\":{}}")]
    [InlineData("oip", "{\"inputs\":[{\"name\":\"a\",\"shape\":[-1],\"datatype\":\"FP32\",\"data\":[1]}]}")]
    [InlineData("oip", "{\"inputs\":[{\"name\":\"a\",\"shape\":[2147483647],\"datatype\":\"FP32\",\"data\":[1]}]}")]
    [InlineData("oip", "{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"x\"]}]}")]
    [InlineData("oip", "{\"inputs\":[{\"name\":\"zz\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}")]
    [InlineData("mlflow", "{}")]
    [InlineData("mlflow", "{\"dataframe_split\":{\"columns\":[\"a\"],\"data\":[[1,2]]}}")]
    [InlineData("mlflow", "{\"dataframe_split\":{\"columns\":[\"a\",\"c\"],\"data\":[[\"many\",\"red\"]]}}")]
    [InlineData("mlflow", "{\"dataframe_split\":{\"columns\":[\"a\",\"c\"],\"data\":[[null]]}}")]
    public void Parse_MalformedBody_RefusedAsAClientError(string protocol, string body)
    {
        var refused = Refusal(protocol, body);

        refused.Should().NotBeNull();
        refused.Should().Match<Exception>(e => e is RequestException || e is DataFormatException, $"{refused!.GetType().Name}: {refused.Message}");
    }

    private static Exception? Refusal(string protocol, string body)
    {
        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        try
        {
            _ = protocol switch
            {
                "oip" => InferenceRequests.Parse(document.RootElement, Signature, MaxRows).Table,
                "oip-tensor" => InferenceRequests.Parse(document.RootElement, TensorSignature, MaxRows, "float_input").Table,
                _ => MlflowRequests.Parse(document.RootElement, Signature, MaxRows),
            };
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [Fact]
    public void Parse_ValidBodies_AreRead()
    {
        InferenceRequests.Parse(JsonDocument.Parse(ValidOip).RootElement, Signature, MaxRows).Table.RowCount.Should().Be(2);
        MlflowRequests.Parse(JsonDocument.Parse(ValidMlflow).RootElement, Signature, MaxRows).RowCount.Should().Be(2);
        var tensor = InferenceRequests.Parse(JsonDocument.Parse(ValidTensor).RootElement, TensorSignature, MaxRows, "float_input").Table;
        ((Float32Column)tensor["a"]).Values.ToArray().Should().Equal(1.5f, 3f);
        ((Float32Column)tensor["b"])[0].Should().Be(2f);
        float.IsNaN(((Float32Column)tensor["b"])[1]).Should().BeTrue("null is a missing value");
    }

    private static void Collect(JsonElement element, string path, List<string> paths)
    {
        if (path.Length > 0)
        {
            paths.Add(path);
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    Collect(p.Value, $"{path}/{p.Name}", paths);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, $"{path}/{i++}", paths);
                }

                break;
        }
    }

    private static string Replace(string json, string path, string value)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var node = root;
        foreach (var part in parts[..^1])
        {
            node = node is System.Text.Json.Nodes.JsonArray a ? a[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)]! : node[part]!;
        }

        var replacement = value == "1e400" || value == "99999999999999999999" ? null : System.Text.Json.Nodes.JsonNode.Parse(value);
        var last = parts[^1];
        if (node is System.Text.Json.Nodes.JsonArray array)
        {
            array[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = replacement;
        }
        else
        {
            node[last] = replacement;
        }

        var text = root.ToJsonString();

        // Numbers System.Text.Json.Nodes will not hold: spliced in as text.
        return replacement is null && value != "null" ? text.Replace(":null", ":" + value, StringComparison.Ordinal).Replace("[null", "[" + value, StringComparison.Ordinal) : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
    }
}
