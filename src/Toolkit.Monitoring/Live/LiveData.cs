using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Monitoring.Live;

/// <summary>Reads live rows (a CSV) and their labels the way the model expects them.</summary>
internal static class LiveData
{
    /// <summary>The column that joins labels to logged rows when both carry it.</summary>
    public const string RequestIdColumn = "request_id";

    /// <summary>
    /// Live rows from a CSV: every input of the model's signature must be there (in the signature's types);
    /// other columns (a label, an id) are left out. The model scores the rows.
    /// </summary>
    public static LiveRows ReadCsv(string path, IScoringModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: the file does not exist.");
        }

        var signature = model.Signature.Columns;
        var header = Header(path);
        var missing = signature.Where(c => !header.Contains(c.Name)).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            throw new DataFormatException(
                $"{path}: the columns do not match the model's signature: missing {string.Join(", ", missing)}; the model's inputs are {string.Join(", ", signature.Select(c => c.Name))}.");
        }

        var table = CsvReader.Read(path, new CsvReadOptions
        {
            ColumnTypes = signature.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal),
        }, cancellationToken);

        var inputs = new DataTable(signature.Select(c => table[c.Name]));
        return new LiveRows
        {
            Inputs = inputs,
            Scores = inputs.RowCount == 0 ? [] : model.Predict(inputs).Scores,
            RequestIds = table.Contains(RequestIdColumn) ? Ids(table[RequestIdColumn]) : null,
            Files = [Path.GetFullPath(path)],
        };
    }

    /// <summary>
    /// The labels of <paramref name="rows"/>, encoded as the model's metrics take them (0/1 or the value): joined by
    /// <c>request_id</c> when the labels file and the rows both have one, else by row order (then the counts must agree).
    /// Returns the labels and the scores of the rows they belong to.
    /// </summary>
    public static (double[] Labels, double[] Scores, string JoinedBy) Join(string labelsPath, IScoringModel model, LiveRows rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        if (!File.Exists(labelsPath))
        {
            throw new DataFormatException($"{labelsPath}: the file does not exist.");
        }

        var scores = rows.Scores ?? throw new DataFormatException($"{labelsPath}: the live rows carry no predictions to judge against the labels.");
        DataTable table;
        try
        {
            table = CsvReader.Read(labelsPath, new CsvReadOptions
            {
                Label = model.Label,
                LabelValues = model.Task == ModelTask.BinaryClassification ? model.Classes : null,
                ColumnTypes = Header(labelsPath).Contains(RequestIdColumn)
                    ? new Dictionary<string, ColumnType>(StringComparer.Ordinal) { [RequestIdColumn] = ColumnType.Categorical }
                    : null,
            }, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new DataFormatException($"{labelsPath}: {ex.Message}", ex);
        }

        double[] labels;
        try
        {
            labels = model.EncodeLabel(table);
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException($"{labelsPath}: {ex.Message}", ex);
        }

        if (table.Contains(RequestIdColumn) && rows.RequestIds is { } rowIds)
        {
            var byId = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < rowIds.Length; i++)
            {
                byId.TryAdd(rowIds[i], i);
            }

            var ids = Ids(table[RequestIdColumn]);
            var joinedLabels = new List<double>();
            var joinedScores = new List<double>();
            for (var i = 0; i < ids.Length; i++)
            {
                if (byId.TryGetValue(ids[i], out var at))
                {
                    joinedLabels.Add(labels[i]);
                    joinedScores.Add(scores[at]);
                }
            }

            if (joinedLabels.Count == 0)
            {
                throw new DataFormatException($"{labelsPath}: no {RequestIdColumn} of the labels matches a live row.");
            }

            return ([.. joinedLabels], [.. joinedScores], RequestIdColumn);
        }

        if (labels.Length != scores.Length)
        {
            throw new DataFormatException(
                $"{labelsPath}: {labels.Length} labels for {scores.Length} live rows; labels are joined by row order (or by a {RequestIdColumn} column both carry), so the counts must agree.");
        }

        return (labels, scores, "row order");
    }

    /// <summary>The names in a CSV file's first line (quotes removed), to name what is missing before reading the rows.</summary>
    private static HashSet<string> Header(string path)
    {
        using var reader = new StreamReader(path);
        var line = reader.ReadLine() ?? string.Empty;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"' && quoted && i + 1 < line.Length && line[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                names.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        names.Add(field.ToString().Trim());
        return names;
    }

    private static string[] Ids(Column column) =>
        [.. Enumerable.Range(0, column.Length).Select(i => column is CategoricalColumn c ? c[i] ?? string.Empty : column.GetDouble(i).ToString("R", System.Globalization.CultureInfo.InvariantCulture))];
}
