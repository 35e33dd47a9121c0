using System.Security.Cryptography;
using System.Text.Json;
using Toolkit.Ml.Models;
using Toolkit.Pipelines.Components;

namespace Toolkit.Components.Data;

/// <summary><c>data/load-csv</c>: brings a CSV file from the project into the pipeline (checked as it is read).</summary>
internal sealed class LoadCsvComponent : IComponent, IExternalInputs, IHostInputs
{
    /// <summary>The input the runner records with every run: which file was read and its SHA-256 (a small JSON document).</summary>
    internal const string SourceInput = "source";

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "data/load-csv",
        Version = "1",
        Description = "Reads a CSV file (path relative to the working folder), checks it parses, and stores it as a dataset.",
        Inputs = [new ComponentPort(SourceInput, "file", "made by the runner: the file's path and SHA-256, recorded with the run") { Required = false }],
        Outputs = [new ComponentPort("dataset", "dataset", "the rows (CSV)")],
        Parameters =
        [
            new ComponentParameter("path", ParameterType.String, "the CSV file") { Required = true },
            new ComponentParameter("label", ParameterType.String, "a column that must exist (optional)"),
        ],
        // data_digest (the content digest `mlops data fingerprint` prints) is recorded with every run, so
        // `mlops trigger check` can tell whether the data changed since a version was trained.
        Values = ["rows", "data_digest"],
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

    /// <summary>
    /// <c>{"path": ..., "sha256": ...}</c> of the file, so each run records which input it read (a step input,
    /// in the metadata store); the content digest of the rows is the step's <c>data_digest</c> value.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, byte[]>> HostInputsAsync(
        IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (await ExternalDigestAsync(parameters, projectDirectory, cancellationToken) is not { } digest)
        {
            return new Dictionary<string, byte[]>(); // the step itself says the file is missing
        }

        var source = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["path"] = parameters["path"].Replace('\\', '/'),
            ["sha256"] = digest,
        });
        return new Dictionary<string, byte[]>(StringComparer.Ordinal) { [SourceInput] = source };
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
        return Task.FromResult(new ComponentResult
        {
            Values = new Dictionary<string, double> { ["rows"] = table.RowCount },
            Labels = new Dictionary<string, string> { ["data_digest"] = DataDigest.Compute(table) },
        });
    }
}
