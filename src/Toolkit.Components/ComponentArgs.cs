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
        int.TryParse(Text(context, descriptor, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ComponentArgumentException($"{descriptor.Name}: parameter '{name}' must be an integer, not '{context.Parameter(name)}'.");

    public static double Number(ComponentContext context, ComponentDescriptor descriptor, string name) =>
        double.TryParse(Text(context, descriptor, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new ComponentArgumentException($"{descriptor.Name}: parameter '{name}' must be a number, not '{context.Parameter(name)}'.");

    public static bool Bool(ComponentContext context, ComponentDescriptor descriptor, string name) =>
        bool.TryParse(Text(context, descriptor, name), out var v)
            ? v
            : throw new ComponentArgumentException($"{descriptor.Name}: parameter '{name}' must be true or false, not '{context.Parameter(name)}'.");

    /// <summary>Datasets travel between steps as CSV; the label column, when named, must exist.</summary>
    public static DataTable ReadDataset(string path, string? label, CancellationToken cancellationToken) =>
        CsvReader.Read(path, new CsvReadOptions { Label = label }, cancellationToken);

    public static void WriteDataset(DataTable table, string path, CancellationToken cancellationToken) =>
        CsvWriter.Write(table, path, cancellationToken);
}
