using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;

namespace Toolkit.Ml.Models;

/// <summary>
/// Held-out rows and the model's own answers for them, stored with a registered version: a deployment must
/// answer these rows identically (the smoke test). Values are text exactly as a CSV file carries them, so
/// they mean the same to <c>mlops predict</c> and to the service's <c>/invocations</c>.
/// </summary>
public sealed record SmokeSample
{
    /// <summary>The most rows a sample may hold: it is stored in the registry with every version.</summary>
    public const int MaxRows = 10_000;

    /// <summary><see cref="Types"/> of a numeric column (sent as a JSON number).</summary>
    public const string NumberType = "number";

    /// <summary><see cref="Types"/> of a text column (sent as a JSON string).</summary>
    public const string StringType = "string";

    private const int FormatVersion = 1;

    /// <summary>The model's input columns, in its signature's order.</summary>
    public required IReadOnlyList<string> Columns { get; init; }

    /// <summary>One list per row, one value per column: text as CSV carries it; null is a missing value.</summary>
    public required IReadOnlyList<IReadOnlyList<string?>> Rows { get; init; }

    /// <summary>Per row, exactly what <c>mlops predict</c> writes in its <c>prediction</c> column (empty: no value).</summary>
    public required IReadOnlyList<string> Predictions { get; init; }

    /// <summary>Per row, the positive class's probability (classifiers); null for regression.</summary>
    public IReadOnlyList<double>? Probabilities { get; init; }

    /// <summary>
    /// Per column, <see cref="NumberType"/> or <see cref="StringType"/>: how a value goes into JSON. Null when
    /// unknown; then a value that reads as a JSON number is sent as one.
    /// </summary>
    public IReadOnlyList<string>? Types { get; init; }

    /// <summary>
    /// Up to <paramref name="rows"/> rows of <paramref name="heldOut"/>, chosen by <paramref name="seed"/> (the same
    /// inputs give the same sample) and kept in their original order, with the model's predictions for them.
    /// The predictions are made on the rows as read back from their CSV text, as a service reads them.
    /// </summary>
    public static SmokeSample Take(IScoringModel model, DataTable heldOut, int rows, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (rows is < 0 or > MaxRows)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows,
                string.Create(CultureInfo.InvariantCulture, $"a smoke sample holds 0 to {MaxRows} rows"));
        }

        // Every signature column, as a service requires them all.
        var signature = model.Signature.Columns;
        var missing = signature.FirstOrDefault(c => !heldOut.Contains(c.Name));
        if (missing is not null)
        {
            throw new DataFormatException(
                $"the held-out rows for the smoke sample have no column '{missing.Name}', an input of the model; columns are: {string.Join(", ", heldOut.Columns.Select(c => c.Name))}");
        }

        var chosen = Choose(heldOut.RowCount, rows, seed);
        var inputs = new DataTable(signature.Select(c => heldOut[c.Name])).Take(chosen);
        var csv = ToCsv(inputs);

        // Both readings come from the same bytes: the text is what a client sends, the typed table is what a
        // service (or 'mlops predict' on that text) scores.
        var text = ReadAsText(csv, inputs.Columns.Select(c => c.Name));
        var typed = CsvReader.Read(new MemoryStream(csv, writable: false), "smoke sample", new CsvReadOptions
        {
            ColumnTypes = signature.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal),
        });
        var prediction = model.Predict(typed);
        var output = PredictionOutput.ToTable(prediction);
        var written = ReadAsText(ToCsv(output), output.Columns.Select(c => c.Name));

        return new SmokeSample
        {
            Columns = [.. signature.Select(c => c.Name)],
            Types = [.. signature.Select(c => c.Type == ColumnType.Categorical ? StringType : NumberType)],
            Rows = [.. Enumerable.Range(0, typed.RowCount).Select(r => (IReadOnlyList<string?>)[.. text.Select(column => column[r])])],
            Predictions = [.. written[0].Select(p => p ?? string.Empty)],
            Probabilities = prediction.Classes is null ? null : [.. prediction.Scores],
        };
    }

    /// <summary>The sample as one JSON object (the form the registry stores).</summary>
    public string ToJson()
    {
        if (Problem() is { } problem)
        {
            throw new InvalidOperationException($"the smoke sample cannot be written: {problem}");
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            WriteStrings(w, "columns", Columns);
            if (Types is not null)
            {
                WriteStrings(w, "types", Types);
            }

            w.WriteStartArray("rows");
            foreach (var row in Rows)
            {
                WriteStrings(w, null, row);
            }

            w.WriteEndArray();
            WriteStrings(w, "predictions", Predictions);
            if (Probabilities is not null)
            {
                w.WriteStartArray("probabilities");
                foreach (var p in Probabilities)
                {
                    if (double.IsFinite(p))
                    {
                        w.WriteNumberValue(p);
                    }
                    else
                    {
                        // JSON has no NaN or infinity; their names keep the exact value.
                        w.WriteStringValue(p.ToString(CultureInfo.InvariantCulture));
                    }
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads <see cref="ToJson"/>'s form; bad input is a <see cref="DataFormatException"/> naming <paramref name="source"/> and the field.</summary>
    public static SmokeSample Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw Bad(source, null, $"not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(source, null, "a smoke sample is a JSON object with 'columns', 'rows' and 'predictions'");
            }

            if (root.TryGetProperty("format", out var format)
                && !(format.ValueKind == JsonValueKind.Number && format.TryGetInt32(out var f) && f == FormatVersion))
            {
                throw Bad(source, "format", string.Create(CultureInfo.InvariantCulture, $"must be {FormatVersion} (this toolkit's smoke sample format), got {format.GetRawText()}"));
            }

            var columns = Strings(source, Required(source, root, "columns", JsonValueKind.Array), "columns", nullable: false);
            var types = Optional(source, root, "types") is { } t ? Strings(source, t, "types", nullable: false) : null;
            var rowsElement = Required(source, root, "rows", JsonValueKind.Array);
            if (rowsElement.GetArrayLength() > MaxRows)
            {
                throw Bad(source, "rows", string.Create(CultureInfo.InvariantCulture, $"{rowsElement.GetArrayLength()} rows; a smoke sample holds at most {MaxRows}"));
            }

            var rows = new List<IReadOnlyList<string?>>(rowsElement.GetArrayLength());
            foreach (var row in rowsElement.EnumerateArray())
            {
                var field = string.Create(CultureInfo.InvariantCulture, $"rows[{rows.Count}]");
                if (row.ValueKind != JsonValueKind.Array)
                {
                    throw Bad(source, field, "must be an array of values (one per column)");
                }

                rows.Add(Strings(source, row, field, nullable: true));
            }

            var predictions = Strings(source, Required(source, root, "predictions", JsonValueKind.Array), "predictions", nullable: false);
            List<double>? probabilities = null;
            if (Optional(source, root, "probabilities") is { } p)
            {
                probabilities = [];
                foreach (var e in p.EnumerateArray())
                {
                    probabilities.Add(Probability(source, e, string.Create(CultureInfo.InvariantCulture, $"probabilities[{probabilities.Count}]")));
                }
            }

            var sample = new SmokeSample
            {
                Columns = [.. columns.Select(c => c!)],
                Types = types is null ? null : [.. types.Select(c => c!)],
                Rows = rows,
                Predictions = [.. predictions.Select(c => c!)],
                Probabilities = probabilities,
            };
            if (sample.Problem() is { } problem)
            {
                throw new DataFormatException($"{source}: {problem}");
            }

            return sample;
        }
    }

    /// <summary>What makes this sample unusable (sizes that disagree, too many rows), or null.</summary>
    private string? Problem()
    {
        if (Rows.Count > MaxRows)
        {
            return string.Create(CultureInfo.InvariantCulture, $"field 'rows': {Rows.Count} rows; a smoke sample holds at most {MaxRows}");
        }

        if (Columns.Distinct(StringComparer.Ordinal).Count() != Columns.Count)
        {
            return "field 'columns': a column appears twice";
        }

        if (Types is not null)
        {
            if (Types.Count != Columns.Count)
            {
                return string.Create(CultureInfo.InvariantCulture, $"field 'types': {Types.Count} types for {Columns.Count} columns");
            }

            if (Types.FirstOrDefault(t => t is not (NumberType or StringType)) is { } wrong)
            {
                return $"field 'types': unknown type '{wrong}'; types are '{NumberType}' and '{StringType}'";
            }
        }

        for (var r = 0; r < Rows.Count; r++)
        {
            if (Rows[r].Count != Columns.Count)
            {
                return string.Create(CultureInfo.InvariantCulture, $"field 'rows[{r}]': {Rows[r].Count} values for {Columns.Count} columns");
            }
        }

        if (Predictions.Count != Rows.Count)
        {
            return string.Create(CultureInfo.InvariantCulture, $"field 'predictions': {Predictions.Count} predictions for {Rows.Count} rows");
        }

        if (Probabilities is not null && Probabilities.Count != Rows.Count)
        {
            return string.Create(CultureInfo.InvariantCulture, $"field 'probabilities': {Probabilities.Count} probabilities for {Rows.Count} rows");
        }

        return null;
    }

    /// <summary>A seeded choice of <c>min(rows, count)</c> distinct row indexes, ascending.</summary>
    private static int[] Choose(int count, int rows, int seed)
    {
        var all = Enumerable.Range(0, count).ToArray();
        var take = Math.Min(rows, count);

        // A partial Fisher-Yates shuffle: the first 'take' places are a uniform sample. System.Random with a
        // seed gives the same sequence on every run and platform.
        var random = new Random(seed);
        for (var i = 0; i < take; i++)
        {
            var j = random.Next(i, count);
            (all[i], all[j]) = (all[j], all[i]);
        }

        var chosen = all[..take];
        Array.Sort(chosen);
        return chosen;
    }

    private static byte[] ToCsv(DataTable table)
    {
        using var buffer = new MemoryStream();
        CsvWriter.Write(table, buffer);
        return buffer.ToArray();
    }

    /// <summary>The CSV's fields as the text a file holds (unquoted), missing values as null, column by column.</summary>
    private static List<string?[]> ReadAsText(byte[] csv, IEnumerable<string> names)
    {
        var names2 = names.ToList();
        var table = CsvReader.Read(new MemoryStream(csv, writable: false), "smoke sample", new CsvReadOptions
        {
            ColumnTypes = names2.ToDictionary(n => n, _ => ColumnType.Categorical, StringComparer.Ordinal),
        });
        return [.. names2.Select(n =>
        {
            var column = (CategoricalColumn)table[n];
            return Enumerable.Range(0, table.RowCount).Select(r => column[r]).ToArray();
        })];
    }

    private static void WriteStrings(Utf8JsonWriter w, string? name, IEnumerable<string?> values)
    {
        if (name is null)
        {
            w.WriteStartArray();
        }
        else
        {
            w.WriteStartArray(name);
        }

        foreach (var v in values)
        {
            if (v is null)
            {
                w.WriteNullValue();
            }
            else
            {
                w.WriteStringValue(v);
            }
        }

        w.WriteEndArray();
    }

    private static JsonElement Required(string source, JsonElement root, string name, JsonValueKind kind)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != kind)
        {
            throw Bad(source, name, $"is required and must be a JSON {kind.ToString().ToLowerInvariant()}");
        }

        return value;
    }

    private static JsonElement? Optional(string source, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Array ? value : throw Bad(source, name, "must be an array or null");
    }

    private static List<string?> Strings(string source, JsonElement array, string field, bool nullable)
    {
        var values = new List<string?>(array.GetArrayLength());
        foreach (var e in array.EnumerateArray())
        {
            values.Add(e.ValueKind switch
            {
                JsonValueKind.String => e.GetString(),
                JsonValueKind.Null when nullable => null,
                _ => throw Bad(source, string.Create(CultureInfo.InvariantCulture, $"{field}[{values.Count}]"),
                    $"must be a string{(nullable ? " or null" : "")}, got {e.ValueKind.ToString().ToLowerInvariant()} {Shorten(e.GetRawText())}"),
            });
        }

        return values;
    }

    private static double Probability(string source, JsonElement e, string field) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetDouble(out var d) => d,
        JsonValueKind.String when e.GetString() is "NaN" => double.NaN,
        JsonValueKind.String when e.GetString() is "Infinity" => double.PositiveInfinity,
        JsonValueKind.String when e.GetString() is "-Infinity" => double.NegativeInfinity,
        _ => throw Bad(source, field, $"must be a number, got {Shorten(e.GetRawText())}"),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static DataFormatException Bad(string source, string? field, string problem) =>
        new(field is null ? $"{source}: {problem}" : $"{source}: field '{field}' {problem}");
}
