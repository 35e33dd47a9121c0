using System.Text;

namespace Toolkit.Cli.Tests.Fuzz;

/// <summary>
/// Bad command lines: unknown flags, missing values, out-of-range and huge numbers, empty strings, and
/// paths that are directories, missing files or the wrong kind of file. In a folder with a valid CSV
/// (<c>d.csv</c>), model (<c>m.tkm</c>), pipeline (<c>p.yaml</c>), policy (<c>models/m</c>) and a directory <c>dir</c>.
/// </summary>
internal static class ArgumentCorpus
{
    private static readonly string[] BadInts = ["0", "-1", "abc", "99999999999", "1e3", "''", "1.5", "0x10"];

    public static IEnumerable<FuzzCase> Cases()
    {
        string[] train = ["train", "--data", "d.csv", "--label", "y", "--algorithm", "logistic-regression", "--out", "o.tkm"];
        string[] predict = ["predict", "--model", "m.tkm", "--data", "d.csv", "--out", "o.csv"];
        string[] synth = ["data", "synth", "--generator", "diabetes", "--rows", "10", "--out", "o.csv"];

        // Replace one option's value (or drop the value) in a valid command line.
        IEnumerable<FuzzCase> Vary(string tag, string[] valid, string option, string output, params string[] values)
        {
            if (Array.IndexOf(valid, option) < 0)
            {
                valid = [.. valid, option, "1"];
            }

            var at = Array.IndexOf(valid, option);
            foreach (var value in values)
            {
                var args = (string[])valid.Clone();
                args[at + 1] = value == "''" ? "" : value;
                yield return Case($"{tag}{option}={Slug(value)}", args, value.Length > 2 || value == "''" ? value : option, output);
            }

            yield return Case($"{tag}{option}-no-value", [.. valid[..(at + 1)], .. valid[(at + 2)..]], option, output);
        }

        foreach (var c in Vary("train", train, "--data", "o.tkm", "missing.csv", "dir", "''", "m.tkm", "/dev/null")) { yield return c; }
        foreach (var c in Vary("train", train, "--label", "o.tkm", "nope", "''")) { yield return c; }
        foreach (var c in Vary("train", train, "--algorithm", "o.tkm", "nope", "''", "../x")) { yield return c; }
        foreach (var c in Vary("train", train, "--out", "o.tkm", "dir", "''", "/proc/o.tkm")) { yield return c; }
        foreach (var p in new[] { "c=abc", "c=-1", "c=1e400", "c=Infinity", "c=NaN", "nope=1", "=1", "c", "c=", "max_iter=0", "max_iter=99999999999", "max_iter=-5", "tol=-1", "fit_intercept=maybe" })
        {
            yield return Case($"train--param={Slug(p)}", [.. train, "--param", p], "--param", "o.tkm", mustName: p.Contains('=') && p.Length > 2 ? p[..p.IndexOf('=')] : null);
        }

        foreach (var v in new[] { "99999999999999", "abc", "''", "-99999999999" })
        {
            yield return Case($"train--seed={Slug(v)}", [.. train, "--seed", v == "''" ? "" : v], "--seed", "o.tkm");
        }

        foreach (var v in BadInts.Append("2000"))
        {
            yield return Case($"train--threads={Slug(v)}", [.. train, "--threads", v == "''" ? "" : v], "--threads", "o.tkm");
        }

        yield return Case("train--label=numeric-for-classifier", [.. train[..4], "a", .. train[5..]], "'a'", "o.tkm");
        yield return Case("train--task=nope", [.. train, "--task", "nope"], "--task", "o.tkm");
        yield return Case("train--task=regression-on-text", [.. train, "--task", "regression", "--label", "c"], "c", "o.tkm");
        yield return Case("train--ignore=label", [.. train, "--ignore", "y"], "y", "o.tkm");
        yield return Case("train--ignore=nope", [.. train, "--ignore", "nope"], "nope", "o.tkm");
        yield return Case("train--unknown-flag", [.. train, "--bogus"], "--bogus", "o.tkm");
        yield return Case("train--flag-twice", [.. train, "--out", "o2.tkm"], "--out", "o.tkm");
        yield return Case("train-missing-required", ["train", "--data", "d.csv"], "--label", "o.tkm");

        foreach (var c in Vary("predict", predict, "--model", "o.csv", "missing.tkm", "dir", "''", "d.csv", "p.yaml", "/dev/null")) { yield return c; }
        foreach (var c in Vary("predict", predict, "--data", "o.csv", "missing.csv", "dir", "''", "m.tkm", "/dev/null")) { yield return c; }
        foreach (var c in Vary("predict", predict, "--out", "o.csv", "dir", "''", "/proc/o.csv")) { yield return c; }
        yield return Case("evaluate--model=dir", ["evaluate", "--model", "dir", "--data", "d.csv"], "dir", null);
        yield return Case("evaluate--data=dir", ["evaluate", "--model", "m.tkm", "--data", "dir"], "dir", null);
        yield return Case("evaluate--data=unlabelled", ["evaluate", "--model", "m.tkm", "--data", "nolabel.csv"], "nolabel.csv", null);

        foreach (var c in Vary("synth", synth, "--rows", "o.csv", [.. BadInts, "300000000"])) { yield return c; }
        foreach (var c in Vary("synth", synth, "--generator", "o.csv", "nope", "''", "../diabetes")) { yield return c; }
        foreach (var c in Vary("synth", synth, "--out", "o.csv", "dir", "''", "/proc/o.csv")) { yield return c; }
        foreach (var c in Vary("synth", synth, "--seed", "o.csv", "abc", "99999999999")) { yield return c; }

        foreach (var file in new[] { "missing.yaml", "dir", "d.csv", "m.tkm", "/dev/null" })
        {
            yield return Case($"pipeline-validate={Slug(file)}", ["pipeline", "validate", file], file, null);
        }

        yield return Case("pipeline-validate=empty-path", ["pipeline", "validate", ""], "pipeline", null);
        foreach (var v in BadInts.Append("2000"))
        {
            yield return Case($"pipeline-run--max-parallel={Slug(v)}", ["pipeline", "run", "p.yaml", "--max-parallel", v == "''" ? "" : v], "--max-parallel", ".toolkit/artifacts");
        }

        foreach (var p in new[] { "rows=abc", "rows=1e400", "rows=-5", "nope=1", "rows", "=5", "rows=", "seed=99999999999" })
        {
            yield return Case($"pipeline-run--param={Slug(p)}", ["pipeline", "run", "p.yaml", "--param", p], p.Length > 1 && p[0] != '=' ? p.Split('=')[0] : "--param", ".toolkit/artifacts");
        }

        yield return Case("pipeline-run--executor=kubernetes", ["pipeline", "run", "p.yaml", "--executor", "kubernetes"], "kubernetes", ".toolkit/artifacts");
        yield return Case("pipeline-graph--format=png", ["pipeline", "graph", "p.yaml", "--format", "png"], "png", null);
        yield return Case("pipeline-plan--unknown", ["pipeline", "plan", "p.yaml", "--bogus"], "--bogus", null);

        foreach (var v in BadInts)
        {
            yield return Case($"runs-list--limit={Slug(v)}", ["runs", "list", "--limit", v == "''" ? "" : v], "--limit", null);
        }

        yield return Case("runs-show=empty", ["runs", "show", ""], "run", null);
        yield return Case("runs-show=path", ["runs", "show", "../../etc/passwd"], "../../etc/passwd", null);
        yield return Case("lineage=garbage", ["lineage", "garbage!"], "garbage!", null);
        yield return Case("lineage=short-digest", ["lineage", "sha256:zz"], "sha256:zz", null);

        foreach (var name in new[] { "../x", "''", "/etc/hostname", "UPPER", "a b" })
        {
            var n = name == "''" ? "" : name;
            yield return Case($"model-show={Slug(name)}", ["model", "show", n], "model", null);
            yield return Case($"model-register--model={Slug(name)}", ["model", "register", "--model", n, "--file", "m.tkm"], "model", ".toolkit/registry");
            yield return Case($"deploy={Slug(name)}", ["deploy", n, "--stage", "dev", "--target", "process"], "model", ".toolkit/deployments");
        }

        foreach (var v in new[] { "0", "-1", "abc", "99999999999" })
        {
            yield return Case($"model-promote--version={Slug(v)}", ["model", "promote", "m", "--version", v, "--to", "dev"], "--version", null);
            yield return Case($"model-card--version={Slug(v)}", ["model", "card", "m", "--version", v], "--version", null);
            yield return Case($"deploy--model-version={Slug(v)}", ["deploy", "m", "--stage", "dev", "--model-version", v, "--target", "process"], "--model-version", null);
        }

        yield return Case("model-promote--to=nope", ["model", "promote", "m", "--version", "1", "--to", "nope"], "--to", null);
        yield return Case("deploy--stage=nope", ["deploy", "m", "--stage", "nope"], "--stage", null);
        yield return Case("deploy--target=nope", ["deploy", "m", "--stage", "dev", "--target", "nope"], "--target", null);
        yield return Case("model-register-neither", ["model", "register", "--model", "m"], "--run", ".toolkit/registry");
        yield return Case("model-register--file=missing", ["model", "register", "--model", "m", "--file", "missing.tkm"], "missing.tkm", ".toolkit/registry");
        yield return Case("model-register--file=dir", ["model", "register", "--model", "m", "--file", "dir"], "dir", ".toolkit/registry");
        yield return Case("model-register--file=csv", ["model", "register", "--model", "m", "--file", "d.csv"], "d.csv", ".toolkit/registry");
        yield return Case("model-inspect=dir", ["model", "inspect", "dir"], "dir", null);
        yield return Case("model-inspect=missing", ["model", "inspect", "missing.tkm"], "missing.tkm", null);

        foreach (var (option, value) in new[] { ("--port", "70000"), ("--port", "-1"), ("--port", "abc"), ("--max-batch", "0"), ("--max-batch", "-5"), ("--log-sample", "2"), ("--log-sample", "-0.5"), ("--log-sample", "NaN"), ("--log-sample", "abc") })
        {
            yield return Case($"serve{option}={Slug(value)}", ["serve", "--file", "m.tkm", option, value, .. option == "--port" ? Array.Empty<string>() : ["--port", "0"], .. option == "--log-sample" ? new[] { "--log", "log.jsonl" } : []], option, "log.jsonl");
        }

        yield return Case("serve--host=not-an-address", ["serve", "--file", "m.tkm", "--port", "0", "--host", "not-a-host"], "not-a-host", null);
        yield return Case("serve--host=not-this-machine", ["serve", "--file", "m.tkm", "--port", "0", "--host", "192.0.2.1"], "192.0.2.1", null);
        yield return Case("serve--file=dir", ["serve", "--file", "dir", "--port", "0"], "dir", null);
        yield return Case("serve--file=missing", ["serve", "--file", "missing.tkm", "--port", "0"], "missing.tkm", null);
        yield return Case("serve--file=csv", ["serve", "--file", "d.csv", "--port", "0"], "d.csv", null);
        yield return Case("serve-nothing", ["serve", "--port", "0"], "--file", null);

        string[] load = ["loadtest", "--url", "http://127.0.0.1:9", "--duration", "1s"];
        foreach (var (option, value) in new[]
        {
            ("--url", "not a url"), ("--url", ""), ("--url", "ftp://x"), ("--duration", "forever"), ("--duration", "-1s"), ("--duration", "0s"), ("--duration", "2h"), ("--duration", "1e400s"),
            ("--concurrency", "0"), ("--concurrency", "-1"), ("--concurrency", "100000"), ("--rows", "0"), ("--rows", "-1"), ("--max-requests", "-1"), ("--max-requests", "0"), ("--data", "missing.csv"), ("--data", "dir"),
        })
        {
            var args = load.ToList();
            var at = args.IndexOf(option);
            if (at >= 0)
            {
                args[at + 1] = value;
            }
            else
            {
                args.AddRange([option, value]);
            }

            yield return Case($"loadtest{option}={Slug(value)}", [.. args], option is "--data" ? value : option, null);
        }

        yield return Case("component-run=nope", ["component", "run", "nope/comp"], "nope/comp", null);
        yield return Case("component-run=no-inputs", ["component", "run", "data/validate", "--param", "label=y", "--output", "report=r.json"], "dataset", "r.json");
        yield return Case("component-run--input=noequals", ["component", "run", "data/validate", "--input", "dataset", "--param", "label=y", "--output", "report=r.json"], "--input", "r.json");
        yield return Case("component-run--input=missing", ["component", "run", "data/validate", "--input", "dataset=missing.csv", "--param", "label=y", "--output", "report=r.json"], "missing.csv", "r.json");
        yield return Case("component-run--input=dir", ["component", "run", "data/validate", "--input", "dataset=dir", "--param", "label=y", "--output", "report=r.json"], "dir", "r.json");
        yield return Case("component-run--param=abc", ["component", "run", "data/validate", "--input", "dataset=d.csv", "--param", "label=y", "--param", "min_rows=abc", "--output", "report=r.json"], "min_rows", "r.json");
        yield return Case("component-run--param=unknown", ["component", "run", "data/validate", "--input", "dataset=d.csv", "--param", "label=y", "--param", "bogus=1", "--output", "report=r.json"], "bogus", "r.json");
        yield return Case("component-run--output=unknown", ["component", "run", "data/validate", "--input", "dataset=d.csv", "--param", "label=y", "--output", "bogus=r.json"], "bogus", "r.json");
        yield return Case("export--format=pmml", ["model", "export", "--file", "m.tkm", "--format", "pmml", "-o", "x.onnx"], "pmml", "x.onnx");
        yield return Case("export--file=dir", ["model", "export", "--file", "dir", "-o", "x.onnx"], "dir", "x.onnx");
        yield return Case("export--file=missing", ["model", "export", "--file", "missing.tkm", "-o", "x.onnx"], "missing.tkm", "x.onnx");
        yield return Case("gate-check--report=missing", ["gate", "check", "--model", "m", "--report", "missing.json"], "missing.json", null);
        yield return Case("gate-check--report=dir", ["gate", "check", "--model", "m", "--report", "dir"], "dir", null);
        yield return Case("gate-check--report=csv", ["gate", "check", "--model", "m", "--report", "d.csv"], "d.csv", null);
        yield return Case("gate-check-neither", ["gate", "check", "--model", "m"], "--report", null);
        yield return Case("unknown-command", ["bogus"], "bogus", null);
        yield return Case("unknown-subcommand", ["model", "bogus"], "bogus", null);
    }

    private static FuzzCase Case(string name, string[] args, string? mustName, string? output) => Case(name, args, "", output, mustName);

    private static FuzzCase Case(string name, string[] args, string _, string? output, string? mustName) => new()
    {
        Name = $"args/{name}",
        Files = Folder,
        Args = args,
        MustName = string.IsNullOrEmpty(mustName) || mustName == "''" ? null : mustName,
        Output = output,
    };

    private static Dictionary<string, byte[]> Folder => new()
    {
        ["d.csv"] = Encoding.UTF8.GetBytes(CsvCorpus.Valid),
        ["nolabel.csv"] = Encoding.UTF8.GetBytes(string.Join('\n', CsvCorpus.Valid.Split('\n').Select(l => l.Length == 0 ? l : l[..l.LastIndexOf(',')]))),
        ["m.tkm"] = FuzzModel.Bytes,
        ["p.yaml"] = Encoding.UTF8.GetBytes(PipelineCorpus.Valid),
        ["toolkit.yaml"] = "store: .toolkit\n"u8.ToArray(),
        ["models/m/model.yaml"] = Encoding.UTF8.GetBytes(SettingsCorpus.Policy),
        ["dir/.keep"] = [],
    };

    private static string Slug(string value)
    {
        var s = new string([.. value.Take(24).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')]);
        return s.Length == 0 ? "empty" : s;
    }
}
