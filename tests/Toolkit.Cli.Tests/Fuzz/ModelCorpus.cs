using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Toolkit.Cli.Tests.Fuzz;

/// <summary>Valid model files, trained once from <see cref="CsvCorpus.Valid"/> by the real <c>mlops train</c>.</summary>
internal static class FuzzModel
{
    private static readonly Lazy<byte[]> Logistic = new(() => Train("logistic-regression"));
    private static readonly Lazy<byte[]> Forest = new(() => Train("random-forest", "trees=3"));

    public static byte[] Bytes => Logistic.Value;

    public static byte[] ForestBytes => Forest.Value;

    private static byte[] Train(string algorithm, params string[] parameters)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("d.csv"), CsvCorpus.Valid);
        string[] args = ["train", "--data", "d.csv", "--label", "y", "--algorithm", algorithm, "--out", "m.tkm", .. parameters.SelectMany(p => new[] { "--param", p })];

        // On the pool: a static initializer must not wait on the test's synchronization context.
        var result = Task.Run(() => CliRunner.RunInAsync(folder.Path, args)).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"training the fuzz model failed: {result.Error}");
        }

        return File.ReadAllBytes(folder.File("m.tkm"));
    }
}

/// <summary>
/// Damaged model files: truncated, flipped bytes, bad headers, random bytes, and bodies with a
/// recomputed checksum whose JSON is cut short or holds the wrong kind of value somewhere.
/// </summary>
internal static class ModelCorpus
{
    private const int Seed = 13;

    public static IEnumerable<FuzzCase> Cases()
    {
        foreach (var (name, bytes) in Mutations())
        {
            yield return Predict($"model/predict/{name}", bytes);
            yield return new FuzzCase
            {
                Name = $"model/inspect/{name}",
                Files = new Dictionary<string, byte[]> { ["m.tkm"] = bytes },
                Args = ["model", "inspect", "m.tkm", "--json"],
                MustName = "m.tkm",
            };
        }

        foreach (var (name, bytes) in BodyMutations("logistic", FuzzModel.Bytes).Concat(BodyMutations("forest", FuzzModel.ForestBytes)))
        {
            yield return Predict($"model/predict/{name}", bytes);
        }
    }

    private static FuzzCase Predict(string name, byte[] bytes) => new()
    {
        Name = name,
        Files = new Dictionary<string, byte[]> { ["m.tkm"] = bytes, ["d.csv"] = Encoding.UTF8.GetBytes(CsvCorpus.Valid) },
        Args = ["predict", "--model", "m.tkm", "--data", "d.csv", "--out", "p.csv"],
        MustName = "m.tkm",
        Output = "p.csv",
    };

    private static IEnumerable<(string Name, byte[] Bytes)> Mutations()
    {
        var valid = FuzzModel.Bytes;
        var newline = Array.IndexOf(valid, (byte)'\n');
        var rng = new Random(Seed);
        yield return ("empty", []);
        yield return ("one-byte", [(byte)'T']);
        yield return ("header-only", valid[..(newline + 1)]);
        yield return ("header-no-newline", valid[..newline]);
        foreach (var cut in new[] { 3, 10, newline - 5 })
        {
            yield return ($"truncated-in-header-{cut}", valid[..cut]);
        }

        for (var i = 0; i < 5; i++)
        {
            var cut = rng.Next(newline + 2, valid.Length - 1);
            yield return ($"truncated-body-{i}", valid[..cut]);
        }

        for (var i = 0; i < 5; i++)
        {
            var copy = (byte[])valid.Clone();
            var at = rng.Next(newline + 1, valid.Length);
            copy[at] ^= (byte)(1 << rng.Next(8));
            yield return ($"bit-flip-body-{i}", copy);
        }

        var body = valid[(newline + 1)..];
        var digest = Encoding.ASCII.GetString(valid[..newline]).Split(' ')[2];
        byte[] WithHeader(string header) => [.. Encoding.ASCII.GetBytes(header + "\n"), .. body];
        yield return ("magic-lowercase", WithHeader($"tkm 1 {digest}"));
        yield return ("magic-other", WithHeader($"ONNX 1 {digest}"));
        yield return ("version-2", WithHeader($"TKM 2 {digest}"));
        yield return ("version-0", WithHeader($"TKM 0 {digest}"));
        yield return ("version-negative", WithHeader($"TKM -1 {digest}"));
        yield return ("version-huge", WithHeader($"TKM 99999999999999999999999 {digest}"));
        yield return ("version-text", WithHeader($"TKM one {digest}"));
        yield return ("digest-md5", WithHeader("TKM 1 md5:0123456789abcdef"));
        yield return ("digest-empty", WithHeader("TKM 1 sha256:"));
        yield return ("digest-uppercase", WithHeader($"TKM 1 {digest.ToUpperInvariant()}"));
        yield return ("header-extra-field", WithHeader($"TKM 1 {digest} extra"));
        yield return ("header-tabs", WithHeader($"TKM\t1\t{digest}"));
        yield return ("header-nul", WithHeader($"TKM\01 {digest}"));
        yield return ("header-crlf", WithHeader($"TKM 1 {digest}\r"));
        yield return ("header-overlong", WithHeader("TKM 1 " + new string('a', 5000)));
        yield return ("header-bom", [0xEF, 0xBB, 0xBF, .. valid]);
        yield return ("zip-magic", [0x50, 0x4B, 0x03, 0x04, .. RandomBytes(2000, Seed)]);
        yield return ("gzip-magic", [0x1F, 0x8B, 0x08, 0x00, .. RandomBytes(2000, Seed + 1)]);
        yield return ("random-bytes", RandomBytes(10_000, Seed + 2));
        yield return ("all-ff", Enumerable.Repeat((byte)0xFF, 4096).ToArray());
        yield return ("nul-bytes", new byte[4096]);
        yield return ("json-without-header", body);
        yield return ("csv-not-a-model", Encoding.UTF8.GetBytes(CsvCorpus.Valid));
        yield return ("two-models-concatenated", [.. valid, .. valid]);
        yield return ("trailing-garbage", [.. valid, .. Encoding.ASCII.GetBytes("garbage")]);
    }

    /// <summary>Bodies with a recomputed checksum: the header passes, the JSON must still be read with care.</summary>
    private static IEnumerable<(string Name, byte[] Bytes)> BodyMutations(string tag, byte[] valid)
    {
        var newline = Array.IndexOf(valid, (byte)'\n');
        var body = valid[(newline + 1)..];
        var rng = new Random(Seed + tag.Length);
        yield return ($"{tag}/resealed-empty-body", Seal([]));
        yield return ($"{tag}/resealed-null", Seal("null"u8.ToArray()));
        yield return ($"{tag}/resealed-array", Seal("[]"u8.ToArray()));
        yield return ($"{tag}/resealed-empty-object", Seal("{}"u8.ToArray()));
        yield return ($"{tag}/resealed-deep-arrays", Seal(Encoding.ASCII.GetBytes(new string('[', 100_000) + new string(']', 100_000))));
        yield return ($"{tag}/resealed-invalid-utf8", Seal([.. body[..40], 0xC3, 0x28, .. body[40..]]));
        for (var i = 0; i < 3; i++)
        {
            yield return ($"{tag}/resealed-truncated-json-{i}", Seal(body[..rng.Next(1, body.Length - 1)]));
        }

        var root = JsonNode.Parse(body)!.AsObject();
        foreach (var path in Paths(root))
        {
            foreach (var (kind, replacement) in Replacements)
            {
                var copy = JsonNode.Parse(body)!.AsObject();
                var (parent, key) = Locate(copy, path);
                if (KindOf(parent[key]) == kind)
                {
                    continue; // only values of the wrong kind: a number stays a number elsewhere in the corpus
                }

                parent[key] = replacement();
                yield return ($"{tag}/resealed-{path.Replace('.', '-')}-as-{kind}", Seal(Encoding.UTF8.GetBytes(copy.ToJsonString())));
            }

            if (Optional.Contains(path))
            {
                continue;
            }

            var removed = JsonNode.Parse(body)!.AsObject();
            var (p, k) = Locate(removed, path);
            p.Remove(k);
            yield return ($"{tag}/resealed-{path.Replace('.', '-')}-removed", Seal(Encoding.UTF8.GetBytes(removed.ToJsonString())));
        }
    }

    /// <summary>
    /// Optional fields, whose removal leaves a valid model: a forest trained without out-of-bag scoring has no
    /// oob_score (a value of the wrong kind there is still refused, but removal is not a fault).
    /// </summary>
    private static readonly HashSet<string> Optional = ["predictor.oob_score"];

    private static readonly (string Kind, Func<JsonNode?> Make)[] Replacements =
    [
        ("null", () => null),
        ("number", () => JsonValue.Create(99999999999999d)),
        ("string", () => JsonValue.Create("x")),
        ("object", () => new JsonObject { ["x"] = 1 }),
        ("array", () => new JsonArray(1, 2)),
    ];

    private static string KindOf(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => "string",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => "number",
        _ => "other",
    };

    /// <summary>Every property of the body two levels deep (and the predictor's three levels), as dotted paths.</summary>
    private static IEnumerable<string> Paths(JsonObject root)
    {
        // Metrics and hyperparameters are free-form maps: their keys are data, not structure.
        foreach (var (key, value) in root)
        {
            yield return key;
            if (value is JsonObject inner && key is not ("metrics" or "hyperparameters"))
            {
                foreach (var (k2, v2) in inner)
                {
                    yield return $"{key}.{k2}";
                    if (key == "predictor" && v2 is JsonObject deeper)
                    {
                        foreach (var (k3, _) in deeper)
                        {
                            yield return $"{key}.{k2}.{k3}";
                        }
                    }
                }
            }
        }
    }

    private static (JsonObject Parent, string Key) Locate(JsonObject root, string path)
    {
        var parts = path.Split('.');
        var node = root;
        foreach (var part in parts[..^1])
        {
            node = node[part]!.AsObject();
        }

        return (node, parts[^1]);
    }

    private static byte[] Seal(byte[] body) =>
        [.. Encoding.ASCII.GetBytes($"TKM 1 sha256:{Convert.ToHexStringLower(SHA256.HashData(body))}\n"), .. body];

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
