using System.Text;

namespace Toolkit.Cli.Tests.Fuzz;

/// <summary>
/// Malformed <c>models/NAME/model.yaml</c> (read by <c>gate check</c>) and <c>toolkit.yaml</c> (read by
/// every project command, here <c>runs list</c>): each field of a valid file replaced by values of the
/// wrong type or range, plus YAML-level damage.
/// </summary>
internal static class SettingsCorpus
{
    public const string ValidPolicy = """
        apiVersion: toolkit/v1
        kind: Model
        name: m
        task: {task}
        primary_metric: {primary_metric}
        gates:
          thresholds:
            - {threshold}
          regression:
            - { metric: auc, max_drop: {max_drop} }
          data: { min_rows: {min_rows}, max_null_fraction: {max_null_fraction}, min_class_fraction: 0.05 }
          model: { max_size_mb: {max_size_mb}, signature: {signature} }
        stages:
          dev: { approvals: {approvals} }
          preprod: { approvals: 1, approvers: {approvers} }
          prod: { approvals: 1 }
        serving:
          max_batch: {max_batch}
          ports: { dev: {port}, preprod: 8082, prod: 8083 }
          slo: { p99_ms: {p99_ms}, min_rps: 100, max_error_rate: 0.0 }
          load_test: { duration_s: {duration_s}, concurrency: 4, rows: 1 }
          prediction_log: { sample_rate: {sample_rate} }

        """;

    private static readonly Dictionary<string, string> PolicyDefaults = new()
    {
        ["task"] = "binary-classification",
        ["primary_metric"] = "auc",
        ["threshold"] = "\"auc >= 0.80\"",
        ["max_drop"] = "0.01",
        ["min_rows"] = "1000",
        ["max_null_fraction"] = "0.2",
        ["max_size_mb"] = "50",
        ["signature"] = "compatible",
        ["approvals"] = "0",
        ["approvers"] = "[ml-leads]",
        ["max_batch"] = "1000",
        ["port"] = "8081",
        ["p99_ms"] = "100",
        ["duration_s"] = "3",
        ["sample_rate"] = "0.1",
    };

    private static readonly Dictionary<string, string[]> PolicyHostile = new()
    {
        ["task"] = ["multiclass", "[regression]", "''", "{ a: b }"],
        ["primary_metric"] = ["rmse", "nope", "[auc]", "''"],
        ["threshold"] = ["\"auc >=\"", "\"auc >= abc\"", "\"nope >= 0.5\"", "\"auc => 0.5\"", "\"auc >= .inf\"", "\"auc >= 1e400\"", "\"auc\"", "[auc]", "{ auc: 0.8 }", "\"auc >= 0.8 extra\"", "\"rmse <= 3\""],
        ["max_drop"] = ["-0.1", "abc", ".inf", ".nan", "[0.1]", "1e400"],
        ["min_rows"] = ["-1", "abc", "1.5", "1e400", "99999999999999999999", "[1]"],
        ["max_null_fraction"] = ["-0.1", "1.5", "abc", ".nan", "[0.2]"],
        ["max_size_mb"] = ["-1", "0", "abc", ".inf", "1e400", "[50]"],
        ["signature"] = ["whatever", "[compatible]", "5"],
        ["approvals"] = ["-1", "abc", "1.5", "99999999999", "[0]"],
        ["approvers"] = ["ml-leads", "[[a]]", "[{ a: b }]", "5"],
        ["max_batch"] = ["0", "-1", "abc", "1e400", "99999999999", "[1]"],
        ["port"] = ["0", "-1", "70000", "abc", "8082", "[8081]", "1e400"],
        ["p99_ms"] = ["-1", "0", "abc", ".inf", ".nan", "[1]"],
        ["duration_s"] = ["-1", "0", "601", "abc", "1e400", "[3]"],
        ["sample_rate"] = ["-0.1", "1.5", "abc", ".nan", "[0.1]"],
    };

    public const string ValidProject = """
        apiVersion: {apiVersion}
        kind: {kind}
        store: {store}
        executor: {executor}
        max_parallel: {max_parallel}
        registry:
          backend: {backend}
        images:
          base: {base}

        """;

    private static readonly Dictionary<string, string> ProjectDefaults = new()
    {
        ["apiVersion"] = "toolkit/v1",
        ["kind"] = "Project",
        ["store"] = ".toolkit",
        ["executor"] = "local",
        ["max_parallel"] = "2",
        ["backend"] = "embedded",
        ["base"] = "toolkit/base:bookworm",
    };

    private static readonly Dictionary<string, string[]> ProjectHostile = new()
    {
        ["apiVersion"] = ["toolkit/v2", "[toolkit/v1]", "''", "5"],
        ["kind"] = ["Pipeline", "project", "[Project]"],
        ["store"] = ["[a]", "{ a: b }", "''"],
        ["executor"] = ["kubernetes", "[local]", "''", "5"],
        ["max_parallel"] = ["0", "-1", "abc", "1e400", "99999999999", "1.5", "[2]", ".inf"],
        ["backend"] = ["sqlite", "[embedded]", "''", "{ a: b }"],
        ["base"] = ["'not an image!'", "[x]", "''", "'UPPER/Case'", "'a:b:c:d'"],
    };

    public static string Render(string template, IReadOnlyDictionary<string, string> defaults, IReadOnlyDictionary<string, string> overrides)
    {
        var text = template;
        foreach (var (key, value) in defaults)
        {
            text = text.Replace("{" + key + "}", overrides.TryGetValue(key, out var v) ? v : value, StringComparison.Ordinal);
        }

        return text;
    }

    public static string Policy => Render(ValidPolicy, PolicyDefaults, new Dictionary<string, string>());

    public static string Project => Render(ValidProject, ProjectDefaults, new Dictionary<string, string>());

    public static IEnumerable<FuzzCase> PolicyCases()
    {
        foreach (var (name, text) in Mutations(ValidPolicy, PolicyDefaults, PolicyHostile, "name: m"))
        {
            yield return new FuzzCase
            {
                Name = $"model-yaml/{name}",
                Files = new Dictionary<string, byte[]>
                {
                    ["models/m/model.yaml"] = Encoding.UTF8.GetBytes(text),
                    ["toolkit.yaml"] = "store: .toolkit\n"u8.ToArray(),
                },
                Args = ["gate", "check", "--model", "m", "--report", "r.json", "--markdown", "gate.md"],
                MustName = "model.yaml",
                Output = "gate.md",
                MaxErrorLines = 10,
            };
        }
    }

    public static IEnumerable<FuzzCase> ProjectCases()
    {
        foreach (var (name, text) in Mutations(ValidProject, ProjectDefaults, ProjectHostile, "store: .toolkit"))
        {
            yield return new FuzzCase
            {
                Name = $"toolkit-yaml/{name}",
                Files = new Dictionary<string, byte[]> { ["toolkit.yaml"] = Encoding.UTF8.GetBytes(text), ["t.csv"] = "a\n1\n"u8.ToArray() },
                Args = ["runs", "list"],
                MustName = "toolkit.yaml",
                Output = ".toolkit",
            };
        }
    }

    private static IEnumerable<(string Name, string Text)> Mutations(string template, Dictionary<string, string> defaults, Dictionary<string, string[]> hostile, string anchorLine)
    {
        foreach (var (field, values) in hostile)
        {
            for (var i = 0; i < values.Length; i++)
            {
                yield return ($"{field}-{i}", Render(template, defaults, new Dictionary<string, string> { [field] = values[i] }));
            }
        }

        var valid = Render(template, defaults, new Dictionary<string, string>());
        string Insert(string line) => valid.Replace(anchorLine, anchorLine + "\n" + line, StringComparison.Ordinal);
        yield return ("duplicate-key", Insert(anchorLine));
        yield return ("unknown-field", Insert("bogus_field: 1"));
        yield return ("tab-indent", valid.Replace("\n  ", "\n\t", StringComparison.Ordinal));
        yield return ("billion-laughs", Insert(
            "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
            string.Concat(Enumerable.Range(1, 9).Select(i => $"x{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n"))));
        yield return ("alias-undefined", Insert("x: *nope"));
        yield return ("top-level-list", "- a\n");
        yield return ("top-level-scalar", "store\n");
        yield return ("unterminated-flow", Insert("x: { a: 1"));
        yield return ("non-scalar-key", Insert("[a]: 1"));
        yield return ("two-documents", valid + "---\n" + valid);
        yield return ("nested-2000", Insert("x: " + new string('[', 2000) + new string(']', 2000)));
        yield return ("tag-python", Insert("x: !!python/object:os.system 'id'"));
        yield return ("nul-byte", valid.Replace(anchorLine, anchorLine + "\0", StringComparison.Ordinal));
    }
}
