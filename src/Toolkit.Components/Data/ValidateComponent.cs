using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Data;

/// <summary>A data set that failed its checks; the message lists every failed check.</summary>
public sealed class DataValidationException : Exception
{
    public DataValidationException(string message)
        : base(message)
    {
    }

    public DataValidationException()
    {
    }

    public DataValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// <c>data/validate</c>: checks a data set before training (row count, null fractions, label balance,
/// value ranges), writes a JSON report, and fails the step with every failed check listed.
/// </summary>
internal sealed class ValidateComponent : IComponent
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "data/validate",
        Version = "1",
        Description = "Checks a data set (rows, null fractions, label balance, ranges); writes a report and fails on a violation.",
        Inputs = [new ComponentPort("dataset", "dataset", "the rows to check")],
        Outputs = [new ComponentPort("report", "report", "JSON: every check with its value, limit and result")],
        Parameters =
        [
            new ComponentParameter("label", ParameterType.String, "the label column (must exist, must have no missing values)") { Required = true },
            new ComponentParameter("min_rows", ParameterType.Integer, "the fewest rows allowed") { Default = "100", Minimum = 0 },
            new ComponentParameter("max_null_fraction", ParameterType.Number, "the largest fraction of missing values in any feature column") { Default = "0.5", Minimum = 0, Maximum = 1 },
            new ComponentParameter("min_class_fraction", ParameterType.Number, "classification: the smallest share of the rarer class") { Default = "0.01", Minimum = 0, Maximum = 0.5 },
            new ComponentParameter("ranges", ParameterType.Any, "optional map column: [min, max] of allowed values"),
        ],
        Values = ["rows", "max_null_fraction", "min_class_fraction", "failed_checks"],
    };

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var label = ComponentArgs.Text(context, Descriptor, "label");
        var table = ComponentArgs.ReadDataset(context.Input("dataset"), label, cancellationToken);
        var checks = new List<Check>();

        var minRows = ComponentArgs.Int(context, Descriptor, "min_rows");
        checks.Add(new Check("row_count", "rows", table.RowCount, minRows, ">=", table.RowCount >= minRows));

        var maxNull = ComponentArgs.Number(context, Descriptor, "max_null_fraction");
        var worstNull = 0.0;
        foreach (var column in table.Features)
        {
            var fraction = table.RowCount == 0 ? 0 : (double)column.CountMissing() / table.RowCount;
            worstNull = Math.Max(worstNull, fraction);
            checks.Add(new Check("null_fraction", column.Name, fraction, maxNull, "<=", fraction <= maxNull));
        }

        var labelColumn = table[label];
        var labelMissing = labelColumn.CountMissing();
        checks.Add(new Check("label_missing", label, labelMissing, 0, "<=", labelMissing == 0));

        var minClass = double.NaN;
        var distinct = Enumerable.Range(0, labelColumn.Length).Where(i => !labelColumn.IsMissing(i))
            .GroupBy(i => labelColumn.GetDouble(i)).Select(g => g.Count()).ToList();
        if (labelColumn is CategoricalColumn || distinct.Count == 2)
        {
            var limit = ComponentArgs.Number(context, Descriptor, "min_class_fraction");
            minClass = distinct.Count < 2 ? 0 : (double)distinct.Min() / distinct.Sum();
            checks.Add(new Check("class_balance", label, minClass, limit, ">=", minClass >= limit));
        }

        if (ComponentArgs.OptionalText(context, "ranges") is { } rangesJson)
        {
            checks.AddRange(CheckRanges(table, rangesJson));
        }

        var failed = checks.Where(c => !c.Passed).ToList();
        using (var stream = File.Create(context.Output("report")))
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("rows", table.RowCount);
            w.WriteBoolean("passed", failed.Count == 0);
            w.WriteStartArray("checks");
            foreach (var c in checks)
            {
                w.WriteStartObject();
                w.WriteString("check", c.Name);
                w.WriteString("subject", c.Subject);
                w.WriteNumber("value", c.Value);
                w.WriteString("op", c.Op);
                w.WriteNumber("limit", c.Limit);
                w.WriteBoolean("passed", c.Passed);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        foreach (var c in failed)
        {
            context.Log.WriteLine($"FAILED {c}");
        }

        if (failed.Count > 0)
        {
            throw new DataValidationException($"{failed.Count} data check(s) failed: {string.Join("; ", failed)}");
        }

        context.Log.WriteLine($"all {checks.Count} data checks passed on {table.RowCount} rows");
        var values = new Dictionary<string, double>
        {
            ["rows"] = table.RowCount,
            ["max_null_fraction"] = worstNull,
            ["failed_checks"] = 0,
        };
        if (!double.IsNaN(minClass))
        {
            values["min_class_fraction"] = minClass;
        }

        return Task.FromResult(new ComponentResult { Values = values });
    }

    private static IEnumerable<Check> CheckRanges(DataTable table, string json)
    {
        using var doc = JsonDocument.Parse(json);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (!table.Contains(p.Name))
            {
                yield return new Check("range", p.Name, double.NaN, double.NaN, "exists", false);
                continue;
            }

            var bounds = p.Value.EnumerateArray().Select(e => double.Parse(e.GetString() ?? e.GetRawText(), CultureInfo.InvariantCulture)).ToArray();
            var column = table[p.Name];
            var outside = Enumerable.Range(0, column.Length).Count(i => !column.IsMissing(i) && (column.GetDouble(i) < bounds[0] || column.GetDouble(i) > bounds[1]));
            yield return new Check("range", p.Name, outside, 0, "<=", outside == 0);
        }
    }

    private sealed record Check(string Name, string Subject, double Value, double Limit, string Op, bool Passed)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Name} of '{Subject}' is {Value:0.####}, must be {Op} {Limit:0.####}");
    }
}
