using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;

namespace Toolkit.Serving.LoadTesting;

/// <summary>One request body, serialized once and sent many times.</summary>
internal sealed record RequestBody(byte[] Bytes, MediaTypeHeaderValue ContentType);

/// <summary>An input the service declares in its OIP model metadata.</summary>
internal sealed record ServiceInput(string Name, string Datatype, IReadOnlyList<string> Categories)
{
    public bool IsText => Datatype == "BYTES";
}

/// <summary>
/// Builds the load test's request bodies from the served model's own description: the model is found
/// in the OIP repository index, its inputs in its metadata. Bodies are MLflow <c>dataframe_split</c>
/// JSON (or <c>text/csv</c> for rows from a file) posted to <c>/invocations</c>.
/// </summary>
internal static class LoadPayload
{
    // A few distinct bodies vary the rows without serializing on the request path.
    private const int DistinctBodies = 16;

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue Csv = new("text/csv");

    public static async Task<IReadOnlyList<ServiceInput>> DiscoverAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        var name = await ServedModelNameAsync(http, url, ct);
        using var metadata = await GetJsonAsync(http, new Uri(url, $"v2/models/{Uri.EscapeDataString(name)}"), ct);
        if (!metadata.RootElement.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
        {
            throw new LoadTestException($"{url}v2/models/{name} lists no inputs");
        }

        var result = new List<ServiceInput>();
        foreach (var input in inputs.EnumerateArray())
        {
            var categories = input.TryGetProperty("parameters", out var p) && p.TryGetProperty("categories", out var c) && c.ValueKind == JsonValueKind.Array
                ? c.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
                : [];
            result.Add(new ServiceInput(input.GetProperty("name").GetString() ?? "", input.GetProperty("datatype").GetString() ?? "", categories));
        }

        return result;
    }

    /// <summary>Bodies of <paramref name="rowsPerRequest"/> rows each, cycling through <paramref name="rows"/>.</summary>
    public static IReadOnlyList<RequestBody> FromRows(
        IReadOnlyList<ServiceInput> inputs, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string?>> rows, int rowsPerRequest)
    {
        var positions = inputs.Select(input =>
        {
            var at = IndexOf(columns, input.Name);
            return at >= 0 ? at : throw new LoadTestException($"the rows to send have no column '{input.Name}', which the served model takes");
        }).ToArray();

        var bodies = new List<RequestBody>();
        var next = 0;
        var count = Math.Min(DistinctBodies, Math.Max(1, rows.Count / rowsPerRequest));
        for (var b = 0; b < count; b++)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteStartObject("dataframe_split");
                w.WriteStartArray("columns");
                foreach (var input in inputs)
                {
                    w.WriteStringValue(input.Name);
                }

                w.WriteEndArray();
                w.WriteStartArray("data");
                for (var r = 0; r < rowsPerRequest; r++)
                {
                    var row = rows[next++ % rows.Count];
                    w.WriteStartArray();
                    for (var i = 0; i < inputs.Count; i++)
                    {
                        WriteValue(w, inputs[i], row[positions[i]]);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
            }

            bodies.Add(new RequestBody(stream.ToArray(), Json));
        }

        return bodies;
    }

    /// <summary>One plausible row from the metadata alone: 0 for numbers, the first known category for text.</summary>
    public static (IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string?>> Rows) Synthesize(IReadOnlyList<ServiceInput> inputs)
    {
        var row = inputs.Select(i => i.IsText ? (i.Categories.Count > 0 ? i.Categories[0] : "") : "0").ToArray<string?>();
        return (inputs.Select(i => i.Name).ToArray(), [row]);
    }

    /// <summary>Bodies of CSV rows read from <paramref name="path"/>: the model's columns only, as <c>text/csv</c>.</summary>
    public static IReadOnlyList<RequestBody> FromCsv(IReadOnlyList<ServiceInput> inputs, string path, int rowsPerRequest, CancellationToken ct)
    {
        var table = CsvReader.Read(path, new CsvReadOptions(), ct);
        if (table.RowCount == 0)
        {
            throw new LoadTestException($"{path}: no rows to send");
        }

        var missing = inputs.Where(i => !table.Contains(i.Name)).Select(i => i.Name).ToList();
        if (missing.Count > 0)
        {
            throw new LoadTestException($"{path}: no column {string.Join(", ", missing.Select(m => $"'{m}'"))}, which the served model takes");
        }

        var selected = new DataTable(inputs.Select(i => table[i.Name]));
        var bodies = new List<RequestBody>();
        var count = Math.Min(DistinctBodies, Math.Max(1, selected.RowCount / rowsPerRequest));
        var next = 0;
        for (var b = 0; b < count; b++)
        {
            var rows = new int[rowsPerRequest];
            for (var r = 0; r < rows.Length; r++)
            {
                rows[r] = next++ % selected.RowCount;
            }

            using var stream = new MemoryStream();
            CsvWriter.Write(selected.Take(rows), stream, ct);
            bodies.Add(new RequestBody(stream.ToArray(), Csv));
        }

        return bodies;
    }

    private static void WriteValue(Utf8JsonWriter w, ServiceInput input, string? value)
    {
        if (value is null)
        {
            w.WriteNullValue();
        }
        else if (!input.IsText && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            w.WriteNumberValue(number);
        }
        else
        {
            // Text, or a number the service should see as sent (it names the field when it refuses it).
            w.WriteStringValue(value);
        }
    }

    private static int IndexOf(IReadOnlyList<string> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static async Task<string> ServedModelNameAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        var index = new Uri(url, "v2/repository/index");
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(index, new StringContent("{}", Encoding.UTF8, "application/json"), ct);
        }
        catch (HttpRequestException ex)
        {
            throw new LoadTestException($"cannot reach {url}: {ex.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new LoadTestException($"{index} answered {(int)response.StatusCode}: the service does not list its model (a Toolkit model server answers it); give the rows to send with --data");
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
            var first = body.RootElement.ValueKind == JsonValueKind.Array
                ? body.RootElement.EnumerateArray().FirstOrDefault()
                : default;
            return first.ValueKind == JsonValueKind.Object && first.TryGetProperty("name", out var name) && name.GetString() is { Length: > 0 } text
                ? text
                : throw new LoadTestException($"{index} lists no model");
        }
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, Uri uri, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(uri, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new LoadTestException($"{uri} answered {(int)response.StatusCode}");
            }

            return JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
        }
        catch (HttpRequestException ex)
        {
            throw new LoadTestException($"cannot reach {uri}: {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new LoadTestException($"{uri} did not answer JSON: {ex.Message}");
        }
    }
}
