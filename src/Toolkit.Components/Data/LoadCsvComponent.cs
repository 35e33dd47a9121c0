using System.Security.Cryptography;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Data;

/// <summary><c>data/load-csv</c>: brings a CSV file from the project into the pipeline (checked as it is read).</summary>
internal sealed class LoadCsvComponent : IComponent, IExternalInputs
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "data/load-csv",
        Version = "1",
        Description = "Reads a CSV file (path relative to the working folder), checks it parses, and stores it as a dataset.",
        Outputs = [new ComponentPort("dataset", "dataset", "the rows (CSV)")],
        Parameters =
        [
            new ComponentParameter("path", ParameterType.String, "the CSV file") { Required = true },
            new ComponentParameter("label", ParameterType.String, "a column that must exist (optional)"),
        ],
        Values = ["rows"],
    };

    /// <summary>The file's content is part of the cache key: editing the file reruns the pipeline from here.</summary>
    public async Task<string?> ExternalDigestAsync(IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.TryGetValue("path", out var relative) || Path.GetFullPath(relative, projectDirectory) is not { } path || !File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var given = ComponentArgs.Text(context, Descriptor, "path");
        var path = context.ProjectPath(given);
        if (!File.Exists(path))
        {
            throw new ComponentArgumentException($"{Descriptor.Name}: file '{given}' does not exist (relative to {context.ProjectDirectory ?? Environment.CurrentDirectory}).");
        }

        var table = ComponentArgs.ReadDataset(path, ComponentArgs.OptionalText(context, "label"), cancellationToken);
        var output = context.Output("dataset");
        ComponentArgs.WriteDataset(table, output, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            // The copy is as private as the file it came from; the store keeps that (never more readable than its source).
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            File.SetUnixFileMode(output, File.GetUnixFileMode(output) & (File.GetUnixFileMode(path) | ~others));
        }

        context.Log.WriteLine($"loaded {table.RowCount} rows x {table.ColumnCount} columns from {given}");
        return Task.FromResult(new ComponentResult { Values = new Dictionary<string, double> { ["rows"] = table.RowCount } });
    }
}
