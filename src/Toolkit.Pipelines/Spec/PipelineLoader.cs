using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Toolkit.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Pipelines.Spec;

/// <summary>The result of loading a pipeline file: the spec (null when unusable) and every problem found.</summary>
public sealed record LoadResult(PipelineSpec? Spec, IReadOnlyList<PipelineDiagnostic> Diagnostics)
{
    public bool Succeeded => Spec is not null && Diagnostics.Count == 0;
}

/// <summary>
/// Reads a pipeline YAML file into a <see cref="PipelineSpec"/>, checking its structure: required and
/// unknown fields, value shapes. Every problem is reported with its line and column, all at once.
/// </summary>
public static partial class PipelineLoader
{
    public const string ApiVersion = "toolkit/v1";

    private static readonly string[] TopFields = ["apiVersion", "kind", "name", "description", "params", "steps"];
    private static readonly string[] StepFields =
        ["name", "uses", "run", "image", "with", "inputs", "outputs", "needs", "when", "retries", "timeout", "resources", "cache", "network", "env"];

    public static LoadResult LoadFile(string path) => LoadFile(path, path);

    /// <summary>Reads <paramref name="path"/> (bounded, strictly decoded); <paramref name="file"/> names it in messages.</summary>
    public static LoadResult LoadFile(string path, string file)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Pipeline file '{file}' does not exist.", file);
        }

        var (text, problem) = YamlText.ReadFile(path);
        return problem is null
            ? Load(text!, file)
            : new LoadResult(null, [new PipelineDiagnostic(file, new Position(problem.Position.Line, problem.Position.Column), problem.Message)]);
    }

    public static LoadResult Load(string yaml, string file)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var errors = new List<PipelineDiagnostic>();
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)));
        var load = YamlText.Load(yaml, "a pipeline file is a YAML mapping with apiVersion, kind, name and steps");
        if (load.Problem is { } problem)
        {
            errors.Add(new PipelineDiagnostic(file, new Position(problem.Position.Line, problem.Position.Column), problem.Message));
            return new LoadResult(null, errors);
        }

        if (load.Root is not YamlMappingNode root)
        {
            errors.Add(new PipelineDiagnostic(file, Pos(load.Root!), "a pipeline file is a YAML mapping with apiVersion, kind, name and steps"));
            return new LoadResult(null, errors);
        }

        var reader = new Reader(file, errors);
        var fields = reader.Fields(root, TopFields, "pipeline");
        var api = reader.RequiredScalar(fields, "apiVersion", root);
        if (api is not null && api.Text != ApiVersion)
        {
            reader.Error(api.Position, $"apiVersion must be '{ApiVersion}', not '{api.Text}'");
        }

        var kind = reader.RequiredScalar(fields, "kind", root);
        if (kind is not null && kind.Text != "Pipeline")
        {
            reader.Error(kind.Position, $"kind must be 'Pipeline', not '{kind.Text}'");
        }

        var name = reader.RequiredScalar(fields, "name", root);
        if (name is not null && !NamePattern().IsMatch(name.Text))
        {
            reader.Error(name.Position, $"pipeline name '{name.Text}' must be lowercase letters, digits and dashes");
        }

        var description = fields.TryGetValue("description", out var d) ? reader.Scalar(d, "description")?.Text : null;
        var parameters = fields.TryGetValue("params", out var p) ? ReadParams(reader, p) : [];
        var steps = new List<StepSpec>();
        if (!fields.TryGetValue("steps", out var stepsNode))
        {
            reader.Error(Pos(root), "missing required field 'steps'");
        }
        else if (stepsNode is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            reader.Error(Pos(stepsNode), "'steps' must be a non-empty list of steps");
        }
        else
        {
            foreach (var node in seq.Children)
            {
                if (ReadStep(reader, node) is { } step)
                {
                    steps.Add(step);
                }
            }
        }

        var spec = name is null
            ? null
            : new PipelineSpec
            {
                File = file,
                Name = name.Text,
                Description = description,
                Params = parameters,
                Steps = steps,
                Digest = digest,
            };
        return new LoadResult(spec, errors);
    }

    private static List<PipelineParam> ReadParams(Reader reader, YamlNode node)
    {
        var result = new List<PipelineParam>();
        if (node is not YamlMappingNode map)
        {
            reader.Error(Pos(node), "'params' must be a mapping of name: default (or name: { type, default, description })");
            return result;
        }

        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (!IdentifierPattern().IsMatch(key))
            {
                reader.Error(Pos(keyNode), $"parameter name '{key}' must be letters, digits and underscores");
                continue;
            }

            if (valueNode is YamlMappingNode detail)
            {
                var f = reader.Fields(detail, ["type", "default", "description"], $"parameter '{key}'");
                var def = reader.RequiredScalar(f, "default", detail);
                var typeText = f.TryGetValue("type", out var t) ? reader.Scalar(t, "type")?.Text : null;
                ParamType type;
                if (typeText is null)
                {
                    type = def is null ? ParamType.String : InferType(def);
                }
                else if (!TryParseType(typeText, out type))
                {
                    reader.Error(Pos(t!), $"unknown parameter type '{typeText}'; valid types: string, int, number, bool");
                    continue;
                }

                if (def is not null && !ParamValues.Fits(type, def.Text))
                {
                    reader.Error(def.Position, $"default '{def.Text}' of parameter '{key}' is not a {ParamValues.Describe(type)}");
                }

                var desc = f.TryGetValue("description", out var dd) ? reader.Scalar(dd, "description")?.Text : null;
                result.Add(new PipelineParam(key, type, def?.Text ?? "", desc, Pos(keyNode)));
            }
            else if (reader.Scalar(valueNode, $"parameter '{key}'") is { } scalar)
            {
                result.Add(new PipelineParam(key, InferType(scalar), scalar.Text, null, Pos(keyNode)));
            }
        }

        return result;
    }

    private static StepSpec? ReadStep(Reader reader, YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            reader.Error(Pos(node), "a step must be a mapping with at least 'name' and 'uses' or 'run'");
            return null;
        }

        var f = reader.Fields(map, StepFields, "step");
        var name = reader.RequiredScalar(f, "name", map);
        if (name is null)
        {
            return null;
        }

        if (!NamePattern().IsMatch(name.Text))
        {
            reader.Error(name.Position, $"step name '{name.Text}' must be lowercase letters, digits and dashes, starting with a letter");
        }

        var uses = f.TryGetValue("uses", out var u) ? reader.Scalar(u, "uses") : null;
        var run = f.TryGetValue("run", out var r) ? reader.Scalar(r, "run") : null;
        if (uses is null && run is null)
        {
            reader.Error(Pos(map), $"step '{name.Text}' needs 'uses' (a component) or 'run' (a command)");
        }
        else if (uses is not null && run is not null)
        {
            reader.Error(run.Position, $"step '{name.Text}' has both 'uses' and 'run'; choose one");
        }

        var image = f.TryGetValue("image", out var im) ? reader.Scalar(im, "image") : null;
        var with = f.TryGetValue("with", out var w) ? ReadWith(reader, w) : [];
        var inputs = f.TryGetValue("inputs", out var i) ? ReadInputs(reader, i) : [];
        var outputs = new List<string>();
        var hasOutputs = f.TryGetValue("outputs", out var o);
        foreach (var output in hasOutputs ? reader.ScalarList(o!, "outputs") : [])
        {
            // An output name becomes a file name in the store: a name, never a path.
            if (OutputNamePattern().IsMatch(output.Text))
            {
                // Two names that become one TOOLKIT_OUTPUT_ variable would be one file written twice.
                var variable = output.Text.ToUpperInvariant().Replace('-', '_');
                if (outputs.FirstOrDefault(x => x.ToUpperInvariant().Replace('-', '_') == variable) is { } earlier)
                {
                    reader.Error(output.Position, $"output '{output.Text}' is declared twice (as '{earlier}': both are TOOLKIT_OUTPUT_{variable})");
                }
                else
                {
                    outputs.Add(output.Text);
                }
            }
            else
            {
                reader.Error(output.Position, $"output name '{output.Text}' must be letters, digits, '_' and '-', starting with a letter (it names a file in the store, not a path)");
            }
        }

        var env = f.TryGetValue("env", out var ev) ? ReadEnv(reader, ev) : [];
        if (env.Count > 0 && uses is not null)
        {
            reader.Error(Pos(ev!), "'env' applies to 'run' steps; components get no environment variables");
        }
        if (outputs.Count > 0 && uses is not null)
        {
            reader.Error(Pos(o!), "'outputs' is declared by the component; only 'run' steps list their outputs");
        }

        var needs = f.TryGetValue("needs", out var n)
            ? reader.ScalarList(n, "needs").Select(x => new KeyValuePair<string, Position>(x.Text, x.Position)).ToList()
            : [];
        var when = f.TryGetValue("when", out var wh) ? reader.Scalar(wh, "when") : null;
        var retries = f.TryGetValue("retries", out var re) ? ReadRetries(reader, re) : RetryPolicy.None;
        TimeSpan? timeout = null;
        if (f.TryGetValue("timeout", out var to) && reader.Scalar(to, "timeout") is { } tos)
        {
            if (!Quantities.TryParseDuration(tos.Text, out var ts) || ts <= TimeSpan.Zero)
            {
                reader.Error(tos.Position, $"timeout '{tos.Text}' is not a duration (e.g. 90s, 10m, 1h)");
            }
            else if (ts > StepSpec.MaxTimeout)
            {
                reader.Error(tos.Position, $"timeout '{tos.Text}' is longer than a step may run ({StepSpec.MaxTimeout.TotalDays:0} days)");
            }
            else
            {
                timeout = ts;
            }
        }

        var resources = f.TryGetValue("resources", out var rs) ? ReadResources(reader, rs) : null;
        var cache = !f.TryGetValue("cache", out var c) || reader.Boolean(c, "cache");
        var network = f.TryGetValue("network", out var net) && reader.Boolean(net, "network");
        if (image is not null && uses is not null)
        {
            reader.Error(image.Position, "'image' applies to 'run' steps; component steps run in the components image");
        }

        return new StepSpec
        {
            Name = name.Text,
            Position = name.Position,
            Uses = uses?.Text,
            UsesPosition = uses?.Position,
            Run = run?.Text,
            Image = image?.Text,
            With = with,
            Inputs = inputs,
            Outputs = outputs,
            Needs = needs,
            When = when,
            Retries = retries,
            Timeout = timeout,
            Resources = resources,
            Cache = cache,
            Network = network,
            Env = env,
        };
    }

    // env: [NAME, ...] passes the caller's variables through; env: { NAME: value } sets them.
    private static List<KeyValuePair<string, string?>> ReadEnv(Reader reader, YamlNode node)
    {
        var env = new List<KeyValuePair<string, string?>>();
        void Add(ScalarValue name, string? value)
        {
            if (!IdentifierPattern().IsMatch(name.Text))
            {
                reader.Error(name.Position, $"environment variable name '{name.Text}' must be letters, digits and underscores, not starting with a digit");
            }
            else
            {
                env.Add(new(name.Text, value));
            }
        }

        if (node is YamlMappingNode map)
        {
            foreach (var (k, v) in map.Children)
            {
                if (reader.Scalar(k, "env") is { } name && reader.Scalar(v, "env." + name.Text) is { } value)
                {
                    Add(name, value.Text);
                }
            }
        }
        else
        {
            foreach (var name in reader.ScalarList(node, "env"))
            {
                Add(name, null);
            }
        }

        return env;
    }

    private static List<KeyValuePair<string, SpecValue>> ReadWith(Reader reader, YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            reader.Error(Pos(node), "'with' must be a mapping of parameter: value");
            return [];
        }

        return [.. map.Children.Select(kv => new KeyValuePair<string, SpecValue>(((YamlScalarNode)kv.Key).Value ?? "", ToValue(kv.Value)))];
    }

    private static List<KeyValuePair<string, IReadOnlyList<OutputRef>>> ReadInputs(Reader reader, YamlNode node)
    {
        var result = new List<KeyValuePair<string, IReadOnlyList<OutputRef>>>();
        if (node is not YamlMappingNode map)
        {
            reader.Error(Pos(node), "'inputs' must be a mapping of input: step.output (or a list of them)");
            return result;
        }

        foreach (var (k, v) in map.Children)
        {
            var refs = new List<OutputRef>();
            foreach (var s in reader.ScalarList(v, "input"))
            {
                if (ParseRef(s.Text) is { } parsed)
                {
                    refs.Add(parsed with { Position = s.Position });
                }
                else
                {
                    reader.Error(s.Position, $"input '{s.Text}' must be 'step.output' or '${{{{ steps.step.outputs.output }}}}'");
                }
            }

            result.Add(new(((YamlScalarNode)k).Value ?? "", refs));
        }

        return result;
    }

    private static OutputRef? ParseRef(string text)
    {
        var m = ExpressionRefPattern().Match(text);
        if (m.Success)
        {
            return new OutputRef(m.Groups[1].Value, m.Groups[2].Value, default);
        }

        m = DottedRefPattern().Match(text);
        return m.Success ? new OutputRef(m.Groups[1].Value, m.Groups[2].Value, default) : null;
    }

    private static RetryPolicy ReadRetries(Reader reader, YamlNode node)
    {
        if (node is YamlScalarNode)
        {
            var s = reader.Scalar(node, "retries")!;
            if (int.TryParse(s.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count is >= 0 and <= 100)
            {
                return new RetryPolicy(count, TimeSpan.FromSeconds(1));
            }

            reader.Error(s.Position, $"retries '{s.Text}' must be a count from 0 to 100, or {{ count, backoff }}");
            return RetryPolicy.None;
        }

        if (node is not YamlMappingNode map)
        {
            reader.Error(Pos(node), "retries must be a count or { count, backoff }");
            return RetryPolicy.None;
        }

        var f = reader.Fields(map, ["count", "backoff"], "retries");
        var c = reader.RequiredScalar(f, "count", map);
        var n = 0;
        if (c is not null && !(int.TryParse(c.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out n) && n is >= 0 and <= 100))
        {
            reader.Error(c.Position, $"retries count '{c.Text}' must be from 0 to 100");
        }

        var backoff = TimeSpan.FromSeconds(1);
        if (f.TryGetValue("backoff", out var b) && reader.Scalar(b, "backoff") is { } bs
            && (!Quantities.TryParseDuration(bs.Text, out backoff) || backoff > StepSpec.MaxTimeout))
        {
            reader.Error(bs.Position, $"backoff '{bs.Text}' is not a duration of at most {StepSpec.MaxTimeout.TotalDays:0} days (e.g. 500ms, 2s)");
            backoff = TimeSpan.FromSeconds(1);
        }

        return new RetryPolicy(n, backoff);
    }

    private static ResourceSpec? ReadResources(Reader reader, YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            reader.Error(Pos(node), "resources must be a mapping { cpu, memory }");
            return null;
        }

        var f = reader.Fields(map, ["cpu", "memory"], "resources");
        double? cpu = null;
        long? memory = null;
        if (f.TryGetValue("cpu", out var c) && reader.Scalar(c, "cpu") is { } cs)
        {
            // Docker takes CPUs in billionths; more than 1024 cores is not a machine a step runs on.
            if (double.TryParse(cs.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0.001 && v <= 1024)
            {
                cpu = v;
            }
            else
            {
                reader.Error(cs.Position, $"cpu '{cs.Text}' must be a number of cores from 0.001 to 1024 (e.g. 0.5, 2)");
            }
        }

        if (f.TryGetValue("memory", out var m) && reader.Scalar(m, "memory") is { } ms)
        {
            if (Quantities.TryParseMemory(ms.Text, out var bytes))
            {
                memory = bytes;
            }
            else
            {
                reader.Error(ms.Position, $"memory '{ms.Text}' must be a size (e.g. 512Mi, 2Gi)");
            }
        }

        return new ResourceSpec(cpu, memory);
    }

    internal static SpecValue ToValue(YamlNode node) => node switch
    {
        YamlScalarNode s => new ScalarValue(s.Value ?? "", s.Style is not (ScalarStyle.Plain or ScalarStyle.Any), Pos(s)),
        YamlSequenceNode q => new ListValue([.. q.Children.Select(ToValue)], Pos(q)),
        YamlMappingNode m => new MapValue([.. m.Children.Select(kv => new KeyValuePair<string, SpecValue>(((YamlScalarNode)kv.Key).Value ?? "", ToValue(kv.Value)))], Pos(m)),
        _ => new ScalarValue("", false, Pos(node)),
    };

    private static ParamType InferType(ScalarValue v) =>
        v.Quoted ? ParamType.String
        : ParamValues.Fits(ParamType.Integer, v.Text) ? ParamType.Integer
        : ParamValues.Fits(ParamType.Number, v.Text) ? ParamType.Number
        : ParamValues.Fits(ParamType.Boolean, v.Text) ? ParamType.Boolean
        : ParamType.String;

    private static bool TryParseType(string text, out ParamType type)
    {
        (var ok, type) = text switch
        {
            "string" => (true, ParamType.String),
            "int" or "integer" => (true, ParamType.Integer),
            "number" or "float" => (true, ParamType.Number),
            "bool" or "boolean" => (true, ParamType.Boolean),
            _ => (false, ParamType.String),
        };
        return ok;
    }

    internal static Position Pos(YamlNode node)
    {
        var at = YamlPosition.Of(node);
        return new(at.Line, at.Column);
    }

    // At most 100 characters: a step's name is a folder name under runs/ (file systems stop at 255 bytes).
    [GeneratedRegex("^[a-z][a-z0-9-]{0,99}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,99}$")]
    private static partial Regex OutputNamePattern();

    [GeneratedRegex(@"^\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}$")]
    private static partial Regex ExpressionRefPattern();

    [GeneratedRegex(@"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")]
    private static partial Regex DottedRefPattern();

    /// <summary>Reads typed values off YAML nodes, reporting shape errors with positions.</summary>
    private sealed class Reader
    {
        private readonly string _file;
        private readonly List<PipelineDiagnostic> _errors;

        public Reader(string file, List<PipelineDiagnostic> errors)
        {
            _file = file;
            _errors = errors;
        }

        public void Error(Position position, string message) => _errors.Add(new PipelineDiagnostic(_file, position, message));

        public Dictionary<string, YamlNode> Fields(YamlMappingNode map, string[] known, string what)
        {
            foreach (var (node, key, suggestion) in YamlText.UnknownKeys(map, known))
            {
                Error(Pos(node), $"unknown field '{key}' in {what}{suggestion}; valid fields: {string.Join(", ", known)}");
            }

            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (k, v) in map.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (known.Contains(key) && !result.TryAdd(key, v))
                {
                    Error(Pos(k), $"field '{key}' appears twice in {what}");
                }
            }

            return result;
        }

        public ScalarValue? RequiredScalar(Dictionary<string, YamlNode> fields, string name, YamlNode owner)
        {
            if (!fields.TryGetValue(name, out var node))
            {
                Error(Pos(owner), $"missing required field '{name}'");
                return null;
            }

            return Scalar(node, name);
        }

        public ScalarValue? Scalar(YamlNode node, string what)
        {
            if (node is YamlScalarNode s)
            {
                return (ScalarValue)ToValue(s);
            }

            Error(Pos(node), $"'{what}' must be a single value, not a {(node is YamlSequenceNode ? "list" : "mapping")}");
            return null;
        }

        public List<ScalarValue> ScalarList(YamlNode node, string what)
        {
            if (node is YamlScalarNode)
            {
                return [Scalar(node, what)!];
            }

            if (node is YamlSequenceNode seq)
            {
                return [.. seq.Children.Select(c => Scalar(c, what)).OfType<ScalarValue>()];
            }

            Error(Pos(node), $"'{what}' must be a value or a list of values");
            return [];
        }

        public bool Boolean(YamlNode node, string what)
        {
            var s = Scalar(node, what);
            if (s is not null && bool.TryParse(s.Text, out var b))
            {
                return b;
            }

            if (s is not null)
            {
                Error(s.Position, $"'{what}' must be true or false, not '{s.Text}'");
            }

            return false;
        }
    }
}
