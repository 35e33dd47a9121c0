using System.Security.Cryptography;
using System.Text.Json;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Sdk.Hosting;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// A team project end to end through the command line, with real builds: <c>component new</c> scaffolds it,
/// toolkit.yaml lists it, <c>pipeline validate</c> checks its parameters, <c>pipeline run</c> runs it in-process
/// with a cache key that follows its source.
/// </summary>
public sealed class TeamComponentsCommandTests : IDisposable
{
    private const string Pipeline = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: team
        steps:
          - name: ingest
            uses: data/synthesize
            with: { generator: diabetes, rows: 300, seed: 3 }
          - name: logs
            uses: churn/log-scale
            inputs: { dataset: ingest.dataset }
            with: { column: glucose }
          - name: split-logs
            uses: data/split
            inputs: { dataset: logs.dataset }
          - name: split-raw
            uses: data/split
            inputs: { dataset: ingest.dataset }
        """;

    // A transform in the same project: found by reflection and registered for model files to resolve.
    private const string Transform = """
        using System.Text.Json;
        using Toolkit.Ml.Data;
        using Toolkit.Sdk;

        namespace Churn.LogScale;

        /// <summary>Adds age_over_mean: age minus the training mean.</summary>
        public sealed class AgeOverMean : FeatureTransform
        {
            public override string Name => "churn/age-over-mean";

            public override string Version => "1";

            public override IReadOnlyList<string> Inputs => ["age"];

            public override FittedTransform Fit(DataTable train, IReadOnlyDictionary<string, string> parameters)
            {
                ArgumentNullException.ThrowIfNull(train);
                var age = train["age"];
                return new Fitted(Enumerable.Range(0, age.Length).Where(i => !age.IsMissing(i)).Average(age.GetDouble));
            }

            public override FittedTransform Read(JsonElement state) => new Fitted(state.GetProperty("mean").GetDouble());

            private sealed class Fitted(double mean) : FittedTransform
            {
                public override DataTable Transform(DataTable rows)
                {
                    ArgumentNullException.ThrowIfNull(rows);
                    var age = rows["age"];
                    return rows.With(new Float64Column("age_over_mean", [.. Enumerable.Range(0, age.Length).Select(i => age.GetDouble(i) - mean)]));
                }

                public override void Write(Utf8JsonWriter writer)
                {
                    ArgumentNullException.ThrowIfNull(writer);
                    writer.WriteStartObject();
                    writer.WriteNumber("mean", mean);
                    writer.WriteEndObject();
                }
            }
        }
        """;

    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _temp.Dispose();
    }

    private static string Sdk => Path.Combine(TempFolder.RepositoryRoot, "src", "Toolkit.Sdk", "Toolkit.Sdk.csproj");

    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);

    private async Task<string> ScaffoldAsync(string name = "churn/log-scale", string dir = "teams/Churn.LogScale")
    {
        var created = await Mlops("component", "new", name, "--dir", dir, "--sdk", Sdk);
        created.ExitCode.Should().Be(0, created.Error);
        created.Output.Should().Contain("components:").And.Contain($"- {dir}/");
        return _temp.File(dir);
    }

    private static Dictionary<string, (bool Cached, string Dataset)> Steps(CliResult run)
    {
        run.ExitCode.Should().Be(0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        return json.RootElement.GetProperty("steps").EnumerateArray().ToDictionary(
            s => s.GetProperty("name").GetString()!,
            s => (s.GetProperty("cached").GetBoolean(),
                  s.GetProperty("outputs").EnumerateObject().First().Value.GetProperty("path").GetString()!));
    }

    [Fact]
    public async Task ComponentNew_ListedInToolkitYaml_ValidatesRunsAndRerunsOnlyWhatTheEditTouches()
    {
        var project = await ScaffoldAsync();
        await File.WriteAllTextAsync(Path.Combine(project, "AgeOverMean.cs"), Transform);
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "store: .toolkit\ncomponents:\n  - teams/Churn.LogScale/Churn.LogScale.csproj\n");
        await File.WriteAllTextAsync(_temp.File("team.yaml"), Pipeline);

        var validate = await Mlops("pipeline", "validate", "team.yaml");
        validate.ExitCode.Should().Be(0, validate.Error);
        validate.Error.Should().Contain("building teams/Churn.LogScale/Churn.LogScale.csproj");

        var first = Steps(await Mlops("pipeline", "run", "team.yaml", "--json"));
        first.Values.Should().OnlyContain(s => !s.Cached);
        var logs = CsvReader.Read(first["logs"].Dataset);
        var glucose = logs["glucose"];
        logs["glucose_log1p"].GetDouble(7).Should().BeApproximately(Math.Log(1 + glucose.GetDouble(7)), 1e-6, "the component reads float32 values");

        // The transform is registered under the digest of the dll the build produced (loaded here as an image loads it:
        // what an mlops invocation loads stays its own).
        Toolkit.Tests.Shared.TeamCode.UseBuilt(_temp.File(".toolkit"));
        var built = Directory.GetDirectories(_temp.File(".toolkit/components")).Should().ContainSingle().Subject;
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(built, "Churn.LogScale.dll"))));
        TeamAssemblies.Resolve("churn/age-over-mean", "Churn.LogScale", digest).Transform.Version.Should().Be("1");

        // Argo: the team step is a container template of the same image running mlops component run.
        var argo = await Mlops("pipeline", "compile", "team.yaml", "--target", "argo", "--image", "registry.example.com/toolkit/components@sha256:" + new string('a', 64));
        argo.ExitCode.Should().Be(0, argo.Error);
        argo.Output.Should().Contain("churn/log-scale").And.Contain("column=glucose");

        var again = await Mlops("pipeline", "run", "team.yaml", "--json");
        Steps(again).Values.Should().OnlyContain(s => s.Cached);
        again.Error.Should().NotContain("building", "the same source is built once");

        // Any edit reruns the step; its dependents rerun when its output changed (their inputs are digests).
        var source = Path.Combine(project, "LogScaleComponent.cs");
        await File.AppendAllTextAsync(source, "// a comment is a change of the source\n");
        var commented = Steps(await Mlops("pipeline", "run", "team.yaml", "--json"));
        commented.Where(s => !s.Value.Cached).Select(s => s.Key).Should().BeEquivalentTo(["logs"]);

        await File.WriteAllTextAsync(source, (await File.ReadAllTextAsync(source)).Replace("Math.Log(1 + ", "Math.Log(2 + ", StringComparison.Ordinal));
        var edited = Steps(await Mlops("pipeline", "run", "team.yaml", "--json"));

        edited.Where(s => !s.Value.Cached).Select(s => s.Key).Should().BeEquivalentTo(["logs", "split-logs"]);
        CsvReader.Read(edited["logs"].Dataset)["glucose_log1p"].GetDouble(7).Should().BeApproximately(Math.Log(2 + glucose.GetDouble(7)), 1e-6);
        Directory.GetDirectories(_temp.File(".toolkit/components")).Should().HaveCount(3, "each source digest has its own build");
        var list = await Mlops("component", "list", "--json");
        using var components = JsonDocument.Parse(list.Output);
        components.RootElement.GetProperty("components").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == "churn/log-scale")
            .GetProperty("origin").GetString().Should().Be("teams/Churn.LogScale/Churn.LogScale.csproj");
    }

    [Fact]
    public async Task ModelWithTeamTransform_TrainedInOneCloneScoredInAnother_SameBuildBytes()
    {
        var project = await ScaffoldAsync();
        await File.WriteAllTextAsync(Path.Combine(project, "AgeOverMean.cs"), Transform);
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "components:\n  - teams/Churn.LogScale/Churn.LogScale.csproj\n");
        await File.WriteAllTextAsync(_temp.File("train.yaml"), """
            apiVersion: toolkit/v1
            kind: Pipeline
            name: train
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: diabetes, rows: 300, seed: 3 }
              - name: features
                uses: features/fit
                inputs: { train: ingest.dataset }
                with: { label: diabetes, transforms: churn/age-over-mean }
              - name: train
                uses: train/logistic-regression
                inputs: { train: ingest.dataset, features: features.features }
                with: { label: diabetes }
            """);
        var run = await Mlops("pipeline", "run", "train.yaml", "--json");
        run.ExitCode.Should().Be(0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        string Output(string step, string name) => json.RootElement.GetProperty("steps").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == step).GetProperty("outputs").GetProperty(name).GetProperty("path").GetString()!;
        var model = Output("train", "model");
        var rows = Output("ingest", "dataset");

        // Another checkout of the same project (same files, another folder, nothing built yet): it builds the team project
        // itself, and the model's recorded dll digest must still be what it loads.
        using var clone = new TempFolder();
        foreach (var file in Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories)
                     .Where(f => !Path.GetRelativePath(_temp.Path, f).Split(Path.DirectorySeparatorChar).Any(p => p is ".toolkit" or "bin" or "obj")))
        {
            var copy = clone.File(Path.GetRelativePath(_temp.Path, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        var here = await Mlops("predict", "--model", model, "--data", rows, "--out", _temp.File("here.csv"));
        var there = await CliRunner.RunInAsync(clone.Path, ["predict", "--model", model, "--data", rows, "--out", clone.File("there.csv")]);

        here.ExitCode.Should().Be(0, here.Error);
        there.ExitCode.Should().Be(0, there.Error);
        there.Error.Should().Contain("building teams/Churn.LogScale/Churn.LogScale.csproj", "the clone built its own copy");
        (await File.ReadAllTextAsync(clone.File("there.csv"))).Should().Be(await File.ReadAllTextAsync(_temp.File("here.csv")));
        var dlls = new[] { _temp.Path, clone.Path }.Select(root => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(
            Path.Combine(Directory.GetDirectories(Path.Combine(root, ".toolkit", "components")).Single(), "Churn.LogScale.dll"))))).ToList();
        dlls[1].Should().Be(dlls[0], "the same source builds to the same bytes in any folder");
    }

    [Fact]
    public async Task Train_WithTeamTransforms_ModelRecordsThemAndScoresInTheProject_UnknownOneExitsTwo()
    {
        var project = await ScaffoldAsync();
        await File.WriteAllTextAsync(Path.Combine(project, "AgeOverMean.cs"), Transform);
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "components:\n  - teams/Churn.LogScale/Churn.LogScale.csproj\n");
        (await Mlops("data", "synth", "--generator", "diabetes", "--rows", "300", "--seed", "4", "--out", "data.csv")).ExitCode.Should().Be(0);

        var trained = await Mlops("train", "--data", "data.csv", "--label", "diabetes", "--algorithm", "logistic-regression",
            "--transforms", "churn/age-over-mean", "--out", "model.tkm");
        var unknown = await Mlops("train", "--data", "data.csv", "--label", "diabetes", "--algorithm", "logistic-regression",
            "--transforms", "churn/age-over-man", "--out", "other.tkm");
        var badParam = await Mlops("train", "--data", "data.csv", "--label", "diabetes", "--algorithm", "logistic-regression",
            "--transforms", "churn/age-over-mean", "--transform-param", "churn/age-over-mean.window=3", "--out", "other.tkm");
        var predicted = await Mlops("predict", "--model", "model.tkm", "--data", "data.csv", "--out", "predictions.csv");

        trained.ExitCode.Should().Be(0, trained.Error);
        predicted.ExitCode.Should().Be(0, predicted.Error);
        unknown.ExitCode.Should().Be(2);
        unknown.Error.Should().Contain("unknown transform 'churn/age-over-man'").And.Contain("known: churn/age-over-mean");
        badParam.ExitCode.Should().Be(2);
        badParam.Error.Should().Contain("has no parameter 'window'");
        File.Exists(_temp.File("other.tkm")).Should().BeFalse();
        Toolkit.Tests.Shared.TeamCode.UseBuilt(_temp.File(".toolkit"));
        var model = ModelFile.Load(_temp.File("model.tkm"));
        model.Features.Transforms.Should().ContainSingle().Which.Name.Should().Be("churn/age-over-mean");
        model.Features.OutputNames.Should().Contain("age_over_mean");
    }

    [Fact]
    public async Task Validate_TeamParameterMistakes_ReportedWithPositions()
    {
        await ScaffoldAsync();
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "components:\n  - teams/Churn.LogScale/Churn.LogScale.csproj\n");
        await File.WriteAllTextAsync(_temp.File("bad.yaml"), Pipeline.Replace("with: { column: glucose }", "with: { colum: glucose }", StringComparison.Ordinal));

        var result = await Mlops("pipeline", "validate", "bad.yaml");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("bad.yaml:11:20: component 'churn/log-scale' has no parameter 'colum'; did you mean 'column'?");
        result.Error.Should().Contain("bad.yaml:8:11: step 'logs' must set parameter 'column' of 'churn/log-scale'");
    }

    [Fact]
    public async Task Validate_MissingProject_ExitsTwoNamingToolkitYamlsLine()
    {
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "store: .toolkit\ncomponents:\n  - teams/Nope/Nope.csproj\n");
        await File.WriteAllTextAsync(_temp.File("team.yaml"), Pipeline);

        var result = await Mlops("pipeline", "validate", "team.yaml");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain($"{_temp.File("toolkit.yaml")}:3:5: components: project 'teams/Nope/Nope.csproj' does not exist");
    }

    [Fact]
    public async Task Run_ProjectDoesNotCompile_ExitsTwoShowingTheCompilerError()
    {
        var project = await ScaffoldAsync();
        await File.AppendAllTextAsync(Path.Combine(project, "LogScaleComponent.cs"), "this is not C#\n");
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "components:\n  - teams/Churn.LogScale/Churn.LogScale.csproj\n");
        await File.WriteAllTextAsync(_temp.File("team.yaml"), Pipeline);

        var result = await Mlops("pipeline", "run", "team.yaml");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain($"{_temp.File("toolkit.yaml")}:2:5: building 'teams/Churn.LogScale/Churn.LogScale.csproj' failed")
            .And.Contain("LogScaleComponent.cs(").And.Contain("error CS");
        Directory.Exists(_temp.File(".toolkit/components")).Should().BeTrue();
        Directory.GetDirectories(_temp.File(".toolkit/components")).Should().BeEmpty("a failed build leaves nothing to reuse");
    }

    [Fact]
    public async Task Validate_TeamComponentNamedLikeABuiltIn_RefusedNamingBothOrigins()
    {
        await ScaffoldAsync("data/split", "teams/Data.Split");
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "components:\n  - teams/Data.Split/Data.Split.csproj\n");
        await File.WriteAllTextAsync(_temp.File("team.yaml"), Pipeline);

        var result = await Mlops("pipeline", "validate", "team.yaml");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("component 'data/split' is defined twice: in teams/Data.Split/Data.Split.csproj and in the toolkit's built-in components");
    }

    [Fact]
    public async Task ComponentNew_FolderNamedLikeAProject_NamesProjectAndNamespaceAfterIt()
    {
        await ScaffoldAsync("acme/clip", "teams/Acme.Features");
        await ScaffoldAsync("acme/trim", "teams/acme-trim");
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "components:\n  - teams/Acme.Features/Acme.Features.csproj\n  - teams/acme-trim/Acme.Trim.csproj\n");

        var list = await Mlops("component", "list");

        File.Exists(_temp.File("teams/Acme.Features.Tests/Acme.Features.Tests.csproj")).Should().BeTrue();
        (await File.ReadAllTextAsync(_temp.File("teams/Acme.Features/ClipComponent.cs"))).Should().Contain("namespace Acme.Features;");
        File.Exists(_temp.File("teams/acme-trim/Acme.Trim.csproj")).Should().BeTrue("a folder that is no project name leaves the name to the component");
        list.ExitCode.Should().Be(0, list.Error);
        list.Output.Should().Contain("acme/clip").And.Contain("acme/trim");
    }

    [Fact]
    public async Task ComponentNew_BadNameOrOccupiedFolder_ExitsTwo()
    {
        (await Mlops("component", "new", "Churn_LogScale")).ExitCode.Should().Be(2);
        await ScaffoldAsync();

        var again = await Mlops("component", "new", "churn/log-scale", "--dir", "teams/Churn.LogScale", "--sdk", Sdk);

        again.ExitCode.Should().Be(2);
        again.Error.Should().Contain("already exists and is not empty");
    }
}
