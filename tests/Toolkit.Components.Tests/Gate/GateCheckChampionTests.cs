using System.Text;
using Toolkit.Components.Gate;
using Toolkit.Pipelines.Components;
using Toolkit.Registry;
using Toolkit.Registry.Embedded;

namespace Toolkit.Components.Tests.Gate;

/// <summary>gate/check with the champion found on the host and handed over as a file, as every executor does it.</summary>
public sealed class GateCheckChampionTests : IDisposable
{
    private readonly ComponentHarness _h = new();

    public void Dispose() => _h.Dispose();

    private string Registry => _h.File("registry");

    private static string Policy()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
            {
                return Path.Combine(dir.FullName, "models", "housing", "model.yaml");
            }
        }

        throw new InvalidOperationException("Toolkit.sln not found above the test folder.");
    }

    /// <summary>Housing data, a weak ridge (the champion) and a forest (the candidate), evaluated together.</summary>
    private async Task<IReadOnlyDictionary<string, double>> PrepareAsync()
    {
        await _h.RunAsync("data/synthesize", new Dictionary<string, string> { ["generator"] = "housing", ["rows"] = "1200" }, null, "dataset=data.csv");
        await _h.RunAsync("data/split", new Dictionary<string, string>(), new Dictionary<string, string[]> { ["dataset"] = [_h.File("data.csv")] }, "train=train.csv", "test=test.csv");
        var train = new Dictionary<string, string[]> { ["train"] = [_h.File("train.csv")] };
        await _h.RunAsync("train/ridge", new Dictionary<string, string> { ["label"] = "price" }, train, "model=ridge.tkm");
        await _h.RunAsync("train/random-forest", new Dictionary<string, string> { ["label"] = "price", ["trees"] = "30" }, train, "model=forest.tkm");
        var champion = await _h.RunAsync("evaluate/regression", new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = [_h.File("ridge.tkm")], ["test"] = [_h.File("test.csv")] }, "report=ridge-report.json");
        await _h.RunAsync("evaluate/regression", new Dictionary<string, string>(),
            new Dictionary<string, string[]> { ["models"] = [_h.File("forest.tkm")], ["test"] = [_h.File("test.csv")] }, "report=report.json");
        return champion.Values;
    }

    private async Task PutInProdAsync(string file, IReadOnlyDictionary<string, double> metrics)
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(Registry);
        var registered = await registry.RegisterAsync(new RegisterRequest { Model = "housing", ModelFile = file, Metrics = metrics, GatePassed = true });
        await registry.SetAliasAsync("housing", Stages.Prod, registered.Version.Version, AuditAction.Promote, new AuditInfo("test", null));
    }

    private IComponent GateCheck() =>
        BuiltInComponents.Create(async ct => await EmbeddedRegistry.OpenAsync(Registry, cancellationToken: ct)).TryGet("gate/check", out var c)
            ? c
            : throw new InvalidOperationException("no gate/check");

    private async Task<string> ChampionFileAsync(IComponent gate, string name)
    {
        var made = await ((IHostInputs)gate).HostInputsAsync(new Dictionary<string, string> { ["policy"] = Policy() }, _h.Root);
        var path = _h.File(name);
        await File.WriteAllBytesAsync(path, made[GateCheckComponent.ChampionInput]);
        return path;
    }

    private async Task<string> RunGateAsync(IComponent gate, string champion, string output)
    {
        await gate.RunAsync(new ComponentContext
        {
            Inputs = new Dictionary<string, IReadOnlyList<string>>
            {
                ["report"] = [_h.File("report.json")],
                ["model"] = [_h.File("forest.tkm")],
                [GateCheckComponent.ChampionInput] = [champion],
            },
            Parameters = new Dictionary<string, string> { ["policy"] = Policy(), ["fail"] = "false" },
            Outputs = new Dictionary<string, string> { ["gate"] = _h.File(output + ".json"), ["markdown"] = _h.File(output + ".md") },
            Log = TextWriter.Null,
            ProjectDirectory = _h.Root,
        });
        return await File.ReadAllTextAsync(_h.File(output + ".json"));
    }

    [Fact]
    public async Task GateCheck_ChampionFileFromTheHost_GivesTheReportGateCheckGivesWithTheRegistry()
    {
        var metrics = await PrepareAsync();
        await PutInProdAsync(_h.File("ridge.tkm"), metrics);
        var gate = GateCheck();

        var inPipeline = await RunGateAsync(gate, await ChampionFileAsync(gate, "champion.json"), "gate");

        string withRegistry;
        await using (var registry = await EmbeddedRegistry.OpenAsync(Registry))
        {
            var request = new GateCheckRequest { PolicyPath = Policy(), EvaluationReportPath = _h.File("report.json"), CandidateModelPath = _h.File("forest.tkm") };
            withRegistry = (await GateRunner.RunAsync(request, registry, _h.File("scratch"), CancellationToken.None)).ToJson();
        }

        inPipeline.Should().Be(withRegistry, "the champion file carries what the registry would give: version, digest, metrics, signature");
        inPipeline.Should().Contain("\"regression:rmse\"").And.Contain("\"model:signature\"");
        inPipeline.Should().NotContain("no version in prod").And.NotContain("was not given");
    }

    [Fact]
    public async Task HostInputs_ProdChanges_ChampionFileChanges_NoProd_IsAFileToo()
    {
        var metrics = await PrepareAsync();
        var gate = GateCheck();
        var none = await File.ReadAllTextAsync(await ChampionFileAsync(gate, "none.json"));

        await PutInProdAsync(_h.File("ridge.tkm"), metrics);
        var v1 = await File.ReadAllTextAsync(await ChampionFileAsync(gate, "v1.json"));
        await PutInProdAsync(_h.File("forest.tkm"), metrics);
        var v2 = await File.ReadAllTextAsync(await ChampionFileAsync(gate, "v2.json"));

        none.Should().Be("{\"model\":\"housing\",\"prod\":null}");
        v1.Should().Contain("\"version\":1").And.Contain("\"signature\":[");
        v2.Should().Contain("\"version\":2");
        new[] { none, v1, v2 }.Distinct().Should().HaveCount(3, "the champion file's digest is in the gate step's cache key");
        var report = await RunGateAsync(gate, _h.File("none.json"), "no-prod");
        report.Should().Contain("no version in prod");
        Encoding.UTF8.GetByteCount(v1).Should().BeLessThan(64 * 1024, "a small file, not the model");
    }
}
