using System.Globalization;
using System.Text;

namespace Toolkit.Cli.Tests.Fuzz;

/// <summary>
/// Malformed CSV files, each a mutation of one valid file, fed to every command that reads CSV:
/// <c>train</c>, <c>predict</c>, <c>evaluate</c> and the <c>data/validate</c> component.
/// </summary>
internal static class CsvCorpus
{
    private const int Seed = 11;

    /// <summary>The valid file: a float, an int, a text column and a 0/1 label; 40 rows.</summary>
    public static string Valid { get; } = MakeValid();

    public static IEnumerable<FuzzCase> Cases()
    {
        foreach (var (name, data, scope) in Mutations())
        {
            foreach (var command in Commands)
            {
                if ((scope & command.Scope) != 0)
                {
                    var c = command.Make($"csv/{command.Name}/{name}", data);

                    // data/validate reads these files fine; its checks then fail (exit 1, each check named), as documented.
                    yield return command.Name == "validate" && name is "header-only" or "header-only-no-newline" or "label-empty" or "label-na"
                        ? c with { ExpectedExit = ExitCodes.Failure, MustName = name.StartsWith("label", StringComparison.Ordinal) ? "label_missing" : "row_count", Output = null }
                        : c;
                }
            }
        }
    }

    [Flags]
    private enum Scope
    {
        Train = 1,
        Predict = 2,
        Evaluate = 4,
        Validate = 8,

        /// <summary>Structural damage: every reader refuses it.</summary>
        All = Train | Predict | Evaluate | Validate,

        /// <summary>Where the label must be there and complete.</summary>
        Labelled = Train | Evaluate | Validate,

        /// <summary>Where the model dictates the column types (a text value in a numeric input is an error).</summary>
        Typed = Predict | Evaluate,
    }

    private sealed record CsvCommand(string Name, Scope Scope, Func<string, byte[], FuzzCase> Make);

    private static readonly CsvCommand[] Commands =
    [
        new("train", Scope.Train, (name, data) => new FuzzCase
        {
            Name = name,
            Files = new Dictionary<string, byte[]> { ["d.csv"] = data },
            Args = ["train", "--data", "d.csv", "--label", "y", "--algorithm", "logistic-regression", "--out", "m.tkm"],
            MustName = "d.csv",
            Output = "m.tkm",
        }),
        new("predict", Scope.Predict, (name, data) => new FuzzCase
        {
            Name = name,
            Files = new Dictionary<string, byte[]> { ["d.csv"] = data, ["m.tkm"] = FuzzModel.Bytes },
            Args = ["predict", "--model", "m.tkm", "--data", "d.csv", "--out", "p.csv"],
            MustName = "d.csv",
            Output = "p.csv",
        }),
        new("evaluate", Scope.Evaluate, (name, data) => new FuzzCase
        {
            Name = name,
            Files = new Dictionary<string, byte[]> { ["d.csv"] = data, ["m.tkm"] = FuzzModel.Bytes },
            Args = ["evaluate", "--model", "m.tkm", "--data", "d.csv", "--json"],
            MustName = "d.csv",
        }),
        new("validate", Scope.Validate, (name, data) => new FuzzCase
        {
            Name = name,
            Files = new Dictionary<string, byte[]> { ["d.csv"] = data },
            Args = ["component", "run", "data/validate", "--input", "dataset=d.csv", "--param", "label=y", "--param", "min_rows=1", "--output", "report=r.json"],
            MustName = "d.csv",
            Output = "r.json",
        }),
    ];

    private static IEnumerable<(string Name, byte[] Data, Scope Scope)> Mutations()
    {
        var lines = Valid.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string Join(IEnumerable<string> ls) => string.Join('\n', ls) + "\n";
        string WithLine(int index, string line) => Join(lines.Select((l, i) => i == index ? line : l));
        string WithField(int row, int column, string value) =>
            WithLine(row, string.Join(',', lines[row].Split(',').Select((f, i) => i == column ? value : f)));
        (string, byte[], Scope) Text(string name, string text, Scope scope = Scope.All) => (name, Encoding.UTF8.GetBytes(text), scope);

        // Structure: every reader refuses these.
        yield return Text("ragged-extra-field", WithLine(5, lines[5] + ",9"));
        yield return Text("ragged-missing-field", WithLine(7, lines[7][..lines[7].LastIndexOf(',')]));
        yield return Text("ragged-last-row", Join(lines.Append("1.5")));
        yield return Text("unterminated-quote", WithField(3, 2, "\"abc"));
        yield return Text("unterminated-quote-last-field", Valid.TrimEnd('\n') + ",\"x");
        yield return Text("text-after-closing-quote", WithField(4, 2, "\"ab\"c"));
        yield return Text("quote-then-space", WithField(4, 2, "\"ab\" "));
        yield return Text("duplicate-header", WithLine(0, "a,a,c,y"));
        yield return Text("duplicate-header-label", WithLine(0, "a,b,y,y"));
        yield return Text("empty-header-name", WithLine(0, "a,,c,y"));
        yield return Text("trailing-comma-everywhere", Join(lines.Select(l => l + ",")));
        yield return Text("header-only", lines[0] + "\n");
        yield return Text("header-only-no-newline", lines[0]);
        yield return Text("empty-file", "");
        yield return Text("blank-lines-only", "\n\n\n");
        yield return ("bom-only", [0xEF, 0xBB, 0xBF], Scope.All);
        yield return Text("cr-only-line-ends", Valid.Replace('\n', '\r'));
        yield return Text("header-with-nul", WithLine(0, "a,b\0,c,y"));
        yield return ("nul-bytes-file", new byte[4096], Scope.All);
        yield return ("random-bytes", RandomBytes(8192, Seed), Scope.All);
        yield return ("random-bytes-with-newlines", RandomText(20_000, Seed + 1), Scope.All);
        yield return ("utf16-le-file", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Valid)).ToArray(), Scope.All);
        yield return ("invalid-utf8-header", Encoding.UTF8.GetBytes("a,b,").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes(",y\n" + Join(lines.Skip(1)))).ToArray(), Scope.All);
        yield return Text("wide-100k-columns", string.Join(',', Enumerable.Range(0, 100_000).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture))) + "\n1,2\n");
        yield return Text("wide-100k-columns-in-row", Join(lines.Take(3).Append(string.Join(',', Enumerable.Repeat("1", 100_000)))));
        yield return Text("huge-header-name", WithLine(0, "a,b,c" + new string('x', 2_000_000) + ",y"));
        yield return Text("huge-unterminated-quoted-field", Join(lines.Take(4)) + "1.0,2,\"" + new string('z', 3_000_000));

        // Truncated mid-row and mid-quote, at seeded points.
        var rng = new Random(Seed);
        for (var i = 0; i < 3; i++)
        {
            var cut = rng.Next(lines[0].Length + 2, Valid.Length - 2);
            var text = Valid[..cut];
            if (text.EndsWith('\n') || text.EndsWith(','))
            {
                text = text.TrimEnd('\n', ',');
            }

            // A cut at a field boundary can leave a valid shorter file: add a quote so the tail is open.
            yield return Text($"truncated-open-quote-{i}", text + ",\"" + text[^3..]);
        }

        // Numbers that are not finite doubles: refused wherever the column is numeric (train: the column stays numeric because the rest is).
        foreach (var (tag, value) in new[] { ("infinity", "Infinity"), ("minus-infinity", "-Infinity"), ("inf", "inf"), ("1e400", "1e400"), ("minus-1e400", "-1e400"), ("1e39", "1e39") })
        {
            yield return Text($"float-{tag}", WithField(2 + tag.Length % 5, 0, value), Scope.All);
        }

        // Text in a numeric input: a model knows the column is numeric.
        foreach (var (tag, value) in new[]
        {
            ("hex", "0x10"), ("comma-decimal", "\"1,5\""), ("two-dots", "1.2.3"), ("double-minus", "--1"), ("bare-exponent", "1e"),
            ("infinity-sign", "∞"), ("arabic-digits", "١٢"), ("currency", "$5"), ("true", "TRUE"), ("quoted-word", "\"many\""),
        })
        {
            yield return Text($"text-in-numeric-{tag}", WithField(6, 0, value), Scope.Typed);
            yield return Text($"text-in-int-{tag}", WithField(9, 1, value), Scope.Typed);
        }

        // Labels: missing column, missing values, values the binary model never saw.
        yield return Text("label-column-absent", WithLine(0, "a,b,c,z"), Scope.Labelled);
        yield return Text("label-empty", WithField(3, 3, ""), Scope.Labelled);
        yield return Text("label-na", WithField(8, 3, "NA"), Scope.Labelled);
        yield return Text("label-unknown-class", WithField(5, 3, "7"), Scope.Evaluate);
        yield return Text("label-text-unknown", WithField(5, 3, "maybe"), Scope.Evaluate);
        yield return Text("input-column-absent", WithLine(0, "a,q,c,y"), Scope.Typed);
        yield return Text("unseen-text-input-column-renamed", WithLine(0, "A,b,c,y"), Scope.Typed);

        // Seeded byte damage inside the body: a NUL or an invalid UTF-8 byte in a field.
        for (var i = 0; i < 4; i++)
        {
            var row = 1 + rng.Next(lines.Length - 1);
            var bytes = Encoding.UTF8.GetBytes(WithField(row, 2, "ab" + (char)0 + "cd"));
            yield return ($"nul-in-field-{i}", bytes, Scope.All);
            var bad = Encoding.UTF8.GetBytes(Join(lines.Take(row)));
            var after = Encoding.UTF8.GetBytes(Join(lines.Skip(row + 1)));
            var field = Encoding.UTF8.GetBytes(lines[row][..lines[row].LastIndexOf(',')]);
            yield return ($"invalid-utf8-in-field-{i}", [.. bad, .. field[..^1], 0xFF, 0xFE, (byte)',', .. Encoding.UTF8.GetBytes(lines[row][^1..]), (byte)'\n', .. after], Scope.All);
        }
    }

    private static string MakeValid()
    {
        var rng = new Random(Seed);
        var b = new StringBuilder("a,b,c,y\n");
        for (var i = 0; i < 40; i++)
        {
            var a = Math.Round(rng.NextDouble() * 10, 3);
            var c = (i % 3) switch { 0 => "red", 1 => "green", _ => "blue" };
            var y = a + rng.NextDouble() * 4 > 7 ? 1 : 0;
            b.Append(CultureInfo.InvariantCulture, $"{a},{rng.Next(0, 100)},{c},{y}\n");
        }

        return b.ToString();
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Random bytes with commas, quotes and line breaks often enough to look like rows.</summary>
    private static byte[] RandomText(int count, int seed)
    {
        var rng = new Random(seed);
        var bytes = RandomBytes(count, seed);
        for (var i = 0; i < bytes.Length; i += 1 + rng.Next(8))
        {
            bytes[i] = "\n,\"\r"[rng.Next(4)] switch { var c => (byte)c };
        }

        return bytes;
    }
}
