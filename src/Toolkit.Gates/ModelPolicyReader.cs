using System.Globalization;
using System.Text.RegularExpressions;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Training;
using Toolkit.Yaml;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Gates;

/// <summary>
/// Reads a policy from the YAML node tree (not by deserialisation) so that every problem can name its
/// line and column, and collects all problems before failing once.
/// </summary>
internal sealed partial class ModelPolicyReader
{
    private static readonly string[] TopKeys = ["apiVersion", "kind", "name", "task", "description", "pipeline", "primary_metric", "gates", "stages", "serving", "model", "monitoring"];
    private static readonly string[] GateKeys = ["thresholds", "regression", "data", "model"];
    private static readonly string[] DataKeys = ["min_rows", "max_null_fraction", "min_class_fraction"];
    private static readonly string[] ModelKeys = ["max_size_mb", "signature"];
    private static readonly string[] StageKeys = ["approvals", "approvers"];
    private static readonly string[] ModelSettingKeys = ["signature_required"];
    private static readonly string[] ServingKeys = ["port", "max_batch", "ports", "slo", "load_test", "prediction_log", "smoke_rows"];
    private static readonly string[] MonitoringKeys = ["thresholds", "max_drop", "reference_sample"];
    private static readonly string[] MonitoringThresholdKeys = ["ks_p_value", "small_sample_rows", "wasserstein_norm", "psi", "dataset_share"];
    private static readonly string[] SloKeys = ["p99_ms", "min_rps", "max_error_rate"];
    private static readonly string[] LoadTestKeys = ["duration_s", "concurrency", "rows"];
    private static readonly string[] PredictionLogKeys = ["sample_rate", "max_mb", "files"];
    private static readonly string[] SignatureValues = ["compatible", "identical", "off"];
    private static readonly string[] Tasks = [ModelTaskNames.BinaryClassification, ModelTaskNames.Regression];

    private readonly string _file;
    private readonly List<PolicyDiagnostic> _errors = [];
    private readonly Dictionary<string, int> _checkLines = new(StringComparer.Ordinal);

    private readonly bool _fromFile;

    /// <param name="file">Names the policy in messages.</param>
    /// <param name="fromFile">The text was read from <paramref name="file"/>, so its folder can be checked against its name.</param>
    public ModelPolicyReader(string file, bool fromFile = false)
    {
        _file = file;
        _fromFile = fromFile;
    }

    /// <summary>Reads the file (bounded, strictly decoded), then <see cref="Read"/>.</summary>
    public ModelPolicy ReadFile(string path)
    {
        var (text, problem) = YamlText.ReadFile(path);
        return problem is null
            ? Read(text!)
            : throw new ModelPolicyException([new PolicyDiagnostic(_file, problem.Position.Line, problem.Position.Column, "(file)", problem.Message)]);
    }

    public ModelPolicy Read(string yaml)
    {
        var load = YamlText.Load(yaml, "a model policy is a mapping (apiVersion, kind, name, task, ...)");
        if (load.Problem is { } problem)
        {
            // A file that is not a tree stops the reading: there is nothing to check further.
            throw new ModelPolicyException([new PolicyDiagnostic(_file, problem.Position.Line, problem.Position.Column, "(yaml)", problem.Message)]);
        }

        if (load.Root is not YamlMappingNode root)
        {
            throw new ModelPolicyException([Diagnostic(load.Root, "(document)", "a model policy is a mapping (apiVersion, kind, name, task, ...)")]);
        }

        CheckKeys(root, "", TopKeys);
        var apiVersion = RequiredText(root, "apiVersion", "apiVersion");
        if (apiVersion is not null && apiVersion != ModelPolicy.ApiVersion)
        {
            Error(Get(root, "apiVersion"), "apiVersion", $"unsupported apiVersion '{apiVersion}'; expected '{ModelPolicy.ApiVersion}'");
        }

        var kind = RequiredText(root, "kind", "kind");
        if (kind is not null && kind != ModelPolicy.Kind)
        {
            Error(Get(root, "kind"), "kind", $"kind must be '{ModelPolicy.Kind}', not '{kind}'");
        }

        var name = RequiredText(root, "name", "name");
        if (name is not null && !NamePattern().IsMatch(name))
        {
            Error(Get(root, "name"), "name", $"'{name}' is not a valid model name: use lowercase letters, digits and dashes, starting with a letter or digit");
        }
        else if (name is not null && FolderName() is { } folder && folder != name)
        {
            // models/<name>/model.yaml is how a model is found: a policy named otherwise would judge another model.
            Error(Get(root, "name"), "name", $"the policy in models/{folder}/ is named '{name}'; a policy's name is its folder's ('{folder}')");
        }

        ModelTask? task = null;
        var taskText = RequiredText(root, "task", "task");
        if (taskText is not null)
        {
            if (Tasks.Contains(taskText))
            {
                task = ModelTaskNames.Parse(taskText);
            }
            else
            {
                Error(Get(root, "task"), "task", $"unknown task '{taskText}'{DidYouMean.Suffix(taskText, Tasks)}; tasks are {string.Join(", ", Tasks)}");
            }
        }

        var description = OptionalText(root, "description", "description");
        var pipeline = OptionalText(root, "pipeline", "pipeline");
        var primary = OptionalText(root, "primary_metric", "primary_metric");
        if (primary is not null && task is { } t0)
        {
            CheckMetric(Get(root, "primary_metric")!, "primary_metric", primary, t0);
        }

        var thresholds = new List<ThresholdRule>();
        var regression = new List<RegressionRule>();
        var data = new DataGate();
        var model = new ModelGate();
        if (Get(root, "gates") is { } gatesNode && Mapping(gatesNode, "gates") is { } gates)
        {
            CheckKeys(gates, "gates", GateKeys);
            ReadThresholds(gates, task, thresholds);
            ReadRegression(gates, task, regression);
            data = ReadData(gates, task);
            model = ReadModel(gates);
        }

        var stages = ReadStages(root);
        var serving = ReadServing(root);
        var signatureRequired = ReadSignatureRequired(root);
        var monitoring = ReadMonitoring(root);

        if (_errors.Count > 0)
        {
            throw new ModelPolicyException([.. _errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        return new ModelPolicy
        {
            Source = _file,
            Name = name!,
            Task = task!.Value,
            Description = description,
            Pipeline = pipeline,
            PrimaryMetric = primary ?? MetricCatalog.DefaultPrimary(task.Value),
            Thresholds = thresholds,
            Regression = regression,
            Data = data,
            Model = model,
            Stages = stages,
            Serving = serving,
            SignatureRequired = signatureRequired,
            Monitoring = monitoring,
            CheckLines = _checkLines,
        };
    }

    private void ReadThresholds(YamlMappingNode gates, ModelTask? task, List<ThresholdRule> rules)
    {
        if (Get(gates, "thresholds") is not { } node || Sequence(node, "gates.thresholds") is not { } list)
        {
            return;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var field = $"gates.thresholds[{i}]";
            var item = list.Children[i];
            if (Text(item, field) is not { } text)
            {
                continue;
            }

            var m = ThresholdPattern().Match(text);
            if (!m.Success)
            {
                Error(item, field, $"'{text}' is not a threshold; write 'metric op value', e.g. 'auc >= 0.80'");
                continue;
            }

            var metric = m.Groups["metric"].Value;
            var op = m.Groups["op"].Value;
            var ok = task is not { } t || CheckMetric(item, field, metric, t);
            if (!ThresholdRule.Operators.Contains(op))
            {
                Error(item, field, $"unknown operator '{op}' in '{text}'; use one of {string.Join(", ", ThresholdRule.Operators)}");
                ok = false;
            }

            var value = ParseNumber(item, field, m.Groups["value"].Value);
            if (ok && value is { } v)
            {
                rules.Add(new ThresholdRule(metric, op, v));
                _checkLines.TryAdd("threshold:" + metric, YamlPosition.Of(item).Line);
            }
        }
    }

    private void ReadRegression(YamlMappingNode gates, ModelTask? task, List<RegressionRule> rules)
    {
        if (Get(gates, "regression") is not { } node || Sequence(node, "gates.regression") is not { } list)
        {
            return;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var field = $"gates.regression[{i}]";
            if (Mapping(list.Children[i], field, "a mapping such as { metric: auc, max_drop: 0.005 }") is not { } map)
            {
                continue;
            }

            CheckKeys(map, field, ["metric", .. RegressionRule.Keys]);
            var metric = RequiredText(map, "metric", field + ".metric");
            var ok = metric is not null && (task is not { } t || CheckMetric(Get(map, "metric")!, field + ".metric", metric, t));
            var given = RegressionRule.Keys.Where(k => Get(map, k) is not null).ToList();
            if (given.Count != 1)
            {
                Error(map, field, given.Count == 0
                    ? $"give one tolerance: {string.Join(", ", RegressionRule.Keys)}"
                    : $"give one tolerance, not {given.Count} ({string.Join(", ", given)})");
                continue;
            }

            var key = given[0];
            var tolerance = Number(Get(map, key)!, $"{field}.{key}");
            if (tolerance is < 0)
            {
                Error(Get(map, key), $"{field}.{key}", $"a tolerance cannot be negative ({Format(tolerance.Value)})");
                ok = false;
            }

            if (ok && metric is not null && task is not null)
            {
                var lower = MetricCatalog.IsLowerBetter(metric);
                if (lower && key.StartsWith("max_drop", StringComparison.Ordinal))
                {
                    Error(Get(map, key), $"{field}.{key}", $"'{metric}' is better when lower, so it can only get worse by rising: use max_increase or max_increase_relative");
                    ok = false;
                }
                else if (!lower && key.StartsWith("max_increase", StringComparison.Ordinal))
                {
                    Error(Get(map, key), $"{field}.{key}", $"'{metric}' is better when higher, so it can only get worse by falling: use max_drop or max_drop_relative");
                    ok = false;
                }
            }

            if (ok && metric is not null && tolerance is { } tol)
            {
                rules.Add(new RegressionRule(metric, key, tol));
                _checkLines.TryAdd("regression:" + metric, YamlPosition.Of(list.Children[i]).Line);
            }
        }
    }

    private DataGate ReadData(YamlMappingNode gates, ModelTask? task)
    {
        if (Get(gates, "data") is not { } node || Mapping(node, "gates.data") is not { } map)
        {
            return new DataGate();
        }

        CheckKeys(map, "gates.data", DataKeys);
        var minRows = Get(map, "min_rows") is { } r ? Integer(r, "gates.data.min_rows", 0, int.MaxValue) : null;
        var maxNull = Get(map, "max_null_fraction") is { } n ? Fraction(n, "gates.data.max_null_fraction") : null;
        double? minClass = null;
        if (Get(map, "min_class_fraction") is { } c)
        {
            minClass = Fraction(c, "gates.data.min_class_fraction");
            if (task == ModelTask.Regression)
            {
                Error(c, "gates.data.min_class_fraction", "a regression model has no classes; remove min_class_fraction");
            }
            else if (minClass > 0.5)
            {
                Error(c, "gates.data.min_class_fraction", $"the rarer of two classes is at most half the rows; {Format(minClass.Value)} can never pass");
            }
        }

        return new DataGate { MinRows = minRows, MaxNullFraction = maxNull, MinClassFraction = minClass };
    }

    private ModelGate ReadModel(YamlMappingNode gates)
    {
        if (Get(gates, "model") is not { } node || Mapping(node, "gates.model") is not { } map)
        {
            return new ModelGate();
        }

        CheckKeys(map, "gates.model", ModelKeys);
        double? maxSize = null;
        if (Get(map, "max_size_mb") is { } s && Number(s, "gates.model.max_size_mb") is { } size)
        {
            if (size <= 0)
            {
                Error(s, "gates.model.max_size_mb", $"the size limit must be above 0 MB, not {Format(size)}");
            }

            maxSize = size;
        }

        var signature = SignatureRule.Compatible;
        if (Get(map, "signature") is { } sig && Text(sig, "gates.model.signature") is { } text)
        {
            if (SignatureValues.Contains(text))
            {
                signature = Enum.Parse<SignatureRule>(text, ignoreCase: true);
            }
            else
            {
                Error(sig, "gates.model.signature", $"unknown signature rule '{text}'{DidYouMean.Suffix(text, SignatureValues)}; use one of {string.Join(", ", SignatureValues)}");
            }
        }

        return new ModelGate { MaxSizeMb = maxSize, Signature = signature };
    }

    private Dictionary<string, StagePolicy> ReadStages(YamlMappingNode root)
    {
        var stages = new Dictionary<string, StagePolicy>(StringComparer.Ordinal);
        if (Get(root, "stages") is not { } node || Mapping(node, "stages") is not { } map)
        {
            return stages;
        }

        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } stage })
            {
                Error(keyNode, "stages", "stage names must be plain names");
                continue;
            }

            var field = "stages." + stage;
            if (!ModelPolicy.StageNames.Contains(stage))
            {
                Error(keyNode, field, $"unknown stage '{stage}'{DidYouMean.Suffix(stage, ModelPolicy.StageNames)}; stages are {string.Join(", ", ModelPolicy.StageNames)}");
                continue;
            }

            if (Mapping(value, field, "a mapping such as { approvals: 1, approvers: [ml-leads] }") is not { } s)
            {
                continue;
            }

            CheckKeys(s, field, StageKeys);
            var approvals = Get(s, "approvals") is { } a ? Integer(a, field + ".approvals", 0, 100) : 0;
            var approvers = new List<string>();
            if (Get(s, "approvers") is { } an && Sequence(an, field + ".approvers") is { } list)
            {
                for (var i = 0; i < list.Children.Count; i++)
                {
                    if (Text(list.Children[i], $"{field}.approvers[{i}]") is { } who)
                    {
                        approvers.Add(who);
                    }
                }
            }

            if (approvals is { } n && approvers.Count > 0 && n > approvers.Count)
            {
                Error(Get(s, "approvals"), field + ".approvals",
                    $"{n} approvals are needed but only {approvers.Count} approver(s) are listed ({string.Join(", ", approvers)})");
            }

            stages[stage] = new StagePolicy(approvals ?? 0, approvers);
        }

        return stages;
    }

    /// <summary><c>model: { signature_required: true }</c>: promotion refuses versions without a verified signature.</summary>
    private bool ReadSignatureRequired(YamlMappingNode root)
    {
        if (Get(root, "model") is not { } node || Mapping(node, "model", "a mapping such as { signature_required: true }") is not { } map)
        {
            return false;
        }

        CheckKeys(map, "model", ModelSettingKeys);
        if (Get(map, "signature_required") is not { } value || Text(value, "model.signature_required") is not { } text)
        {
            return false;
        }

        switch (text)
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                Error(value, "model.signature_required", $"expected true or false, not '{text}'");
                return false;
        }
    }

    private ServingPolicy? ReadServing(YamlMappingNode root)
    {
        if (Get(root, "serving") is not { } node || Mapping(node, "serving") is not { } map)
        {
            return null;
        }

        CheckKeys(map, "serving", ServingKeys);
        var serving = new ServingPolicy();
        if (Get(map, "port") is { } p && Integer(p, "serving.port", 1, 65535) is { } port)
        {
            serving = serving with { Port = port };
        }

        if (Get(map, "max_batch") is { } b && Integer(b, "serving.max_batch", 1, 1_000_000) is { } batch)
        {
            serving = serving with { MaxBatch = batch };
        }

        if (Get(map, "smoke_rows") is { } r && Integer(r, "serving.smoke_rows", 0, 10_000) is { } smoke)
        {
            serving = serving with { SmokeRows = smoke };
        }

        if (Get(map, "ports") is { } ports && Mapping(ports, "serving.ports", "a mapping such as { dev: 8081, preprod: 8082, prod: 8083 }") is { } pm)
        {
            serving = serving with { Ports = ReadPorts(pm) };
        }

        if (Get(map, "slo") is { } slo && Mapping(slo, "serving.slo", "a mapping such as { p99_ms: 50, min_rps: 200, max_error_rate: 0.01 }") is { } sm)
        {
            CheckKeys(sm, "serving.slo", SloKeys);
            serving = serving with
            {
                Slo = new ServiceLevelObjective
                {
                    P99Ms = Get(sm, "p99_ms") is { } v1 ? Positive(v1, "serving.slo.p99_ms") : null,
                    MinRps = Get(sm, "min_rps") is { } v2 ? Positive(v2, "serving.slo.min_rps") : null,
                    MaxErrorRate = Get(sm, "max_error_rate") is { } v3 ? Fraction(v3, "serving.slo.max_error_rate") : null,
                },
            };
        }

        if (Get(map, "load_test") is { } lt && Mapping(lt, "serving.load_test", "a mapping such as { duration_s: 5, concurrency: 8, rows: 1 }") is { } lm)
        {
            CheckKeys(lm, "serving.load_test", LoadTestKeys);
            var load = new LoadTestPolicy();
            if (Get(lm, "duration_s") is { } d && Positive(d, "serving.load_test.duration_s") is { } seconds)
            {
                if (seconds > 600)
                {
                    Error(d, "serving.load_test.duration_s", "a deployment's load test runs at most 600 seconds");
                }

                load = load with { DurationSeconds = seconds };
            }

            if (Get(lm, "concurrency") is { } c && Integer(c, "serving.load_test.concurrency", 1, 256) is { } connections)
            {
                load = load with { Concurrency = connections };
            }

            if (Get(lm, "rows") is { } lr && Integer(lr, "serving.load_test.rows", 1, 100_000) is { } rows)
            {
                load = load with { Rows = rows };
            }

            serving = serving with { LoadTest = load };
        }

        if (Get(map, "prediction_log") is { } pl && Mapping(pl, "serving.prediction_log", "a mapping such as { sample_rate: 0.1, max_mb: 16, files: 5 }") is { } plm)
        {
            CheckKeys(plm, "serving.prediction_log", PredictionLogKeys);
            var log = new PredictionLogPolicy();
            if (Get(plm, "sample_rate") is { } sr && Fraction(sr, "serving.prediction_log.sample_rate") is { } rate)
            {
                log = log with { SampleRate = rate };
            }

            if (Get(plm, "max_mb") is { } mb && Integer(mb, "serving.prediction_log.max_mb", 1, 4096) is { } max)
            {
                log = log with { MaxMb = max };
            }

            if (Get(plm, "files") is { } f && Integer(f, "serving.prediction_log.files", 0, 100) is { } files)
            {
                log = log with { Files = files };
            }

            serving = serving with { PredictionLog = log };
        }

        if (serving.MaxBatch < serving.LoadTest.Rows)
        {
            Error(Get(map, "load_test"), "serving.load_test.rows", $"{serving.LoadTest.Rows} rows per request exceed serving.max_batch ({serving.MaxBatch})");
        }

        return serving;
    }

    private MonitoringPolicy ReadMonitoring(YamlMappingNode root)
    {
        var monitoring = new MonitoringPolicy();
        if (Get(root, "monitoring") is not { } node || Mapping(node, "monitoring") is not { } map)
        {
            return monitoring;
        }

        CheckKeys(map, "monitoring", MonitoringKeys);
        if (Get(map, "max_drop") is { } md && NonNegative(md, "monitoring.max_drop") is { } drop)
        {
            monitoring = monitoring with { MaxDrop = drop };
        }

        if (Get(map, "reference_sample") is { } rs && Integer(rs, "monitoring.reference_sample", 100, 1_000_000) is { } sample)
        {
            monitoring = monitoring with { ReferenceSample = sample };
        }

        if (Get(map, "thresholds") is { } tn
            && Mapping(tn, "monitoring.thresholds", "a mapping such as { ks_p_value: 0.05, small_sample_rows: 1000, wasserstein_norm: 0.1, psi: 0.2, dataset_share: 0.5 }") is { } tm)
        {
            CheckKeys(tm, "monitoring.thresholds", MonitoringThresholdKeys);
            if (Get(tm, "ks_p_value") is { } ks && OpenFraction(ks, "monitoring.thresholds.ks_p_value") is { } p)
            {
                monitoring = monitoring with { KsPValue = p };
            }

            if (Get(tm, "small_sample_rows") is { } ss && Integer(ss, "monitoring.thresholds.small_sample_rows", 1, 100_000_000) is { } rows)
            {
                monitoring = monitoring with { SmallSampleRows = rows };
            }

            if (Get(tm, "wasserstein_norm") is { } w && Positive(w, "monitoring.thresholds.wasserstein_norm") is { } wasserstein)
            {
                monitoring = monitoring with { WassersteinNorm = wasserstein };
            }

            if (Get(tm, "psi") is { } ps && Positive(ps, "monitoring.thresholds.psi") is { } psi)
            {
                monitoring = monitoring with { Psi = psi };
            }

            if (Get(tm, "dataset_share") is { } ds && OpenFraction(ds, "monitoring.thresholds.dataset_share", allowOne: true) is { } share)
            {
                monitoring = monitoring with { DatasetShare = share };
            }
        }

        return monitoring;
    }

    /// <summary>A number in (0, 1) (or (0, 1] with <paramref name="allowOne"/>): 0 would never fire, 1 always.</summary>
    private double? OpenFraction(YamlNode node, string field, bool allowOne = false)
    {
        var value = Number(node, field);
        if (value is { } v && (v <= 0 || v > 1 || (!allowOne && v >= 1)))
        {
            Error(node, field, $"must lie between 0 and 1 ({(allowOne ? "1 included" : "both excluded")}), not {Format(v)}");
            return null;
        }

        return value;
    }

    private double? NonNegative(YamlNode node, string field)
    {
        var value = Number(node, field);
        if (value is < 0)
        {
            Error(node, field, $"must be 0 or more, not {Format(value.Value)}");
            return null;
        }

        return value;
    }

    private Dictionary<string, int> ReadPorts(YamlMappingNode map)
    {
        var ports = new Dictionary<string, int>(ServingPolicy.DefaultPorts, StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            var stage = (keyNode as YamlScalarNode)?.Value ?? "";
            var field = "serving.ports." + stage;
            if (!ModelPolicy.StageNames.Contains(stage))
            {
                Error(keyNode, field, $"unknown stage '{stage}'{DidYouMean.Suffix(stage, ModelPolicy.StageNames)}; stages are {string.Join(", ", ModelPolicy.StageNames)}");
                continue;
            }

            if (Integer(value, field, 1, 65535) is { } port)
            {
                ports[stage] = port;
            }
        }

        foreach (var clash in ports.GroupBy(p => p.Value).Where(g => g.Count() > 1))
        {
            Error(map, "serving.ports", $"stages {string.Join(" and ", clash.Select(p => p.Key))} share port {clash.Key}; each stage's service needs its own");
        }

        return ports;
    }

    private double? Positive(YamlNode node, string field)
    {
        var value = Number(node, field);
        if (value is <= 0)
        {
            Error(node, field, $"must be greater than 0, not {Format(value.Value)}");
            return null;
        }

        return value;
    }

    /// <summary>Checks a metric name against the task's metrics; false (with an error) when unknown.</summary>
    private bool CheckMetric(YamlNode at, string field, string metric, ModelTask task)
    {
        var known = MetricCatalog.For(task);
        if (known.Contains(metric))
        {
            return true;
        }

        var other = task == ModelTask.BinaryClassification ? MetricCatalog.Regression : MetricCatalog.Classification;
        Error(at, field, other.Contains(metric)
            ? $"'{metric}' is not a {task.ToName()} metric; use one of {string.Join(", ", known)}"
            : $"unknown metric '{metric}'{DidYouMean.Suffix(metric, known)}; {task.ToName()} metrics are {string.Join(", ", known)}");
        return false;
    }

    private void CheckKeys(YamlMappingNode map, string path, IReadOnlyList<string> known)
    {
        foreach (var (node, name, suggestion) in YamlText.UnknownKeys(map, known))
        {
            if (node is not YamlScalarNode)
            {
                Error(node, path, "keys must be plain names");
                continue;
            }

            var field = path.Length == 0 ? name : $"{path}.{name}";
            Error(node, field, $"unknown field '{name}'{suggestion}; fields here are {string.Join(", ", known)}");
        }
    }

    private static YamlNode? Get(YamlMappingNode map, string key) => YamlText.Get(map, key);

    private YamlMappingNode? Mapping(YamlNode node, string field, string? expected = null)
    {
        if (node is YamlMappingNode map)
        {
            return map;
        }

        Error(node, field, $"expected {expected ?? "a mapping (key: value lines)"}");
        return null;
    }

    private YamlSequenceNode? Sequence(YamlNode node, string field)
    {
        if (node is YamlSequenceNode list)
        {
            return list;
        }

        Error(node, field, "expected a list");
        return null;
    }

    private string? Text(YamlNode node, string field)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } value })
        {
            return value;
        }

        Error(node, field, node is YamlScalarNode ? "must not be empty" : "expected a single value, not a list or mapping");
        return null;
    }

    private string? RequiredText(YamlMappingNode map, string key, string field)
    {
        if (Get(map, key) is { } node)
        {
            return Text(node, field);
        }

        Error(map, field, $"required field '{key}' is missing");
        return null;
    }

    private string? OptionalText(YamlMappingNode map, string key, string field) =>
        Get(map, key) is { } node ? Text(node, field) : null;

    private double? Number(YamlNode node, string field) =>
        Text(node, field) is { } text ? ParseNumber(node, field, text) : null;

    private double? ParseNumber(YamlNode at, string field, string text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Error(at, field, $"'{text}' is not a finite number");
        return null;
    }

    private double? Fraction(YamlNode node, string field)
    {
        var value = Number(node, field);
        if (value is < 0 or > 1)
        {
            Error(node, field, $"a fraction lies between 0 and 1, not {Format(value.Value)}");
        }

        return value;
    }

    private int? Integer(YamlNode node, string field, int min, int max)
    {
        if (Text(node, field) is not { } text)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, field, $"'{text}' is not a whole number");
            return null;
        }

        if (value < min || value > max)
        {
            Error(node, field, max == int.MaxValue
                ? $"must be at least {min}, not {text}"
                : $"must be between {min} and {max}, not {text}");
            return null;
        }

        return (int)value;
    }

    /// <summary>The model folder when the file is <c>models/&lt;folder&gt;/model.yaml</c>, else null.</summary>
    private string? FolderName()
    {
        if (!_fromFile)
        {
            return null;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(_file));
        return directory is not null
            && Path.GetFileName(_file) == "model.yaml"
            && Path.GetFileName(Path.GetDirectoryName(directory)) == "models"
                ? Path.GetFileName(directory)
                : null;
    }

    private void Error(YamlNode? at, string field, string message) => _errors.Add(Diagnostic(at, field, message));

    private PolicyDiagnostic Diagnostic(YamlNode? at, string field, string message)
    {
        var position = YamlPosition.Of(at);
        return new(_file, position.Line, position.Column, field, message);
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    // "metric op value": the operator is any run of comparison characters so a wrong one ("=>") gets a clear message.
    [GeneratedRegex(@"^\s*(?<metric>[A-Za-z_][A-Za-z0-9_]*)\s*(?<op>[<>=!]+)\s*(?<value>\S+)\s*$")]
    private static partial Regex ThresholdPattern();
}
