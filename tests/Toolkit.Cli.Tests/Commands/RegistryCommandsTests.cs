using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// Gates, registration and staged promotion through the command line, on a real project folder
/// (reference pipelines and policies copied in) with the embedded registry.
/// </summary>
public sealed class RegistryCommandsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public RegistryCommandsTests()
    {
        _temp.CopyReferenceProject();
    }

    public void Dispose() => _temp.Dispose();

    // Each test runs mlops in its own project folder, never by changing the process's: tests run in parallel.
    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);


    private async Task<string> RunPipelineAsync(string pipeline, params string[] parameters)
    {
        var args = new List<string> { "pipeline", "run", $"pipelines/{pipeline}.yaml", "--json" };
        foreach (var p in parameters)
        {
            args.Add("--param");
            args.Add(p);
        }

        var result = await Mlops([.. args]);
        result.ExitCode.Should().Be(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        return json.RootElement.GetProperty("run_id").GetString()!;
    }

    private async Task<JsonDocument> JsonAsync(params string[] args)
    {
        var result = await Mlops(args);
        result.ExitCode.Should().Be(0, result.Error);
        return JsonDocument.Parse(result.Output);
    }

    /// <summary>models/&lt;name&gt;/model.yaml: the housing policy under another name, optionally edited.</summary>
    private void WritePolicy(string name, Func<string, string>? edit = null)
    {
        var text = File.ReadAllText(_temp.File("models/housing/model.yaml")).Replace("name: housing", $"name: {name}", StringComparison.Ordinal);
        Directory.CreateDirectory(_temp.File($"models/{name}"));
        File.WriteAllText(_temp.File($"models/{name}/model.yaml"), edit is null ? text : edit(text));
    }

    private async Task<string> CsvAsync()
    {
        var data = _temp.File("housing.csv");
        if (!File.Exists(data))
        {
            (await Mlops("data", "synth", "--generator", "housing", "--rows", "300", "--out", data)).ExitCode.Should().Be(0);
        }

        return data;
    }

    private async Task<string> ModelAsync(string file)
    {
        var path = _temp.File(file);
        (await Mlops("train", "--data", await CsvAsync(), "--label", "price", "--algorithm", "ridge", "--out", path)).ExitCode.Should().Be(0);
        return path;
    }

    [Fact]
    public async Task RegisterPromoteRollback_FullPath_WithRefusalsAndAudit()
    {
        var run1 = await RunPipelineAsync("housing", "rows=1500");

        var gate = await Mlops("gate", "check", "--model", "housing", "--run", run1, "--json", "--markdown", "gate.md");
        gate.ExitCode.Should().Be(0, gate.Output + gate.Error);
        using (var gateJson = JsonDocument.Parse(gate.Output))
        {
            gateJson.RootElement.GetProperty("passed").GetBoolean().Should().BeTrue();
            gateJson.RootElement.GetProperty("champion").ValueKind.Should().Be(JsonValueKind.Null);
        }

        File.ReadAllText(_temp.File("gate.md")).Should().Contain("Gates passed");

        using var registered = await JsonAsync("model", "register", "--model", "housing", "--run", run1, "--json");
        registered.RootElement.GetProperty("model").GetString().Should().Be("housing");
        registered.RootElement.GetProperty("version").GetInt32().Should().Be(1);
        var digest = registered.RootElement.GetProperty("digest").GetString();
        using (var again = await JsonAsync("model", "register", "--model", "housing", "--run", run1, "--json"))
        {
            again.RootElement.GetProperty("version").GetInt32().Should().Be(1, "the same model file is the same version");
            again.RootElement.GetProperty("digest").GetString().Should().Be(digest);
        }

        // Refusals: skipping a stage, a missing approval.
        var skip = await Mlops("model", "promote", "housing", "--version", "1", "--to", "prod", "--approved-by", "alice");
        skip.ExitCode.Should().Be(2);
        skip.Error.Should().Contain("does not hold preprod");
        (await Mlops("model", "promote", "housing", "--version", "1", "--to", "dev", "--actor", "ci", "--reason", "gate passed on main")).ExitCode.Should().Be(0);
        var unapproved = await Mlops("model", "promote", "housing", "--version", "1", "--to", "preprod", "--actor", "ci");
        unapproved.ExitCode.Should().Be(2);
        unapproved.Error.Should().Contain("needs 1 approval");
        var unknown = await Mlops("model", "promote", "housing", "--version", "7", "--to", "dev");
        unknown.ExitCode.Should().Be(2);
        unknown.Error.Should().Contain("has no version 7");

        (await Mlops("model", "promote", "housing", "--version", "1", "--to", "preprod", "--approved-by", "alice", "--actor", "ci")).ExitCode.Should().Be(0);
        (await Mlops("model", "promote", "housing", "--version", "1", "--to", "prod", "--approved-by", "bob", "--actor", "ci", "--reason", "first release")).ExitCode.Should().Be(0);
        var noPrevious = await Mlops("model", "rollback", "housing", "--stage", "prod");
        noPrevious.ExitCode.Should().Be(2);

        // A second version: the gate now compares against v1 in prod.
        var run2 = await RunPipelineAsync("housing", "rows=1600");
        using (var gate2 = JsonDocument.Parse((await Mlops("gate", "check", "--model", "housing", "--run", run2, "--json")).Output))
        {
            gate2.RootElement.GetProperty("champion").GetProperty("version").GetInt32().Should().Be(1);
            gate2.RootElement.GetProperty("checks").EnumerateArray()
                .Where(c => c.GetProperty("kind").GetString() == "regression")
                .Should().NotBeEmpty().And.OnlyContain(c => c.GetProperty("status").GetString() != "skipped");
        }

        using var second = await JsonAsync("model", "register", "--model", "housing", "--run", run2, "--json");
        second.RootElement.GetProperty("version").GetInt32().Should().Be(2);
        second.RootElement.GetProperty("gate_passed").GetBoolean().Should().BeTrue("more rows of the same data do not regress beyond the tolerance");
        foreach (var (stage, approver) in new[] { ("dev", (string?)null), ("preprod", "alice"), ("prod", "bob") })
        {
            var args = new List<string> { "model", "promote", "housing", "--version", "2", "--to", stage, "--actor", "ci" };
            if (approver is not null)
            {
                args.AddRange(["--approved-by", approver]);
            }

            var promoted = await Mlops([.. args]);
            promoted.ExitCode.Should().Be(0, promoted.Error);
        }

        var rollback = await Mlops("model", "rollback", "housing", "--stage", "prod", "--actor", "oncall", "--reason", "latency", "--json");
        rollback.ExitCode.Should().Be(0, rollback.Error);
        using (var back = JsonDocument.Parse(rollback.Output))
        {
            back.RootElement.GetProperty("version").GetInt32().Should().Be(1);
            back.RootElement.GetProperty("previous_version").GetInt32().Should().Be(2);
        }

        using var list = await JsonAsync("model", "list", "--json");
        list.RootElement.GetProperty("models")[0].GetProperty("stages").GetProperty("prod").GetInt32().Should().Be(1);

        using var history = await JsonAsync("model", "history", "housing", "--json");
        var events = history.RootElement.GetProperty("events").EnumerateArray().ToList();
        events.Select(e => e.GetProperty("action").GetString()).Should().Equal(
            "register", "promote", "promote", "promote", "register", "promote", "promote", "promote", "rollback");
        events[3].GetProperty("approvals")[0].GetString().Should().Be("bob");
        events[3].GetProperty("reason").GetString().Should().Be("first release");
        events[^1].GetProperty("actor").GetString().Should().Be("oncall");

        var card = await Mlops("model", "card", "housing", "--version", "1");
        card.ExitCode.Should().Be(0);
        card.Output.Should().Contain(digest!).And.Contain(run1);
    }

    [Fact]
    public async Task GateCheck_FailedThreshold_ExitsThree_AndRegisterRefusesWithThree()
    {
        var policy = _temp.File("models/housing/model.yaml");
        File.WriteAllText(policy, File.ReadAllText(policy).Replace("\"r2 >= 0.80\"", "\"r2 >= 0.999\"", StringComparison.Ordinal));
        var run = await RunPipelineAsync("housing", "rows=1500");

        var gate = await Mlops("gate", "check", "--model", "housing", "--run", run);

        gate.ExitCode.Should().Be(3);
        gate.Output.Should().Contain("threshold:r2");
        gate.Error.Should().Contain("gate failed for 'housing': threshold:r2");
        gate.Error.Should().MatchRegex(@"threshold:r2 \(0\.\d+, needs >= 0\.999\)", "the failure says what was measured against what was required");

        var register = await Mlops("model", "register", "--model", "housing", "--run", run, "--json");
        register.ExitCode.Should().Be(3, register.Error);
        register.Output.Should().BeEmpty();
        register.Error.Should().StartWith("mlops: error: 'housing' not registered").And.Contain("threshold:r2");
        (await Mlops("model", "show", "housing")).ExitCode.Should().Be(2, "nothing was registered");
    }

    [Fact]
    public async Task Register_RunWhoseOwnGatePassed_JudgedByTheNamedModelsPolicy_ExitsThree()
    {
        // The run's gate step checks models/housing (and passes); a second model of the same task is stricter.
        WritePolicy("housing-strict", text => text.Replace("\"r2 >= 0.80\"", "\"r2 >= 0.999\"", StringComparison.Ordinal));
        var run = await RunPipelineAsync("housing", "rows=1500");
        (await Mlops("gate", "check", "--model", "housing", "--run", run)).ExitCode.Should().Be(0);
        (await Mlops("gate", "check", "--model", "housing-strict", "--run", run)).ExitCode.Should().Be(3);

        var register = await Mlops("model", "register", "--model", "housing-strict", "--run", run, "--json");

        register.ExitCode.Should().Be(3, register.Output + register.Error);
        register.Error.Should().StartWith("mlops: error: 'housing-strict' not registered: run " + run).And.Contain("threshold:r2");
        register.Error.TrimEnd().Split('\n').Should().ContainSingle("a refusal is one line");
        using var list = await JsonAsync("model", "list", "--json");
        list.RootElement.GetProperty("models").GetArrayLength().Should().Be(0);
        var promote = await Mlops("model", "promote", "housing-strict", "--version", "1", "--to", "dev");
        promote.ExitCode.Should().Be(2);
    }

    [Fact]
    public async Task Register_PassingRun_StoresThePolicysGateReportWithTheVersion()
    {
        var run = await RunPipelineAsync("housing", "rows=1500");

        using var registered = await JsonAsync("model", "register", "--model", "housing", "--run", run, "--json");

        registered.RootElement.GetProperty("gate_passed").GetBoolean().Should().BeTrue();
        await using var registry = await Toolkit.Registry.Embedded.EmbeddedRegistry.OpenAsync(_temp.File(".toolkit/registry"));
        using var report = JsonDocument.Parse((await registry.GetGateReportAsync("housing", 1))!);
        report.RootElement.GetProperty("passed").GetBoolean().Should().BeTrue();
        report.RootElement.GetProperty("model").GetString().Should().Be("housing");
    }

    [Theory]
    [InlineData("--file")]
    [InlineData("--run")]
    public async Task Register_NameWithoutAPolicy_ExitsTwoWithDidYouMean_AndCreatesNothing(string source)
    {
        var run = await RunPipelineAsync("housing", "rows=1500");
        var model = await ModelAsync("m.tkm");

        var register = await Mlops("model", "register", "--model", "diabetis", source, source == "--file" ? model : run);

        register.ExitCode.Should().Be(2);
        register.Error.TrimEnd().Should().Be("mlops: error: no model 'diabetis': models/diabetis/model.yaml does not exist; did you mean 'diabetes'?");
        using var list = await JsonAsync("model", "list", "--json");
        list.RootElement.GetProperty("models").GetArrayLength().Should().Be(0, "a typo must not create a model");
    }

    [Fact]
    public async Task History_UnknownModel_ExitsTwoLikeShow()
    {
        (await Mlops("model", "register", "--model", "housing", "--file", await ModelAsync("h1.tkm"))).ExitCode.Should().Be(0);

        var history = await Mlops("model", "history", "housin");
        var show = await Mlops("model", "show", "housin");

        history.ExitCode.Should().Be(2);
        show.ExitCode.Should().Be(2);
        history.Error.TrimEnd().Should().Be("mlops: error: no model 'housin' is registered in the embedded registry; did you mean 'housing'?");
        show.Error.Should().Be(history.Error);
    }

    [Fact]
    public async Task Lineage_DigestThatRegisterPrinted_FindsTheRunThatMadeIt()
    {
        var run = await RunPipelineAsync("housing", "rows=1500");
        using var registered = await JsonAsync("model", "register", "--model", "housing", "--run", run, "--json");
        var digest = registered.RootElement.GetProperty("digest").GetString()!;

        var lineage = await Mlops("lineage", digest, "--json");

        lineage.ExitCode.Should().Be(0, lineage.Error);
        using var graph = JsonDocument.Parse(lineage.Output);
        graph.RootElement.GetProperty("root").GetString().Should().Be(digest);
        graph.RootElement.GetProperty("steps").EnumerateArray().Select(st => st.GetProperty("run_id").GetString()).Should().Contain(run);
        graph.RootElement.GetProperty("steps").EnumerateArray().Select(st => st.GetProperty("component").GetString()).Should().Contain("select/best");

        // The same digest everywhere: the registry, the card, the gate report, the run's artifact.
        using var show = await JsonAsync("model", "show", "housing", "--json");
        show.RootElement.GetProperty("versions")[0].GetProperty("digest").GetString().Should().Be(digest);
        using var card = await JsonAsync("model", "card", "housing", "--version", "1", "--json");
        card.RootElement.GetProperty("digest").GetString().Should().Be(digest);
        card.RootElement.GetProperty("markdown").GetString().Should().Contain(digest);
        await using var registry = await Toolkit.Registry.Embedded.EmbeddedRegistry.OpenAsync(_temp.File(".toolkit/registry"));
        using var gate = JsonDocument.Parse((await registry.GetGateReportAsync("housing", 1))!);
        gate.RootElement.GetProperty("candidate").GetProperty("digest").GetString().Should().Be(digest);
    }

    [Fact]
    public async Task Train_Json_DigestIsTheFilesSha256_AndRegisterPrintsTheSame()
    {
        var path = _temp.File("t.tkm");
        var train = await Mlops("train", "--data", await CsvAsync(), "--label", "price", "--algorithm", "ridge", "--out", path, "--json");
        train.ExitCode.Should().Be(0, train.Error);
        using var trained = JsonDocument.Parse(train.Output);
        var fileDigest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

        using var registered = await JsonAsync("model", "register", "--model", "housing", "--file", path, "--json");

        trained.RootElement.GetProperty("digest").GetString().Should().Be(fileDigest);
        registered.RootElement.GetProperty("digest").GetString().Should().Be(fileDigest);
    }

    [Fact]
    public async Task Card_Json_OneObjectWithTheMarkdown()
    {
        (await Mlops("model", "register", "--model", "housing", "--file", await ModelAsync("c.tkm"), "--actor", "alice")).ExitCode.Should().Be(0);

        var text = await Mlops("model", "card", "housing", "--version", "1");
        using var json = await JsonAsync("model", "card", "housing", "--version", "1", "--json");

        json.RootElement.GetProperty("model").GetString().Should().Be("housing");
        json.RootElement.GetProperty("version").GetInt32().Should().Be(1);
        json.RootElement.GetProperty("markdown").GetString().Should().Be(text.Output).And.StartWith("# housing v1").And.Contain("by alice");
        var missing = await Mlops("model", "card", "housing", "--version", "4", "--json");
        missing.ExitCode.Should().Be(2);
        missing.Error.Should().Contain("has no version 4");
    }

    [Fact]
    public async Task Register_EightProcessesAtOnce_EightDistinctVersions()
    {
        WritePolicy("prices");
        var data = _temp.File("h.csv");
        (await Mlops("data", "synth", "--generator", "housing", "--rows", "200", "--out", data)).ExitCode.Should().Be(0);
        var files = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var model = _temp.File($"m{i}.tkm");
            var alpha = (0.1 * (i + 1)).ToString(CultureInfo.InvariantCulture);
            (await Mlops("train", "--data", data, "--label", "price", "--algorithm", "ridge", "--param", $"alpha={alpha}", "--out", model)).ExitCode.Should().Be(0);
            files.Add(model);
        }

        var mlops = Path.Combine(AppContext.BaseDirectory, "mlops.dll");
        var processes = files.Select(f =>
        {
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _temp.Path, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { mlops, "model", "register", "--model", "prices", "--file", f, "--json" })
            {
                start.ArgumentList.Add(a);
            }

            return Process.Start(start)!;
        }).ToList();
        var outputs = await Task.WhenAll(processes.Select(async p =>
        {
            var output = await p.StandardOutput.ReadToEndAsync();
            var error = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            p.ExitCode.Should().Be(0, error);
            return output;
        }));

        var versions = outputs.Select(o => JsonDocument.Parse(o).RootElement.GetProperty("version").GetInt32()).ToList();
        versions.Should().BeEquivalentTo(Enumerable.Range(1, 8));
        using var show = await JsonAsync("model", "show", "prices", "--json");
        show.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("digest").GetString()).Distinct().Should().HaveCount(8);
    }

    [Fact]
    public async Task Register_ProcessKilledAtAnyMoment_LeavesNoHalfVersion()
    {
        WritePolicy("killed");
        var data = _temp.File("k.csv");
        (await Mlops("data", "synth", "--generator", "housing", "--rows", "200", "--out", data)).ExitCode.Should().Be(0);
        var mlops = Path.Combine(AppContext.BaseDirectory, "mlops.dll");
        var random = new Random(5);
        for (var i = 0; i < 6; i++)
        {
            var model = _temp.File($"k{i}.tkm");
            var alpha = (0.5 * (i + 1)).ToString(CultureInfo.InvariantCulture);
            (await Mlops("train", "--data", data, "--label", "price", "--algorithm", "ridge", "--param", $"alpha={alpha}", "--out", model)).ExitCode.Should().Be(0);
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _temp.Path, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { mlops, "model", "register", "--model", "killed", "--file", model })
            {
                start.ArgumentList.Add(a);
            }

            // Kill at a different moment each time: before, during or after the registration.
            using var process = Process.Start(start)!;
            await Task.Delay(random.Next(20, 400));
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        // Whatever was cut short, every version that exists is whole: its file is there and matches.
        using var show = await Mlops("model", "show", "killed", "--json") is { ExitCode: 0 } ok
            ? JsonDocument.Parse(ok.Output)
            : JsonDocument.Parse("{\"versions\":[]}");
        var versions = show.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()).ToList();
        versions.Should().Equal(Enumerable.Range(1, versions.Count), "version numbers have no holes");
        foreach (var v in versions)
        {
            var target = _temp.File($"back{v}.tkm");
            await using var registry = await Toolkit.Registry.Embedded.EmbeddedRegistry.OpenAsync(_temp.File(".toolkit/registry"));
            await registry.DownloadModelAsync("killed", v, target);
            File.Exists(target).Should().BeTrue();
        }

        // And the registry still works: the next registration gets the next number.
        using var next = await JsonAsync("model", "register", "--model", "killed", "--file", _temp.File("k0.tkm"), "--json");
        next.RootElement.GetProperty("version").GetInt32().Should().BeInRange(1, versions.Count + 1);
    }
}
