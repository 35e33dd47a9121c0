using System.Text;

namespace Toolkit.Cli.Tests.Fuzz;

/// <summary>
/// Malformed pipeline files: one valid template whose fields are each replaced by values of the wrong
/// type or out of range, plus structural and YAML-level damage (tabs, duplicate keys, aliases, tags,
/// cycles, hostile step and output names). Checked with <c>pipeline validate</c>; a seeded sample also
/// with <c>pipeline run</c>, which must refuse before running anything.
/// </summary>
internal static class PipelineCorpus
{
    private const int Seed = 17;

    private static readonly Dictionary<string, string> Defaults = new()
    {
        ["rows"] = "${{ params.rows }}",
        ["generator"] = "diabetes",
        ["test_fraction"] = "0.3",
        ["label"] = "diabetes",
        ["c"] = "1.0",
        ["retries"] = "1",
        ["timeout"] = "10m",
        ["cpu"] = "1",
        ["memory"] = "1Gi",
        ["cache"] = "false",
        ["network"] = "false",
        ["when"] = "${{ steps.evaluate.outputs.auc >= 0.5 }}",
        ["needs"] = "[evaluate]",
        ["stepname"] = "custom",
        ["outputs"] = "[out]",
        ["env"] = "[HOME]",
        ["image"] = "alpine:3.19",
        ["uses"] = "train/logistic-regression",
        ["dataset"] = "ingest.dataset",
        ["models"] = "[train.model]",
        ["default"] = "500",
    };

    /// <summary>The valid pipeline (all placeholders at their defaults).</summary>
    public static string Valid => Render(new Dictionary<string, string>());

    public static string Render(IReadOnlyDictionary<string, string> overrides)
    {
        var text = Template;
        foreach (var (key, value) in Defaults)
        {
            text = text.Replace("{" + key + "}", overrides.TryGetValue(key, out var v) ? v : value, StringComparison.Ordinal);
        }

        return text;
    }

    private const string Template = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: fuzz
        description: the fuzz corpus template
        params:
          rows: {default}
          seed: 1
        steps:
          - name: ingest
            uses: data/synthesize
            with:
              generator: {generator}
              rows: {rows}
              seed: ${{ params.seed }}
          - name: split
            uses: data/split
            inputs: { dataset: {dataset} }
            with:
              test_fraction: {test_fraction}
          - name: train
            uses: {uses}
            inputs: { train: split.train }
            with:
              label: {label}
              c: {c}
            retries: {retries}
            timeout: {timeout}
            resources: { cpu: {cpu}, memory: {memory} }
          - name: evaluate
            uses: evaluate/classification
            inputs:
              models: {models}
              test: split.test
          - name: {stepname}
            run: echo hi > "$TOOLKIT_OUTPUT_OUT"
            image: {image}
            needs: {needs}
            when: {when}
            outputs: {outputs}
            env: {env}
            cache: {cache}
            network: {network}

        """;

    private static readonly string[] NotAnInt = ["-5", "1e400", ".inf", "-.inf", ".nan", "Infinity", "abc", "'1,5'", "[1]", "{ a: 1 }", "99999999999999999999", "1.5", "''", "true"];
    private static readonly string[] NotAFraction = ["-0.1", "1.5", "1e400", ".inf", "-.inf", ".nan", "abc", "[0.3]", "{ a: 1 }", "true", "''", "Infinity"];

    private static readonly Dictionary<string, string[]> Hostile = new()
    {
        ["rows"] = NotAnInt,
        ["default"] = ["1e400", ".nan", "[1, [2, [3]]]", "{ type: int, default: abc }", "{ type: float128, default: 1 }", "{ type: int }", "{ default: 1, bogus: 2 }", "*undefined"],
        ["test_fraction"] = NotAFraction,
        ["c"] = ["-1", "0", "abc", ".inf", "1e400", ".nan", "[1]"],
        ["generator"] = ["nope", "[diabetes]", "{ a: b }", "''", "../../etc/passwd"],
        ["label"] = ["[diabetes]", "{ a: b }", "''"],
        ["retries"] = ["-1", "abc", "[1]", "{ count: -1 }", "{ count: 1000000000 }", "{ count: 2, backoff: forever }", "{ count: 2, backoff: -1s }", "{ count: 2, bogus: 1 }", "1.5", "99999999999"],
        ["timeout"] = ["forever", "-1s", "100000h", "1e400s", "[1m]", "{ a: 1 }", "''", "10 minutes", "0x10s", "99999999999999999999ms"],
        ["cpu"] = ["Infinity", ".inf", "-1", "0", "abc", "[1]", "1e400", ".nan", "1000000"],
        ["memory"] = ["1Zi", "lots", "-1Gi", "1e400Gi", "[1Gi]", "0", "99999999999999999999Ti", "1.5.5Gi"],
        ["cache"] = ["maybe", "5", "[true]", "{ a: b }"],
        ["network"] = ["maybe", "5", "[true]"],
        ["when"] = [
            "${{ (( }}", "${{ params.nope }}", "${{ 1 + }}", "'${{ ''unterminated }}'", "${{ steps.nope.outputs.auc > 1 }}", "[1, 2]", "{ a: 1 }",
            "${{ }}", "${{ params.rows && }}", "${{ params.rows ==== 1 }}", "${{ ! }}", "${{ " + new string('(', 100) + "1" + new string(')', 100) + " }}",
            "${{ " + string.Join(" || ", Enumerable.Repeat("params.rows > 1", 2000)) + " }}", "${{ steps.evaluate.outputs }}", "${{ params }}",
        ],
        ["needs"] = ["[nope]", "[custom]", "[1]", "{ a: b }", "[[evaluate]]"],
        ["stepname"] = ["../x", "/etc/hostname", "a/b", "''", "UPPER", "'a b'", new string('x', 1000), "..", ".", "evaluate", "ingest", "'-x'", "[x]", "'x\\u0000'"],
        ["outputs"] = ["[../x]", "[/etc/hostname]", "[a/b]", "['']", "[out, out]", "{ a: b }", "[[x]]", "['..']", "[out, OUT]", "[a-b, a_b]"],
        ["env"] = ["['1']", "{ A: [x] }", "[../x]", "{ '': v }", "{ 'A=B': v }", "[[HOME]]", "{ A: { b: c } }"],
        ["image"] = ["[x]", "{ a: b }"],
        ["uses"] = ["nope/component", "''", "[x]", "train/nope", "../train/logistic-regression"],
        ["dataset"] = ["nope.dataset", "ingest.nope", "ingest", "'${{ steps.nope.outputs.dataset }}'", "'.dataset'", "'ingest.'"],
        ["models"] = ["[]", "[nope.model]", "train.model.x", "[[train.model]]", "{ a: b }"],
    };

    public static IEnumerable<FuzzCase> Cases()
    {
        var all = new List<(string Name, string Text)>();
        foreach (var (field, values) in Hostile)
        {
            for (var i = 0; i < values.Length; i++)
            {
                all.Add(($"{field}-{i}-{Slug(values[i])}", Render(new Dictionary<string, string> { [field] = values[i] })));
            }
        }

        all.AddRange(Structural());
        foreach (var (name, text) in all)
        {
            yield return Validate($"pipeline/validate/{name}", Encoding.UTF8.GetBytes(text));
        }

        foreach (var (name, bytes) in ByteLevel())
        {
            yield return Validate($"pipeline/validate/{name}", bytes);
        }

        // A seeded sample through `pipeline run`: refused before any step runs, nothing stored.
        var rng = new Random(Seed);
        foreach (var (name, text) in all.OrderBy(_ => rng.Next()).Take(25))
        {
            yield return new FuzzCase
            {
                Name = $"pipeline/run/{name}",
                Files = new Dictionary<string, byte[]> { ["p.yaml"] = Encoding.UTF8.GetBytes(text) },
                Args = ["pipeline", "run", "p.yaml", "--json"],
                MustName = "p.yaml",
                Output = ".toolkit/artifacts",
                MaxErrorLines = 50,
            };
        }
    }

    private static FuzzCase Validate(string name, byte[] bytes) => new()
    {
        Name = name,
        Files = new Dictionary<string, byte[]> { ["p.yaml"] = bytes },
        Args = ["pipeline", "validate", "p.yaml"],
        MustName = "p.yaml",
        MaxErrorLines = 50,
    };

    private static IEnumerable<(string Name, string Text)> Structural()
    {
        var valid = Valid;
        var lines = valid.Split('\n');
        string Replace(string from, string to) => valid.Replace(from, to, StringComparison.Ordinal);
        string Insert(string after, string line) => Replace(after, after + "\n" + line);

        yield return ("tab-indent", Replace("    uses: data/split", "\tuses: data/split"));
        yield return ("tab-indent-top", Replace("\n  rows:", "\n\trows:"));
        yield return ("duplicate-top-key", Insert("name: fuzz", "name: again"));
        yield return ("duplicate-step-key", Insert("    uses: data/split", "    uses: data/synthesize"));
        yield return ("duplicate-with-key", Insert("      generator: diabetes", "      generator: housing"));
        yield return ("duplicate-params-key", Insert("  seed: 1", "  seed: 2"));
        yield return ("unknown-top-field", Insert("kind: Pipeline", "stepz: []"));
        yield return ("unknown-step-field", Insert("    uses: data/split", "    retry: 1"));
        yield return ("unknown-with-param", Insert("      test_fraction: 0.3", "      test_fractoin: 0.2"));
        yield return ("unknown-resources-field", Replace("{ cpu: 1, memory: 1Gi }", "{ cpu: 1, memory: 1Gi, gpu: 1 }"));
        yield return ("missing-api-version", Replace("apiVersion: toolkit/v1\n", ""));
        yield return ("api-version-v2", Replace("toolkit/v1", "toolkit/v2"));
        yield return ("api-version-list", Replace("toolkit/v1", "[toolkit/v1]"));
        yield return ("kind-model", Replace("kind: Pipeline", "kind: Model"));
        yield return ("kind-missing", Replace("kind: Pipeline\n", ""));
        yield return ("name-uppercase", Replace("name: fuzz", "name: Bad_Name"));
        yield return ("name-path", Replace("name: fuzz", "name: ../x"));
        yield return ("name-missing", Replace("name: fuzz\n", ""));
        yield return ("name-list", Replace("name: fuzz", "name: [fuzz]"));
        yield return ("steps-missing", valid[..valid.IndexOf("steps:", StringComparison.Ordinal)]);
        yield return ("steps-empty-list", valid[..valid.IndexOf("steps:", StringComparison.Ordinal)] + "steps: []\n");
        yield return ("steps-map", valid[..valid.IndexOf("steps:", StringComparison.Ordinal)] + "steps: { a: b }\n");
        yield return ("steps-scalar", valid[..valid.IndexOf("steps:", StringComparison.Ordinal)] + "steps: 5\n");
        yield return ("step-scalar", Replace("steps:\n", "steps:\n  - ingest-only\n"));
        yield return ("step-null", Replace("steps:\n", "steps:\n  -\n"));
        yield return ("step-uses-and-run", Insert("    uses: data/split", "    run: echo"));
        yield return ("step-neither-uses-nor-run", Replace("    uses: data/split\n", ""));
        yield return ("params-list", Replace("params:\n  rows: 500\n  seed: 1\n", "params: [1, 2]\n"));
        yield return ("params-empty-name", Insert("  seed: 1", "  '': 1"));
        yield return ("params-unknown-reference", Replace("${{ params.seed }}", "${{ params.seeed }}"));
        yield return ("params-reference-unclosed", Replace("${{ params.seed }}", "'${{ params.seed'"));
        yield return ("with-list", Replace("    with:\n      test_fraction: 0.3\n", "    with: [0.3]\n"));
        yield return ("with-scalar", Replace("    with:\n      test_fraction: 0.3\n", "    with: 0.3\n"));
        yield return ("inputs-list", Replace("inputs: { dataset: ingest.dataset }", "inputs: [ingest.dataset]"));
        yield return ("inputs-unknown-name", Replace("inputs: { dataset: ingest.dataset }", "inputs: { datasets: ingest.dataset }"));
        yield return ("required-input-missing", Replace("    inputs: { dataset: ingest.dataset }\n", ""));
        yield return ("required-param-missing", Replace("      label: diabetes\n", ""));
        yield return ("cycle-two", Insert("    uses: data/synthesize", "    needs: [split]"));
        yield return ("cycle-three", Insert("    uses: data/synthesize", "    needs: [evaluate]"));
        yield return ("cycle-through-custom", Insert("    uses: data/synthesize", "    needs: [custom]"));
        yield return ("self-input", Replace("inputs: { dataset: ingest.dataset }", "inputs: { dataset: split.train }"));
        yield return ("billion-laughs", BillionLaughs(valid));
        yield return ("alias-undefined", Replace("      c: 1.0", "      c: *nope"));
        yield return ("anchor-alias-mapping-as-value", Replace("      c: 1.0", "      c: &a { x: 1 }\n      cc: *a"));
        yield return ("merge-key", Replace("      c: 1.0", "      <<: { c: 1.0 }"));
        yield return ("tag-python", Replace("      c: 1.0", "      c: !!python/object:os.system 'id'"));
        yield return ("tag-binary", Replace("      c: 1.0", "      c: !!binary aGVsbG8="));
        yield return ("tag-float-abc", Replace("      c: 1.0", "      c: !!float abc"));
        yield return ("tag-unknown", Replace("      c: 1.0", "      c: !custom 1"));
        yield return ("complex-key", Replace("      c: 1.0", "      ? [c]\n      : 1.0"));
        yield return ("flow-key", Replace("      c: 1.0", "      [c]: 1.0"));
        yield return ("mapping-key", Replace("      c: 1.0", "      { c: 1 }: 1.0"));
        yield return ("two-documents", valid + "---\n" + valid);
        yield return ("document-end-then-junk", valid + "...\njunk: [\n");
        yield return ("unterminated-flow", Replace("{ dataset: ingest.dataset }", "{ dataset: ingest.dataset"));
        yield return ("unterminated-quote", Replace("description: the fuzz corpus template", "description: \"the fuzz"));
        yield return ("bad-indent", Replace("    uses: data/split", "   uses: data/split"));
        yield return ("top-level-list", "- a\n- b\n");
        yield return ("top-level-scalar", "hello\n");
        yield return ("top-level-null", "~\n");
        yield return ("empty", "");
        yield return ("comments-only", "# nothing\n# here\n");
        yield return ("directive-yaml-9", "%YAML 9.9\n---\n" + valid);
        yield return ("many-steps-same-name", valid + string.Concat(Enumerable.Repeat("  - name: split\n    uses: data/split\n    inputs: { dataset: ingest.dataset }\n", 50)));
        yield return ("10k-unknown-keys", Insert("kind: Pipeline", string.Join('\n', Enumerable.Range(0, 10_000).Select(i => $"k{i}: {i}"))));
        yield return ("huge-key", Insert("kind: Pipeline", new string('k', 1_000_000) + ": 1"));
        yield return ("with-nested-500", Replace("      c: 1.0", "      c: " + new string('[', 500) + new string(']', 500)));
        yield return ("when-nested-500", Replace("${{ steps.evaluate.outputs.auc >= 0.5 }}", "${{ " + new string('(', 500) + "1" + new string(')', 500) + " }}"));
        yield return ("when-not-1000", Replace("${{ steps.evaluate.outputs.auc >= 0.5 }}", "${{ " + new string('!', 1000) + "true }}"));
        _ = lines;
    }

    private static IEnumerable<(string Name, byte[] Bytes)> ByteLevel()
    {
        var valid = Encoding.UTF8.GetBytes(Valid);
        var at = Valid.IndexOf("the fuzz corpus", StringComparison.Ordinal);
        yield return ("nul-byte", [.. valid[..at], 0, .. valid[at..]]);
        yield return ("invalid-utf8", [.. valid[..at], 0xC3, 0x28, .. valid[at..]]);
        yield return ("utf16-without-bom", Encoding.Unicode.GetBytes(Valid));
        yield return ("random-bytes", RandomBytes(4096, Seed));
        yield return ("control-chars", [.. valid[..at], 0x07, 0x1B, .. valid[at..]]);
        var rng = new Random(Seed);
        for (var i = 0; i < 5; i++)
        {
            // Cut inside the steps so required parts go missing, and open a flow so the cut is never a valid shorter file.
            var cut = rng.Next(Valid.IndexOf("steps:", StringComparison.Ordinal) + 8, valid.Length - 10);
            yield return ($"truncated-{i}", [.. valid[..cut], .. "\n  - [ \n"u8.ToArray()]);
        }
    }

    /// <summary>Nine levels of ten aliases each: a billion nodes if expanded.</summary>
    private static string BillionLaughs(string valid)
    {
        var b = new StringBuilder("      c: 1.0\n      x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++)
        {
            b.Append("      x").Append(i).Append(": &a").Append(i).Append(" [")
                .Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        }

        return valid.Replace("      c: 1.0\n", b.ToString(), StringComparison.Ordinal);
    }

    private static string Slug(string value)
    {
        var s = new string([.. value.Take(24).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        return s.Length == 0 ? "empty" : s;
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
