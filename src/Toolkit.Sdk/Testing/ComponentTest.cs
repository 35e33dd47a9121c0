using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Pipelines.Components;

namespace Toolkit.Sdk;

/// <summary>What a component run by <see cref="ComponentTest"/> produced.</summary>
public sealed class ComponentTestResult
{
    internal ComponentTestResult(
        ComponentResult result, IReadOnlyDictionary<string, DataTable> datasets, IReadOnlyDictionary<string, byte[]> files, string log)
    {
        Values = result.Values;
        Labels = result.Labels;
        Datasets = datasets;
        Files = files;
        Log = log;
    }

    /// <summary>The scalar values the component reported (metrics), by name.</summary>
    public IReadOnlyDictionary<string, double> Values { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Every output of kind <c>dataset</c>, read back as a table (the way the next step would read it).</summary>
    public IReadOnlyDictionary<string, DataTable> Datasets { get; }

    /// <summary>Every output's bytes, by output name.</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>What the component wrote to its log.</summary>
    public string Log { get; }

    public DataTable Dataset(string name) =>
        Datasets.TryGetValue(name, out var table)
            ? table
            : throw new KeyNotFoundException($"no dataset output '{name}'; dataset outputs: {string.Join(", ", Datasets.Keys)}");
}

/// <summary>
/// Runs a component on in-memory tables, the way a pipeline step would: the inputs are written as CSV
/// files, the parameters get the declared defaults and are checked as <c>pipeline validate</c> checks them,
/// and the outputs are read back. One line in a team's unit test.
/// </summary>
public static class ComponentTest
{
    public static async Task<ComponentTestResult> RunAsync(
        IComponent component,
        IReadOnlyDictionary<string, DataTable> inputs,
        IReadOnlyDictionary<string, string>? parameters = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(component);
        ArgumentNullException.ThrowIfNull(inputs);
        var d = component.Descriptor;
        foreach (var name in inputs.Keys.Where(k => !d.Inputs.Any(i => i.Name == k)))
        {
            throw new ArgumentException($"{d.Name} has no input '{name}'; its inputs: {Names(d.Inputs.Select(i => i.Name))}", nameof(inputs));
        }

        foreach (var missing in d.Inputs.Where(i => i.Required && !inputs.ContainsKey(i.Name)))
        {
            throw new ArgumentException($"{d.Name} needs input '{missing.Name}'", nameof(inputs));
        }

        var resolved = ParameterCheck.Resolve(d.Name, d.Parameters, d.OpenParameters, parameters);
        var folder = Directory.CreateTempSubdirectory("toolkit-component-test-").FullName;
        try
        {
            var inputPaths = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            Directory.CreateDirectory(Path.Combine(folder, "inputs"));
            Directory.CreateDirectory(Path.Combine(folder, "outputs"));
            foreach (var (name, table) in inputs)
            {
                var path = Path.Combine(folder, "inputs", name + ".csv");
                CsvWriter.Write(table, path, cancellationToken);
                inputPaths[name] = [path];
            }

            var outputs = d.Outputs.ToDictionary(
                o => o.Name, o => Path.Combine(folder, "outputs", o.Kind == "dataset" ? o.Name + ".csv" : o.Name), StringComparer.Ordinal);
            using var log = new StringWriter();
            var result = await component.RunAsync(new ComponentContext
            {
                Inputs = inputPaths,
                Parameters = resolved,
                Outputs = outputs,
                Log = log,
                ProjectDirectory = folder,
            }, cancellationToken);

            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var datasets = new Dictionary<string, DataTable>(StringComparer.Ordinal);
            foreach (var o in d.Outputs)
            {
                var path = outputs[o.Name];
                if (!File.Exists(path))
                {
                    throw new InvalidOperationException($"{d.Name} did not write its output '{o.Name}'");
                }

                files[o.Name] = await File.ReadAllBytesAsync(path, cancellationToken);
                if (o.Kind == "dataset")
                {
                    datasets[o.Name] = CsvReader.Read(path, ct: cancellationToken);
                }
            }

            return new ComponentTestResult(result, datasets, files, log.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Names(IEnumerable<string> names) => string.Join(", ", names) is { Length: > 0 } list ? list : "none";
}
