using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Registry;

namespace Toolkit.Deployment.Tests;

/// <summary>
/// <c>mlops deploy --target process</c> end to end: real <c>mlops serve</c> processes on 127.0.0.1, real HTTP, the
/// project's real SQLite stores. Each test's project is disposed with every server it started.
/// </summary>
public sealed class ProcessDeploymentTests(TrainedModels models) : IClassFixture<TrainedModels>
{
    [Fact]
    public async Task Deploy_ProcessToDev_AnswersOnTheStagePortLikeMlopsPredict()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);

        var json = await project.DeployJsonAsync("--target", "process");

        json.GetProperty("model").GetString().Should().Be(project.Name);
        json.GetProperty("version").GetInt32().Should().Be(1);
        json.GetProperty("stage").GetString().Should().Be("dev");
        json.GetProperty("target").GetString().Should().Be("process");
        json.GetProperty("url").GetString().Should().Be(project.DevUrl.ToString().TrimEnd('/'));
        json.GetProperty("image").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("smoke").GetProperty("passed").GetBoolean().Should().BeTrue();
        json.GetProperty("smoke").GetProperty("rows").GetInt32().Should().Be(20);
        var load = json.GetProperty("load");
        load.GetProperty("rps").GetDouble().Should().BePositive();
        load.GetProperty("p99_ms").GetDouble().Should().BeGreaterThanOrEqualTo(load.GetProperty("p50_ms").GetDouble());
        load.GetProperty("p95_ms").GetDouble().Should().BePositive();
        load.GetProperty("errors").GetInt64().Should().Be(0);

        // The server outlives the deploy command and predicts what mlops predict writes for the same rows.
        var pid = json.GetProperty("pid").GetInt32();
        DeployProject.IsAlive(pid).Should().BeTrue();
        File.ReadAllText(Path.Combine(project.DeploymentsRoot, project.Name + "-dev", "serve.pid")).Should().Contain(pid.ToString(CultureInfo.InvariantCulture));
        var rows = WithoutLabel(File.ReadLines(models.HeldOut).Take(31).ToList());
        var data = Path.Combine(project.Root, "rows.csv");
        await File.WriteAllTextAsync(data, rows);
        (await project.MlopsAsync("predict", "--model", models.ModelFile(1), "--data", data, "--out", "predicted.csv")).ExitCode.Should().Be(0);
        var expected = File.ReadLines(Path.Combine(project.Root, "predicted.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        using var answer = await http.PostAsync("invocations", new StringContent(rows, Encoding.UTF8, "text/csv"));
        answer.IsSuccessStatusCode.Should().BeTrue(await answer.Content.ReadAsStringAsync());
        var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("predictions").EnumerateArray().Select(e => e.GetString()).Should().Equal(expected.Select(l => l[0]));
        body.GetProperty("probabilities").EnumerateArray().Select(e => e.GetDouble())
            .Should().Equal(expected.Select(l => double.Parse(l[1], CultureInfo.InvariantCulture)));

        var history = await project.HistoryAsync();
        history[^1].Should().Match<AuditEvent>(e => e.Action == AuditAction.Deploy && e.Version == 1 && e.Stage == "dev");
        history[^1].Reason.Should().Contain(project.DevUrl.ToString().TrimEnd('/'));
    }

    [Fact]
    public async Task Deploy_OnnxVersion_ServesItsOnnxFileAndPassesItsSmokeTest()
    {
        await using var project = await DeployProject.CreateAsync(models);
        var onnx = Path.Combine(project.Root, "m1.onnx");
        (await project.MlopsAsync("model", "export", "--file", models.ModelFile(1), "--format", "onnx", "-o", onnx)).ExitCode.Should().Be(0);
        var version = await project.RegisterWithSampleOfAsync(onnx, onnx);
        await project.PromoteAsync(version);

        var json = await project.DeployJsonAsync("--target", "process");

        json.GetProperty("version").GetInt32().Should().Be(version);
        json.GetProperty("smoke").GetProperty("passed").GetBoolean().Should().BeTrue();
        json.GetProperty("smoke").GetProperty("rows").GetInt32().Should().Be(20);
        // The process serves the registered version, fetched under its flavor's extension.
        var served = Path.Combine(project.Root, ".toolkit", "serving", string.Create(CultureInfo.InvariantCulture, $"{project.Name}-v{version}.onnx"));
        File.ReadAllBytes(served).Should().Equal(File.ReadAllBytes(onnx), "the served file keeps the ONNX file's extension and bytes");
        var rows = WithoutLabel(File.ReadLines(models.HeldOut).Take(11).ToList());
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        using var answer = await http.PostAsync("invocations", new StringContent(rows, Encoding.UTF8, "text/csv"));
        answer.IsSuccessStatusCode.Should().BeTrue(await answer.Content.ReadAsStringAsync());
        JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("probabilities").GetArrayLength().Should().Be(10);
    }

    [Fact]
    public async Task Deploy_AnotherVersion_ReplacesTheOldOneAndLeavesNothingBehind()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);
        var first = await project.DeployJsonAsync("--target", "process");
        await project.PromoteAsync(2);

        var second = await project.DeployJsonAsync("--target", "process");

        second.GetProperty("version").GetInt32().Should().Be(2);
        DeployProject.IsAlive(first.GetProperty("pid").GetInt32()).Should().BeFalse("the old server was stopped");
        project.LiveServers().Should().Equal([second.GetProperty("pid").GetInt32()], "the checked candidate is gone too");
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        var metadata = JsonDocument.Parse(await http.GetStringAsync($"v2/models/{project.Name}")).RootElement;
        metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()).Should().Equal("2");

        var listed = await project.MlopsAsync("deployments", "--json");
        var deployments = JsonDocument.Parse(listed.Output).RootElement.GetProperty("deployments").EnumerateArray().ToList();
        deployments.Should().ContainSingle();
        deployments[0].GetProperty("version").GetInt32().Should().Be(2);
        deployments[0].GetProperty("status").GetString().Should().Be("running");
        (await project.HistoryAsync()).Where(e => e.Action == AuditAction.Deploy).Select(e => e.Version).Should().Equal(1, 2);
    }

    [Fact]
    public async Task Deploy_SloMissed_Exits3AndTheOldDeploymentKeepsServing()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);
        var first = await project.DeployJsonAsync("--target", "process");
        await project.PromoteAsync(2);
        await project.WritePolicyAsync("{ min_rps: 1e9 }");

        var failed = await project.MlopsAsync("deploy", project.Name, "--stage", "dev", "--target", "process");

        failed.ExitCode.Should().Be(3, failed.Error);
        failed.Error.Should().Contain("min_rps").And.Contain("SLO").And.Contain("v2");
        var pid = first.GetProperty("pid").GetInt32();
        project.LiveServers().Should().Equal([pid], "the candidate was removed and the old one never stopped");
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        var metadata = JsonDocument.Parse(await http.GetStringAsync($"v2/models/{project.Name}")).RootElement;
        metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()).Should().Equal("1");
        var listed = JsonDocument.Parse((await project.MlopsAsync("deployments", "--json")).Output).RootElement.GetProperty("deployments");
        listed.EnumerateArray().Select(d => (d.GetProperty("version").GetInt32(), d.GetProperty("status").GetString())).Should().Equal((1, "running"));
    }

    [Fact]
    public async Task Deploy_CandidateExitsBeforeReady_Exits1WithItsErrorAndTheOldOneKeepsServing()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);
        var first = await project.DeployJsonAsync("--target", "process");
        await project.PromoteAsync(2);

        // Version 2's stored file no longer matches its digest: mlops serve refuses it and exits.
        var digest = Toolkit.Ml.Models.ModelFile.Load(models.ModelFile(2)).Digest!["sha256:".Length..];
        var stored = Path.Combine(project.RegistryRoot, "models", "sha256", digest[..2], digest + ".tkm");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[^3] ^= 1;
        await File.WriteAllBytesAsync(stored, bytes);

        var failed = await project.MlopsAsync("deploy", project.Name, "--stage", "dev", "--target", "process");

        failed.ExitCode.Should().Be(1, failed.Error);
        failed.Error.Should().Contain("stopped before it was ready").And.Contain("changed after registration");
        project.LiveServers().Should().Equal([first.GetProperty("pid").GetInt32()]);
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        (await http.GetAsync("v2/health/ready")).IsSuccessStatusCode.Should().BeTrue();
        (await project.HistoryAsync()).Where(e => e.Action == AuditAction.Deploy).Select(e => e.Version).Should().Equal(1);
    }

    [Fact]
    public async Task Deploy_ServiceAnswersOtherThanItsSmokeSample_Exits1AndRemovesIt()
    {
        await using var project = await DeployProject.CreateAsync(models);

        // A version whose stored answers are another model's: the live service cannot match them.
        var version = await project.RegisterWithSampleOfAsync(await RetrainedAsync(project), models.ModelFile(1));
        await project.PromoteAsync(version);

        var failed = await project.MlopsAsync("deploy", project.Name, "--stage", "dev", "--target", "process");

        failed.ExitCode.Should().Be(1, failed.Error);
        failed.Error.Should().Contain("smoke test failed").And.Contain("rows answered differently");
        project.LiveServers().Should().BeEmpty();
        var listed = JsonDocument.Parse((await project.MlopsAsync("deployments", "--json")).Output).RootElement.GetProperty("deployments");
        listed.GetArrayLength().Should().Be(0);
    }

    /// <summary>A third model (random forest) trained in the project: other answers than versions 1 and 2.</summary>
    private async Task<string> RetrainedAsync(DeployProject project)
    {
        var file = Path.Combine(project.Root, "m3.tkm");
        (await project.MlopsAsync("train", "--data", Path.Combine(models.Folder, "train.csv"), "--label", "diabetes", "--algorithm", "random-forest", "--param", "trees=10", "--seed", "9", "--out", file)).ExitCode.Should().Be(0);
        return file;
    }

    [Fact]
    public async Task Deploy_TwoAtOnceForOneStage_TakeTurnsAndLeaveOneService()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);

        var both = await Task.WhenAll(
            project.MlopsAsync("deploy", project.Name, "--stage", "dev", "--target", "process", "--json"),
            project.MlopsAsync("deploy", project.Name, "--stage", "dev", "--target", "process", "--json"));

        both.Should().AllSatisfy(r => r.ExitCode.Should().Be(0, r.Error));
        var pids = both.Select(r => JsonDocument.Parse(r.Output).RootElement.GetProperty("pid").GetInt32()).ToList();
        project.LiveServers().Should().ContainSingle().Which.Should().BeOneOf(pids);
        var listed = JsonDocument.Parse((await project.MlopsAsync("deployments", "--json")).Output).RootElement.GetProperty("deployments");
        listed.EnumerateArray().Single().GetProperty("pid").GetInt32().Should().Be(project.LiveServers().Single());
    }

    [Fact]
    public async Task DeployStop_RunningDeployment_StopsTheProcessAndRecordsIt()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);
        var deployed = await project.DeployJsonAsync("--target", "process");

        var stop = await project.MlopsAsync("deploy", "stop", project.Name, "--stage", "dev");

        stop.ExitCode.Should().Be(0, stop.Error);
        stop.Output.Should().Contain("stopped " + project.Name + " v1 in dev");
        DeployProject.IsAlive(deployed.GetProperty("pid").GetInt32()).Should().BeFalse();
        project.LiveServers().Should().BeEmpty();
        var listed = JsonDocument.Parse((await project.MlopsAsync("deployments", "--json")).Output).RootElement.GetProperty("deployments");
        listed.GetArrayLength().Should().Be(0);
        (await project.HistoryAsync())[^1].Action.Should().Be(AuditAction.Undeploy);
        var again = await project.MlopsAsync("deploy", "stop", project.Name, "--stage", "dev");
        again.Output.Should().Contain("nothing to stop");
    }

    [Fact]
    public async Task Deployments_ServerKilled_ListedAsStopped()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);
        var deployed = await project.DeployJsonAsync("--target", "process");
        using (var process = System.Diagnostics.Process.GetProcessById(deployed.GetProperty("pid").GetInt32()))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        var listed = await project.MlopsAsync("deployments", "--json");

        var d = JsonDocument.Parse(listed.Output).RootElement.GetProperty("deployments").EnumerateArray().Single();
        d.GetProperty("status").GetString().Should().Be("stopped");
        d.GetProperty("pid").GetInt32().Should().Be(deployed.GetProperty("pid").GetInt32());
        (await project.MlopsAsync("deployments")).Output.Should().Contain("stopped");
    }

    [Fact]
    public async Task Deploy_VersionThatDoesNotHoldTheStage_Exits2NamingBoth()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);

        var result = await project.MlopsAsync("deploy", project.Name, "--stage", "dev", "--model-version", "2", "--target", "process");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("v2 does not hold dev (v1 does)");
        project.LiveServers().Should().BeEmpty();
    }

    [Fact]
    public async Task Deploy_StageNobodyHolds_Exits2()
    {
        await using var project = await DeployProject.CreateAsync(models);

        var result = await project.MlopsAsync("deploy", project.Name, "--stage", "prod", "--target", "process");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("no version of '" + project.Name + "' holds prod");
    }

    [Fact]
    public async Task ModelRollback_DeployedStage_RedeploysThePreviousVersion()
    {
        await using var project = await DeployProject.CreateAsync(models);
        await project.PromoteAsync(1);
        await project.DeployJsonAsync("--target", "process");
        await project.PromoteAsync(2);
        await project.DeployJsonAsync("--target", "process");

        var rollback = await project.MlopsAsync("model", "rollback", project.Name, "--stage", "dev", "--reason", "latency", "--json");

        rollback.ExitCode.Should().Be(0, rollback.Error);
        var json = JsonDocument.Parse(rollback.Output).RootElement;
        json.GetProperty("version").GetInt32().Should().Be(1);
        json.GetProperty("deployment").GetProperty("version").GetInt32().Should().Be(1);
        json.GetProperty("deployment").GetProperty("url").GetString().Should().Be(project.DevUrl.ToString().TrimEnd('/'));
        using var http = new HttpClient { BaseAddress = project.DevUrl };
        var metadata = JsonDocument.Parse(await http.GetStringAsync($"v2/models/{project.Name}")).RootElement;
        metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()).Should().Equal("1");
        project.LiveServers().Should().ContainSingle();
    }

    /// <summary>CSV lines without the label column (what a caller of the service sends).</summary>
    internal static string WithoutLabel(IReadOnlyList<string> lines)
    {
        var label = lines[0].Split(',').ToList().IndexOf("diabetes");
        return string.Concat(lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != label)) + "\n"));
    }
}
