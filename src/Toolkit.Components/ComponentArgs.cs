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

    public static void WriteDataset(DataTable table, string path, CancellationToken cancellationToken) =>
        CsvWriter.Write(table, path, cancellationToken);
}
