using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components;

/// <summary>A component's parameter or input that is missing or has a bad value (a usage error, exit code 2).</summary>
public sealed class ComponentArgumentException : Exception
{
    public ComponentArgumentException(string message)
        : base(message)
    {
    }

    public ComponentArgumentException()
    {
    }

    public ComponentArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Typed reads of a component's text parameters, with errors that name the component and parameter.</summary>
internal static class ComponentArgs
{
    public static string Text(ComponentContext context, ComponentDescriptor descriptor, string name) =>
        context.Parameter(name) is { Length: > 0 } v
            ? v
            : throw new ComponentArgumentException($"{descriptor.Name}: parameter '{name}' is required.");

    public static string? OptionalText(ComponentContext context, string name) =>
        context.Parameter(name) is { Length: > 0 } v ? v : null;

    public static int Int(ComponentContext context, ComponentDescriptor descriptor, string name) =>
        int.Parse(Checked(context, descriptor, name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public static double Number(ComponentContext context, ComponentDescriptor descriptor, string name) =>
        double.Parse(Checked(context, descriptor, name), NumberStyles.Float, CultureInfo.InvariantCulture);

    public static bool Bool(ComponentContext context, ComponentDescriptor descriptor, string name) =>
        bool.Parse(Checked(context, descriptor, name));

    // The declared parameter's own check (type and range), the same one `pipeline validate` applies.
    private static string Checked(ComponentContext context, ComponentDescriptor descriptor, string name)
    {
        var text = Text(context, descriptor, name);
        var declared = descriptor.Parameters.FirstOrDefault(p => p.Name == name)
            ?? throw new InvalidOperationException($"{descriptor.Name} reads parameter '{name}', which it does not declare");
        return declared.Problem(text) is { } problem
            ? throw new ComponentArgumentException($"{descriptor.Name}: {problem}.")
            : text;
    }

    /// <summary>Datasets travel between steps as CSV; the label column, when named, must exist.</summary>
    public static DataTable ReadDataset(string path, string? label, CancellationToken cancellationToken) =>
        CsvReader.Read(path, new CsvReadOptions { Label = label }, cancellationToken);

    /// <summary>
    /// The rows of a step given as features and label apart (<c>x_*</c> and <c>y_*</c> of data/split-xy), joined
    /// column-wise; the two files must hold the same rows in the same order.
    /// </summary>
    public static DataTable ReadXy(
        ComponentContext context, ComponentDescriptor descriptor, string whole, string x, string y, string? label,
        IReadOnlyDictionary<string, ColumnType>? types, CancellationToken cancellationToken)
    {
        if (!context.Inputs.TryGetValue(x, out var xs) || xs.Count == 0 || !context.Inputs.TryGetValue(y, out var ys) || ys.Count == 0)
        {
            throw new ComponentArgumentException($"{descriptor.Name}: wire input '{whole}', or both '{x}' and '{y}'.");
        }

        var features = CsvReader.Read(xs[0], new CsvReadOptions { ColumnTypes = TypesIn(xs[0], types) }, cancellationToken);
        var target = CsvReader.Read(ys[0], new CsvReadOptions { Label = label, ColumnTypes = TypesIn(ys[0], types) }, cancellationToken);
        if (target.RowCount != features.RowCount)
        {
            throw new ComponentArgumentException(
                $"{descriptor.Name}: '{x}' has {features.RowCount} rows but '{y}' has {target.RowCount}; they must be the same rows.");
        }

        if (label is not null && !target.Contains(label))
        {
            throw new ComponentArgumentException($"{descriptor.Name}: '{y}' has no column '{label}'; its columns are: {ColumnNames.List(target)}.");
        }

        return new DataTable(features.Columns.Concat(target.Columns), label);
    }

    // The reader refuses a type for a column a file lacks: keep the types of the columns in this file's header.
    private static Dictionary<string, ColumnType>? TypesIn(string path, IReadOnlyDictionary<string, ColumnType>? types)
    {
        if (types is null)
        {
            return null;
        }

        var header = File.ReadLines(path).FirstOrDefault()?.Split(',').Select(h => h.Trim().Trim('"')).ToHashSet(StringComparer.Ordinal) ?? [];
        return types.Where(t => header.Contains(t.Key)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
    }

    public static void WriteDataset(DataTable table, string path, CancellationToken cancellationToken) =>
        CsvWriter.Write(table, path, cancellationToken);
}
