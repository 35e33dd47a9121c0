using System.Globalization;
using System.Text.Json;
using Toolkit.Pipelines.Components;

namespace Toolkit.Pipelines.Execution;

/// <summary>
/// One call of a component outside this process: its name, input paths (several per list input),
/// parameters as text, output paths and the values file. It travels as the argument list of
/// <c>mlops component run</c>; <see cref="StepProtocol"/> writes and reads it.
/// </summary>
public sealed record ComponentCall
{
    public required string Component { get; init; }

    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Inputs { get; init; }

    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    public required IReadOnlyDictionary<string, string> Outputs { get; init; }

    /// <summary>Where the component's scalar values go (<see cref="StepProtocol.WriteValuesAsync"/>); null: nowhere.</summary>
    public string? ValuesPath { get; init; }
}

/// <summary>A component argument list that does not follow <see cref="StepProtocol"/>.</summary>
public sealed class StepProtocolException : Exception
{
    public StepProtocolException(string message)
        : base(message)
    {
    }

    public StepProtocolException()
    {
    }

    public StepProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// How a step talks to whatever runs it, defined once for every executor and for
/// <c>mlops component run</c>:
/// <list type="bullet">
/// <item>a component step is the argument list <c>NAME --input k=path ... --param k=v ... --output k=path ... --values path</c>;</item>
/// <item>a <c>run:</c> command sees <c>TOOLKIT_INPUT_&lt;NAME&gt;</c> (paths joined by the path-list separator),
/// <c>TOOLKIT_OUTPUT_&lt;NAME&gt;</c>, <c>TOOLKIT_PARAM_&lt;NAME&gt;</c> (names upper-cased, dashes as underscores),
/// <c>TOOLKIT_VALUES</c>, <c>TOOLKIT_WORK</c>, <c>TOOLKIT_RUN_ID</c> and <c>TOOLKIT_STEP</c>;</item>
/// <item>the values file is a JSON object: numbers and booleans (1/0) are values, strings are labels.</item>
/// </list>
/// </summary>
public static class StepProtocol
{
    public const string InputOption = "--input";
    public const string ParamOption = "--param";
    public const string OutputOption = "--output";
    public const string ValuesOption = "--values";

    public const string InputPrefix = "TOOLKIT_INPUT_";
    public const string OutputPrefix = "TOOLKIT_OUTPUT_";
    public const string ParamPrefix = "TOOLKIT_PARAM_";
    public const string ValuesVariable = "TOOLKIT_VALUES";
    public const string WorkVariable = "TOOLKIT_WORK";
    public const string RunIdVariable = "TOOLKIT_RUN_ID";
    public const string StepVariable = "TOOLKIT_STEP";

    /// <summary>The values file's name inside a step's work or output folder.</summary>
    public const string ValuesFileName = "_values.json";

    /// <summary>A port or parameter name as it appears in a variable name.</summary>
    public static string EnvName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant().Replace('-', '_');
    }

    /// <summary>The argument list of <c>mlops component run</c> (without <c>mlops component run</c>).</summary>
    public static IReadOnlyList<string> ComponentArguments(ComponentCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var args = new List<string> { call.Component };
        foreach (var (name, paths) in call.Inputs)
        {
            foreach (var path in paths)
            {
                args.Add(InputOption);
                args.Add($"{name}={path}");
            }
        }

        foreach (var (name, value) in call.Parameters)
        {
            args.Add(ParamOption);
            args.Add($"{name}={value}");
        }

        foreach (var (name, path) in call.Outputs)
        {
            args.Add(OutputOption);
            args.Add($"{name}={path}");
        }

        if (call.ValuesPath is { } values)
        {
            args.Add(ValuesOption);
            args.Add(values);
        }

        return args;
    }

    /// <summary>
    /// The call from the option values of <c>mlops component run</c>: each <c>name=value</c> split at the
    /// first <c>=</c>, the value kept exactly (a parameter may start or end with spaces); a repeated
    /// input name makes a list, a repeated parameter or output keeps the last.
    /// </summary>
    public static ComponentCall ParseComponentCall(
        string component, IEnumerable<string>? inputs, IEnumerable<string>? parameters, IEnumerable<string>? outputs, string? valuesPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(component);
        var inputLists = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (k, v) in (inputs ?? []).Select(i => Split(i, InputOption)))
        {
            (inputLists.TryGetValue(k, out var list) ? list : inputLists[k] = []).Add(v);
        }

        return new ComponentCall
        {
            Component = component,
            Inputs = inputLists.ToDictionary(i => i.Key, i => (IReadOnlyList<string>)i.Value, StringComparer.Ordinal),
            Parameters = Pairs(parameters, ParamOption),
            Outputs = Pairs(outputs, OutputOption),
            ValuesPath = valuesPath,
        };
    }

    /// <summary>What a <c>run:</c> step gets of the caller's environment without asking: enough to find programs and a home.</summary>
    public static IReadOnlyList<string> BaseVariables { get; } =
        ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "COMSPEC", "PATHEXT", "DOTNET_ROOT"];

    /// <summary>
    /// The caller's variables a <c>run:</c> step may see: <see cref="BaseVariables"/>, the <c>TOOLKIT_*</c>
    /// ones, and what the step's <c>env:</c> names or sets. Tokens and credentials in the caller's
    /// environment reach a step only when the step names them.
    /// </summary>
    public static Dictionary<string, string> InheritedEnvironment(
        System.Collections.IDictionary caller, IReadOnlyList<KeyValuePair<string, string?>> stepEnv, bool includeBase = true)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(stepEnv);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in caller)
        {
            if (entry.Key is string name && entry.Value is string value
                && ((includeBase && BaseVariables.Contains(name, StringComparer.OrdinalIgnoreCase)) || name.StartsWith("TOOLKIT_", StringComparison.Ordinal))
                && !Toolkit.Secrets.SecretMask.NeverInherited.Contains(name))
            {
                result[name] = value;
            }
        }

        foreach (var (name, value) in stepEnv)
        {
            if (value is not null)
            {
                result[name] = value;
            }
            else if (caller[name] is string passed && !Toolkit.Secrets.SecretMask.NeverInherited.Contains(name))
            {
                result[name] = passed;
            }
        }

        return result;
    }

    /// <summary>The environment of a <c>run:</c> command (paths as the command sees them).</summary>
    public static IReadOnlyDictionary<string, string> CommandEnvironment(
        IReadOnlyDictionary<string, IReadOnlyList<string>> inputs,
        IReadOnlyDictionary<string, string> outputs,
        IReadOnlyDictionary<string, string> parameters,
        string valuesPath,
        string workDirectory,
        string runId,
        string step,
        char pathListSeparator)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(parameters);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, paths) in inputs)
        {
            environment[InputPrefix + EnvName(name)] = string.Join(pathListSeparator, paths);
        }

        foreach (var (name, path) in outputs)
        {
            environment[OutputPrefix + EnvName(name)] = path;
        }

        foreach (var (name, value) in parameters)
        {
            environment[ParamPrefix + EnvName(name)] = value;
        }

        environment[ValuesVariable] = valuesPath;
        environment[WorkVariable] = workDirectory;
        environment[RunIdVariable] = runId;
        environment[StepVariable] = step;
        return environment;
    }

    /// <summary>Writes a component's values and labels as the values file.</summary>
    public static async Task WriteValuesAsync(string path, ComponentResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(result);
        await using var stream = File.Create(path);
        await using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        foreach (var (k, v) in result.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (double.IsFinite(v))
            {
                w.WriteNumber(k, v);
            }
            else
            {
                // JSON has no NaN or infinity; a string in the round-trip format reads back as a value.
                w.WriteString(k, v.ToString("R", CultureInfo.InvariantCulture));
            }
        }

        foreach (var (k, v) in result.Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Where(l => !result.Values.ContainsKey(l.Key)))
        {
            w.WriteString(k, v);
        }

        w.WriteEndObject();
        await w.FlushAsync(cancellationToken);
    }

    /// <summary>Reads the values file; a missing file means no values.</summary>
    public static ComponentResult ReadValues(string path)
    {
        if (!File.Exists(path))
        {
            return ComponentResult.Empty;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Value.ValueKind)
                {
                    case JsonValueKind.Number:
                        values[p.Name] = p.Value.GetDouble();
                        break;
                    case JsonValueKind.String when p.Value.GetString() is "NaN" or "Infinity" or "-Infinity":
                        values[p.Name] = double.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture);
                        break;
                    case JsonValueKind.String:
                        labels[p.Name] = p.Value.GetString()!;
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        values[p.Name] = p.Value.GetBoolean() ? 1 : 0;
                        break;
                }
            }

            return new ComponentResult { Values = values, Labels = labels };
        }
        catch (JsonException ex)
        {
            throw new StepFailedException($"the values file '{path}' is not a JSON object: {ex.Message}", 0, ex);
        }
    }

    private static Dictionary<string, string> Pairs(IEnumerable<string>? items, string option)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in (items ?? []).Select(i => Split(i, option)))
        {
            result[k] = v;
        }

        return result;
    }

    private static (string Key, string Value) Split(string item, string option)
    {
        var eq = item.IndexOf('=', StringComparison.Ordinal);
        return eq > 0 ? (item[..eq], item[(eq + 1)..]) : throw new StepProtocolException($"{option} expects name=value, got '{item}'.");
    }
}
