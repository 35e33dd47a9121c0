using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Toolkit.Ml.Models;

namespace Toolkit.Serving.Checks;

/// <summary>What a smoke test found: passed only when every row was answered identically.</summary>
public sealed record SmokeResult
{
    /// <summary>At most this many lines go into <see cref="Mismatches"/>; <see cref="MismatchedRows"/> counts them all.</summary>
    public const int MaxMismatchLines = 10;

    public required bool Passed { get; init; }

    /// <summary>The sample's rows (all of them are sent unless a request fails).</summary>
    public required int Rows { get; init; }

    /// <summary>
    /// The rows answered differently, one line each: the 0-based sample row and both values. Empty when passed,
    /// and when the service could not be asked at all (then <see cref="Error"/> says why).
    /// </summary>
    public IReadOnlyList<string> Mismatches { get; init; } = [];

    /// <summary>How many rows differ in all (<see cref="Mismatches"/> shows the first ten).</summary>
    public int MismatchedRows { get; init; }

    /// <summary>The request failure (connection, time-out, non-2xx status, unreadable answer), or null.</summary>
    public string? Error { get; init; }

    /// <summary>One line for a log or a deployment record.</summary>
    public string Describe() =>
        Passed ? string.Create(CultureInfo.InvariantCulture, $"smoke test passed: {Rows} rows answered identically")
        : Error is not null ? $"smoke test failed: {Error}"
        : string.Create(CultureInfo.InvariantCulture, $"smoke test failed: {MismatchedRows} of {Rows} rows answered differently: {string.Join("; ", Mismatches)}");
}

/// <summary>
/// Replays a version's <see cref="SmokeSample"/> against a live service (<c>POST {url}/invocations</c>,
/// <c>dataframe_split</c>) and requires the registered answers exactly: the same class text, and the same
/// doubles bit for bit. A deployment that answers differently serves another model, or the same model on
/// differently parsed inputs.
/// </summary>
public static partial class SmokeTest
{
    /// <summary>Rows per request: within every server's default limit, few requests for the largest sample.</summary>
    public const int BatchRows = 1000;

    public static async Task<SmokeResult> RunAsync(HttpClient http, Uri serviceUrl, SmokeSample sample, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(serviceUrl);
        ArgumentNullException.ThrowIfNull(sample);
        var url = new Uri(serviceUrl.AbsoluteUri.TrimEnd('/') + "/invocations");
        var mismatches = new List<string>();
        var mismatched = 0;
        for (var start = 0; start < sample.Rows.Count; start += BatchRows)
        {
            var count = Math.Min(BatchRows, sample.Rows.Count - start);
            var body = Body(sample, start, count, out var badValue);
            if (badValue is not null)
            {
                return Failed(sample, badValue);
            }

            var (answer, error) = await PostAsync(http, url, body, ct);
            if (error is not null)
            {
                return Failed(sample, string.Create(CultureInfo.InvariantCulture, $"rows {start}-{start + count - 1}: {error}"));
            }

            using (answer)
            {
                if (Compare(sample, start, count, answer!.RootElement, mismatches, ref mismatched) is { } shapeError)
                {
                    return Failed(sample, string.Create(CultureInfo.InvariantCulture, $"POST {url} rows {start}-{start + count - 1}: {shapeError}"));
                }
            }
        }

        return new SmokeResult { Passed = mismatched == 0, Rows = sample.Rows.Count, Mismatches = mismatches, MismatchedRows = mismatched };
    }

    private static SmokeResult Failed(SmokeSample sample, string error) =>
        new() { Passed = false, Rows = sample.Rows.Count, Error = error };

    private static async Task<(JsonDocument? Answer, string? Error)> PostAsync(HttpClient http, Uri url, byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        CheckTraffic.Mark(request, "smoke");
        try
        {
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                return (null, string.Create(CultureInfo.InvariantCulture, $"POST {url} answered {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorOf(text)}"));
            }

            try
            {
                return (JsonDocument.Parse(text), null);
            }
            catch (JsonException ex)
            {
                return (null, $"POST {url} answered with invalid JSON: {ex.Message}");
            }
        }
        catch (HttpRequestException ex)
        {
            return (null, $"POST {url} failed: {ex.Message}");
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            // HttpClient reports its own time-out as a cancellation; only the caller's token means "stop".
            return (null, $"POST {url} timed out: {ex.Message}");
        }
    }

    /// <summary>The service's <c>{"error": ...}</c> message, else the body's start.</summary>
    private static string ErrorOf(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
            {
                return e.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not JSON: show the text itself.
        }

        var oneLine = text.ReplaceLineEndings(" ").Trim();
        return oneLine.Length == 0 ? "(empty body)" : oneLine.Length <= 200 ? oneLine : oneLine[..200] + "…";
    }

    private static byte[] Body(SmokeSample sample, int start, int count, out string? badValue)
    {
        badValue = null;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("dataframe_split");
            w.WriteStartArray("columns");
            foreach (var c in sample.Columns)
            {
                w.WriteStringValue(c);
            }

            w.WriteEndArray();
            w.WriteStartArray("data");
            for (var r = start; r < start + count; r++)
            {
                w.WriteStartArray();
                var row = sample.Rows[r];
                for (var c = 0; c < sample.Columns.Count; c++)
                {
                    var value = row[c];
                    var number = sample.Types is { } types ? types[c] == SmokeSample.NumberType : value is not null && JsonNumber().IsMatch(value);
                    if (value is null)
                    {
                        w.WriteNullValue();
                    }
                    else if (!number)
                    {
                        w.WriteStringValue(value);
                    }
                    else if (JsonNumber().IsMatch(value))
                    {
                        // The text itself, not a re-formatted double: the service parses what a CSV file holds.
                        w.WriteRawValue(value, skipInputValidation: true);
                    }
                    else
                    {
                        badValue = string.Create(CultureInfo.InvariantCulture,
                            $"sample row {r}, column '{sample.Columns[c]}': '{value}' is not a number JSON can carry");
                        return [];
                    }
                }

                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Adds a line per differing row; returns why the answer cannot be compared at all, or null.</summary>
    private static string? Compare(SmokeSample sample, int start, int count, JsonElement answer, List<string> mismatches, ref int mismatched)
    {
        if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("predictions", out var predictions) || predictions.ValueKind != JsonValueKind.Array)
        {
            return "the answer has no 'predictions' array";
        }

        if (predictions.GetArrayLength() != count)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{predictions.GetArrayLength()} predictions for {count} rows");
        }

        JsonElement? probabilities = null;
        if (sample.Probabilities is not null)
        {
            if (!answer.TryGetProperty("probabilities", out var p) || p.ValueKind != JsonValueKind.Array)
            {
                return "the answer has no 'probabilities' array, but the registered model is a classifier";
            }

            if (p.GetArrayLength() != count)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{p.GetArrayLength()} probabilities for {count} rows");
            }

            probabilities = p;
        }

        for (var i = 0; i < count; i++)
        {
            var row = start + i;
            var differences = new List<string>(2);
            var actual = predictions[i];
            if (!SamePrediction(sample.Predictions[row], actual))
            {
                differences.Add($"prediction expected {Quote(sample.Predictions[row])}, got {actual.GetRawText()}");
            }

            if (probabilities is { } probs)
            {
                var expected = sample.Probabilities![row];
                if (!SameDouble(expected, probs[i]))
                {
                    differences.Add($"probability expected {Show(expected)}, got {probs[i].GetRawText()}");
                }
            }

            if (differences.Count > 0)
            {
                mismatched++;
                if (mismatches.Count < SmokeResult.MaxMismatchLines)
                {
                    mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"row {row}: {string.Join(", ", differences)}"));
                }
            }
        }

        return null;
    }

    /// <summary>Class text compares as text; a number compares as the double the registered text parses to.</summary>
    private static bool SamePrediction(string expected, JsonElement actual) => actual.ValueKind switch
    {
        JsonValueKind.String => string.Equals(expected, actual.GetString(), StringComparison.Ordinal),
        JsonValueKind.Number => double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && SameDouble(d, actual),

        // The server answers a non-finite score with null; 'mlops predict' writes NaN as an empty field.
        JsonValueKind.Null => expected.Length == 0,
        _ => false,
    };

    private static bool SameDouble(double expected, JsonElement actual) => actual.ValueKind switch
    {
        JsonValueKind.Number => actual.TryGetDouble(out var d) && BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits(expected),
        JsonValueKind.Null => double.IsNaN(expected),
        _ => false,
    };

    private static string Quote(string text) => "\"" + text + "\"";

    private static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>JSON's number grammar (RFC 8259 §6).</summary>
    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}
