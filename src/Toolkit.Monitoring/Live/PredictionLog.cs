using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Monitoring.Live;

/// <summary>
/// Live rows: the model's inputs as a table in the signature's columns and types, the model's scores for
/// them when known (the positive class's probability, or the predicted value), and request ids when the
/// source carries them (for joining labels).
/// </summary>
internal sealed record LiveRows
{
    public required DataTable Inputs { get; init; }

    /// <summary>One score per row; null when the source holds none (a CSV: the model scores it).</summary>
    public double[]? Scores { get; init; }

    /// <summary>One id per row when every row has one; else null (labels are joined by row order).</summary>
    public string[]? RequestIds { get; init; }

    /// <summary>The files read, oldest first.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}

/// <summary>
/// Reads the model server's JSONL prediction log (docs/serving.md, "Prediction log"): the current file and
/// its rotated predecessors (<c>NAME.N.jsonl</c> … <c>NAME.1.jsonl</c>, then <c>NAME.jsonl</c>), oldest row
/// first. Each line's <c>inputs</c> must hold every input of the signature (a missing value is <c>null</c>);
/// a line that does not is an error naming the file, the line and the field.
/// </summary>
internal static class PredictionLog
{
    /// <summary>The log files of <paramref name="path"/>, oldest first: the rotated ones by number, highest first, then the current one.</summary>
    public static IReadOnlyList<string> FilesOf(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        var stem = Path.GetFileNameWithoutExtension(full);
        var extension = Path.GetExtension(full);
        var rotated = new List<(int N, string File)>();
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, stem + ".*" + extension))
            {
                var middle = Path.GetFileName(file)[(stem.Length + 1)..^extension.Length];
                if (int.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
                {
                    rotated.Add((n, file));
                }
            }
        }

        var files = rotated.OrderByDescending(r => r.N).Select(r => r.File).ToList();
        if (File.Exists(full))
        {
            files.Add(full);
        }

        if (files.Count == 0)
        {
            throw new DataFormatException($"{path}: no prediction log there (nor rotated files {stem}.N{extension} beside it).");
        }

        return files;
    }

    public static LiveRows Read(string path, Schema signature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var files = FilesOf(path);
        var columns = signature.Columns;
        var numbers = columns.Select(c => c.Type == ColumnType.Categorical ? null : new List<double>()).ToArray();
        var texts = columns.Select(c => c.Type == ColumnType.Categorical ? new List<string?>() : null).ToArray();
        var scores = new List<double>();
        var ids = new List<string?>();
        var allScored = true;
        foreach (var file in files)
        {
            var lineNumber = 0L;
            foreach (var line in File.ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                using var document = Parse(line, file, lineNumber);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Object)
                {
                    throw new DataFormatException(file, lineNumber, null, "inputs", "a prediction log line is an object with an 'inputs' object");
                }

                for (var c = 0; c < columns.Count; c++)
                {
                    var name = columns[c].Name;
                    if (!inputs.TryGetProperty(name, out var value))
                    {
                        throw new DataFormatException(file, lineNumber, name, "inputs." + name,
                            $"the logged row has no '{name}', an input of the model; the log does not match the signature ({string.Join(", ", columns.Select(x => x.Name))})");
                    }

                    if (texts[c] is { } text)
                    {
                        text.Add(value.ValueKind switch
                        {
                            JsonValueKind.Null => null,
                            JsonValueKind.String => value.GetString(),
                            JsonValueKind.Number => value.GetRawText(),
                            _ => throw new DataFormatException(file, lineNumber, name, "inputs." + name, $"a category is a string or null, not {value.ValueKind.ToString().ToLowerInvariant()}"),
                        });
                    }
                    else
                    {
                        numbers[c]!.Add(value.ValueKind switch
                        {
                            JsonValueKind.Null => double.NaN,
                            JsonValueKind.Number => value.GetDouble(),
                            _ => throw new DataFormatException(file, lineNumber, name, "inputs." + name, $"'{name}' is numeric in the model's signature; the log holds {value.ValueKind.ToString().ToLowerInvariant()} {Shorten(value.GetRawText())}"),
                        });
                    }
                }

                var score = Score(root);
                allScored &= score is not null;
                scores.Add(score ?? double.NaN);
                ids.Add(root.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null);
            }
        }

        var table = new DataTable(columns.Select((c, i) => Column(c, numbers[i], texts[i])));
        return new LiveRows
        {
            Inputs = table,
            Scores = allScored && scores.Count > 0 ? [.. scores] : null,
            RequestIds = ids.Count > 0 && ids.All(i => i is not null) ? [.. ids!] : null,
            Files = files,
        };
    }

    /// <summary>The probability for a classifier, the predicted value for regression; null when the line has neither.</summary>
    private static double? Score(JsonElement root)
    {
        if (root.TryGetProperty("probability", out var p))
        {
            return p.ValueKind == JsonValueKind.Number ? p.GetDouble() : double.NaN;
        }

        if (root.TryGetProperty("prediction", out var v))
        {
            return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        }

        return null;
    }

    private static Column Column(ColumnSchema schema, List<double>? numbers, List<string?>? texts) => schema.Type switch
    {
        ColumnType.Categorical => CategoricalColumn.FromValues(schema.Name, texts!),
        ColumnType.Float32 => new Float32Column(schema.Name, [.. numbers!.Select(v => (float)v)]),
        _ => new Float64Column(schema.Name, [.. numbers!]),
    };

    private static JsonDocument Parse(string line, string file, long lineNumber)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new DataFormatException(file, lineNumber, null, null, $"not a JSON line: {ex.Message}");
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
