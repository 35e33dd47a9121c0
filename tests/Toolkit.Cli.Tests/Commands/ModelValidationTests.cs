using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Ml.Models;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// Crafted model files: a valid model, its structure changed, framed again with a correct digest (as an
/// attacker would). Each must be refused by <c>mlops predict</c> with exit 2, naming the file and the fault,
/// and no prediction file may appear.
/// </summary>
public sealed class ModelValidationTests : IClassFixture<ModelValidationTests.TrainedModels>, IDisposable
{
    private readonly TrainedModels _models;
    private readonly TempFolder _temp = new();

    public ModelValidationTests(TrainedModels models)
    {
        _models = models;
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, string> Cases => new()
    {
        { "linear-nan-coefficient", "coefficient 1 is NaN" },
        { "linear-infinite-coefficient", "coefficient 0 is -Infinity" },
        { "linear-huge-intercept", "has a valid digest but" },
        { "linear-zero-scale", "scaler standard deviation of feature" },
        { "linear-negative-scale", "scaler standard deviation of feature" },
        { "linear-nan-fill", "imputation value of feature" },
        { "linear-fewer-coefficients", "the predictor takes" },
        { "linear-classes-on-regression", "a regression model has classes" },
        { "signature-differs", "'signature' lists other columns" },
        { "training-feature-count", "the training facts say" },
        { "binary-three-classes", "exactly 2 classes, but the file lists 3" },
        { "binary-same-class-twice", "two distinct, non-empty class labels" },
        { "binary-no-classes", "has no classes" },
        { "tree-self-pointing-node", "children must come after their parent" },
        { "tree-cycle-to-root", "children must come after their parent" },
        { "tree-absurd-depth", "declares depth 1000000000; the limit is 10000" },
        { "tree-depth-mismatch", "levels deep" },
        { "tree-nan-leaf", "has the value NaN" },
        { "tree-nan-threshold", "has the threshold NaN" },
        { "tree-feature-out-of-range", "points outside the model" },
        { "tree-shared-node", "twice" },
        { "tree-no-trees", "has no trees" },
        { "tree-count-differs", "tree_count" },
        { "tree-huge-base-score", "has a valid digest but" },
        { "forest-nan-leaf", "has the value NaN" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Predict_CraftedModelWithValidDigest_ExitsTwoNamingFileAndFault(string mutation, string expected)
    {
        var crafted = _temp.File($"{mutation}.tkm");
        Craft(mutation, crafted);
        var output = _temp.File("predictions.csv");

        var result = await CliRunner.RunAsync("predict", "--model", crafted, "--data", DataFor(mutation), "--out", output);

        result.ExitCode.Should().Be(ExitCodes.BadInput, result.Error);
        result.Error.Should().Contain($"{mutation}.tkm").And.Contain(expected);
        result.Error.Should().NotContain("   at ", "no stack trace without --verbose");
        result.Error.Trim().Split('\n').Should().HaveCount(1);
        File.Exists(output).Should().BeFalse();
    }

    [Fact]
    public async Task Predict_UnchangedFramedModel_StillPredicts()
    {
        // The framing itself is sound: re-framing an unedited body gives a model that loads and predicts.
        foreach (var (model, data) in new[] { (_models.Linear, _models.Housing), (_models.Boosted, _models.Diabetes), (_models.Forest, _models.Diabetes) })
        {
            var copy = _temp.File(Path.GetFileName(model));
            Frame(Body(model).ToJsonString(), copy);
            var output = _temp.File(Path.GetFileName(model) + ".csv");

            var result = await CliRunner.RunAsync("predict", "--model", copy, "--data", data, "--out", output);

            result.ExitCode.Should().Be(0, result.Error);
            File.ReadLines(output).Skip(1).Should().NotContain(l => l.Length == 0 || l.EndsWith(',') || l.Contains(",,", StringComparison.Ordinal), "every row has its prediction");
        }
    }

    [Fact]
    public async Task ModelInspect_CraftedModel_ExitsTwo()
    {
        var crafted = _temp.File("cycle.tkm");
        Craft("tree-cycle-to-root", crafted);

        var result = await CliRunner.RunAsync("model", "inspect", crafted);

        result.ExitCode.Should().Be(ExitCodes.BadInput);
        result.Error.Should().Contain("cycle.tkm").And.Contain("not a usable model");
    }

    private string DataFor(string mutation) =>
        mutation.StartsWith("linear", StringComparison.Ordinal) || mutation.StartsWith("signature", StringComparison.Ordinal) || mutation.StartsWith("training", StringComparison.Ordinal)
            ? _models.Housing
            : _models.Diabetes;

    private void Craft(string mutation, string path)
    {
        var source = mutation.StartsWith("forest", StringComparison.Ordinal) ? _models.Forest
            : DataFor(mutation) == _models.Housing ? _models.Linear
            : _models.Boosted;
        var body = Body(source);
        var predictor = body["predictor"]!;
        switch (mutation)
        {
            case "linear-nan-coefficient":
                Edit<double>(predictor, "coefficients", c => c[1] = double.NaN);
                break;
            case "linear-infinite-coefficient":
                Edit<double>(predictor, "coefficients", c => c[0] = double.NegativeInfinity);
                break;
            case "linear-huge-intercept":
                predictor["intercept"] = JsonValue.Create(1.5e308);
                Frame(body.ToJsonString().Replace("1.5E+308", "1e400", StringComparison.Ordinal), path);
                return;
            case "linear-zero-scale":
                FirstNumericStep(body)["scale"] = 0;
                break;
            case "linear-negative-scale":
                FirstNumericStep(body)["scale"] = -2.5;
                break;
            case "linear-nan-fill":
                FirstNumericStep(body)["fill"] = null;
                break;
            case "linear-fewer-coefficients":
                var fewer = Read<double>(predictor, "coefficients")[..^1];
                Write(predictor, "coefficients", fewer);
                predictor["feature_count"] = fewer.Length;
                break;
            case "linear-classes-on-regression":
                body["classes"] = new JsonArray("a", "b");
                break;
            case "signature-differs":
                body["signature"]!.AsArray()[0]!["name"] = "not_an_input";
                break;
            case "training-feature-count":
                body["training"]!["feature_count"] = 999;
                break;
            case "binary-three-classes":
                body["classes"]!.AsArray().Add("maybe");
                break;
            case "binary-same-class-twice":
                body["classes"] = new JsonArray("yes", "yes");
                break;
            case "binary-no-classes":
                body.Remove("classes");
                break;
            case "tree-self-pointing-node":
                // The root splits, and its left child is itself: prediction would never leave it.
                Edit<int>(predictor, "left", l => l[0] = 0);
                Edit<int>(predictor, "right", r => r[0] = 1);
                break;
            case "tree-cycle-to-root":
                var inner = InnerNode(predictor, after: 0);
                Edit<int>(predictor, "left", l => l[inner] = 0);
                Edit<int>(predictor, "right", r => r[inner] = 1);
                break;
            case "tree-absurd-depth":
                Edit<int>(predictor, "depths", d => d[0] = 1_000_000_000);
                break;
            case "tree-depth-mismatch":
                Edit<int>(predictor, "depths", d => d[0] += 1);
                break;
            case "tree-nan-leaf":
            case "forest-nan-leaf":
                var leaf = Array.IndexOf(Read<int>(predictor, "feature"), -1);
                Edit<double>(predictor, "value", v => v[leaf] = double.NaN);
                break;
            case "tree-nan-threshold":
                Edit<float>(predictor, "threshold", t => t[0] = float.NaN);
                break;
            case "tree-feature-out-of-range":
                Edit<int>(predictor, "feature", f => f[0] = 10_000);
                break;
            case "tree-shared-node":
                // Two trees with one root: the second reaches nodes the first already owns.
                Edit<int>(predictor, "roots", r => r[1] = r[0]);
                Edit<int>(predictor, "depths", d => d[1] = d[0]);
                break;
            case "tree-no-trees":
                Write(predictor, "roots", Array.Empty<int>());
                Write(predictor, "depths", Array.Empty<int>());
                predictor["tree_count"] = 0;
                break;
            case "tree-count-differs":
                predictor["tree_count"] = 7;
                break;
            case "tree-huge-base-score":
                predictor["base_score"] = 1.5e308;
                Frame(body.ToJsonString().Replace("1.5E+308", "-1e400", StringComparison.Ordinal), path);
                return;
            default:
                throw new ArgumentException($"unknown mutation {mutation}", nameof(mutation));
        }

        Frame(body.ToJsonString(), path);
    }

    private static JsonNode FirstNumericStep(JsonNode body) =>
        body["feature_pipeline"]!["steps"]!.AsArray().First(s => (string?)s!["kind"] == "numeric")!;

    private static int InnerNode(JsonNode predictor, int after)
    {
        var feature = Read<int>(predictor, "feature");
        var roots = Read<int>(predictor, "roots");
        var end = roots.Length > 1 ? roots[1] : feature.Length;
        for (var i = after + 1; i < end; i++)
        {
            if (feature[i] >= 0)
            {
                return i;
            }
        }

        throw new InvalidOperationException("the first tree has a single split; train deeper trees");
    }

    private static JsonObject Body(string model)
    {
        var bytes = File.ReadAllBytes(model);
        var newline = Array.IndexOf(bytes, (byte)'\n');
        return JsonNode.Parse(bytes.AsSpan(newline + 1))!.AsObject();
    }

    /// <summary>Writes the edited body under a correct header, with the toolkit's own writer.</summary>
    private static void Frame(string json, string path)
    {
        using var stream = File.Create(path);
        ModelFile.WriteFramed(Encoding.UTF8.GetBytes(json), stream);
    }

    private static T[] Read<T>(JsonNode parent, string name)
        where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(Convert.FromBase64String((string)parent[name]!)).ToArray();

    private static void Write<T>(JsonNode parent, string name, T[] values)
        where T : unmanaged =>
        parent[name] = Convert.ToBase64String(MemoryMarshal.AsBytes(values.AsSpan()));

    private static void Edit<T>(JsonNode parent, string name, Action<T[]> edit)
        where T : unmanaged
    {
        var values = Read<T>(parent, name);
        edit(values);
        Write(parent, name, values);
    }

    /// <summary>One linear, one boosted and one forest model, trained once for all cases.</summary>
    public sealed class TrainedModels : IAsyncLifetime
    {
        private readonly TempFolder _folder = new();

        public string Housing => _folder.File("housing.csv");

        public string Diabetes => _folder.File("diabetes.csv");

        public string Linear => _folder.File("ridge.tkm");

        public string Boosted => _folder.File("boosted.tkm");

        public string Forest => _folder.File("forest.tkm");

        public async Task InitializeAsync()
        {
            await Run("data", "synth", "--generator", "housing", "--rows", "300", "--seed", "3", "--out", Housing);
            await Run("data", "synth", "--generator", "diabetes", "--rows", "400", "--seed", "3", "--out", Diabetes);
            await Run("train", "--data", Housing, "--label", "price", "--algorithm", "ridge", "--out", Linear);
            await Run("train", "--data", Diabetes, "--label", "diabetes", "--algorithm", "gradient-boosting",
                "--param", "rounds=4", "--param", "max_depth=3", "--out", Boosted);
            await Run("train", "--data", Diabetes, "--label", "diabetes", "--algorithm", "random-forest",
                "--param", "trees=3", "--param", "max_depth=4", "--out", Forest);
        }

        public Task DisposeAsync()
        {
            _folder.Dispose();
            return Task.CompletedTask;
        }

        private static async Task Run(params string[] args)
        {
            var result = await CliRunner.RunAsync(args);
            result.ExitCode.Should().Be(0, string.Create(CultureInfo.InvariantCulture, $"{string.Join(' ', args)}: {result.Error}"));
        }
    }
}
