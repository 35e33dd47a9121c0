using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Monitoring.Triggers;

namespace Toolkit.Monitoring.Tests;

/// <summary>Data fingerprints: a digest of the content, stable across formatting, sensitive to any value.</summary>
public sealed class TriggerFingerprintTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "toolkit-fingerprint-tests", Guid.NewGuid().ToString("N"));

    public TriggerFingerprintTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Of_SameValuesFormattedDifferently_SameDigest()
    {
        var plain = DataFingerprint.Of(Write("a.csv", "age,city\n41,Oslo\n7.5,Rome\n"));
        var other = DataFingerprint.Of(Write("b.csv", "age,city\r\n41.0,\"Oslo\"\r\n7.50,Rome\r\n"));

        other.Digest.Should().Be(plain.Digest);
        plain.Rows.Should().Be(2);
        plain.Columns.Should().Equal(new FingerprintColumn("age", "numeric"), new FingerprintColumn("city", "categorical"));
    }

    [Fact]
    public void Of_OneValueChanged_OtherDigest()
    {
        var before = DataFingerprint.Of(Write("a.csv", "age,city\n41,Oslo\n7.5,Rome\n"));
        var after = DataFingerprint.Of(Write("b.csv", "age,city\n41,Oslo\n7.6,Rome\n"));

        after.Digest.Should().NotBe(before.Digest);
    }

    [Fact]
    public void Of_Folder_CombinesItsFilesInNameOrderIndependentlyOfCreationOrder()
    {
        Write("one/b.csv", "x\n2\n");
        Write("one/a.csv", "x\n1\n");
        Write("two/a.csv", "x\n1\n");
        Write("two/b.csv", "x\n2\n");
        Write("three/a.csv", "x\n1\n");
        Write("three/b.csv", "x\n3\n");

        var one = DataFingerprint.Of(Path.Combine(_folder, "one"));
        var two = DataFingerprint.Of(Path.Combine(_folder, "two"));
        var three = DataFingerprint.Of(Path.Combine(_folder, "three"));

        two.Digest.Should().Be(one.Digest);
        three.Digest.Should().NotBe(one.Digest);
        one.Rows.Should().Be(2);
        one.Files.Select(f => f.Path).Should().Equal("a.csv", "b.csv");
    }

    [Fact]
    public void Of_FolderWithFilesOfOtherColumns_RefusedNamingTheFile()
    {
        Write("mixed/a.csv", "x,y\n1,2\n");
        Write("mixed/b.csv", "x,z\n1,2\n");

        var act = () => DataFingerprint.Of(Path.Combine(_folder, "mixed"));

        act.Should().Throw<DataFormatException>().WithMessage("*b.csv*columns (x:numeric, z:numeric) differ from those of 'a.csv'*");
    }

    [Fact]
    public void Of_EmptyFolderOrMissingPath_RefusedNamingIt()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "empty"));

        ((Action)(() => DataFingerprint.Of(Path.Combine(_folder, "empty")))).Should().Throw<DataFormatException>().WithMessage("*holds no .csv file*");
        ((Action)(() => DataFingerprint.Of(Path.Combine(_folder, "nope.csv")))).Should().Throw<DataFormatException>().WithMessage("*nope.csv*neither a file nor a folder*");
    }
}

/// <summary><c>mlops data fingerprint</c>, <c>mlops trigger check</c> and the local <c>mlops trigger retrain</c> on a real project.</summary>
public sealed class TriggerCommandTests(MonitoredProject project) : IClassFixture<MonitoredProject>
{
    [Fact]
    public async Task DataFingerprint_Json_DigestRowsAndColumns()
    {
        var path = await project.SynthAsync("fp.csv", 300, seed: 3);

        var result = await project.MlopsAsync("data", "fingerprint", path, "--json");

        result.Exit.Should().Be(0, result.Error);
        var json = JsonDocument.Parse(result.Output).RootElement;
        json.GetProperty("digest").GetString().Should().Be(DataFingerprint.Of(path).Digest).And.StartWith("sha256:");
        json.GetProperty("rows").GetInt32().Should().Be(300);
        json.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Contain(["age", "glucose", "diabetes"]);
    }

    [Fact]
    public async Task TriggerCheck_TheDataProdWasTrainedOn_Exit0()
    {
        // The reference pipeline's ingest step: diabetes, 3000 rows, seed 42 (its params with rows=3000).
        var same = await project.SynthAsync("same.csv", 3000, seed: 42);

        var result = await project.MlopsAsync("trigger", "check", "diabetes", "--stage", "prod", "--data", same, "--json");

        result.Exit.Should().Be(0, result.Error);
        var json = JsonDocument.Parse(result.Output).RootElement;
        json.GetProperty("changed").GetBoolean().Should().BeFalse();
        json.GetProperty("trained").GetProperty("source").GetString().Should().Contain(project.RunId).And.Contain("data/synthesize");
    }

    [Fact]
    public async Task TriggerCheck_NewData_Exit3SayingSo()
    {
        var newer = await project.SynthAsync("newer.csv", 3000, seed: 43);

        var result = await project.MlopsAsync("trigger", "check", "diabetes", "--data", newer);

        result.Exit.Should().Be(3, result.Error);
        result.Output.Should().StartWith("new data: ").And.Contain("diabetes v1 in prod");
    }

    [Fact]
    public async Task TriggerCheck_RunReadNoFileAndNoData_Exit2AskingForData()
    {
        var result = await project.MlopsAsync("trigger", "check", "diabetes");

        result.Exit.Should().Be(2);
        result.Error.Should().Contain("give --data");
    }

    [Fact]
    public async Task TriggerCheck_UnknownModelOrEmptyStage_Exit2()
    {
        var unknown = await project.MlopsAsync("trigger", "check", "diabetis", "--data", await project.SynthAsync("any.csv", 10, seed: 1));
        var housing = await project.MlopsAsync("trigger", "check", "diabetes", "--stage", "staging", "--data", project.File("any.csv"));

        unknown.Exit.Should().Be(2);
        unknown.Error.Should().Contain("no model 'diabetis'");
        housing.Exit.Should().Be(2);
        housing.Error.Should().Contain("unknown stage 'staging'");
    }
}

/// <summary>The local retrain path on its own project (it registers a version and moves dev).</summary>
public sealed class TriggerRetrainTests(MonitoredProject project) : IClassFixture<MonitoredProject>
{
    [Fact]
    public async Task TriggerRetrain_OffGitHub_RunsPipelineGateRegisterAndPromotesDevWithTheReason()
    {
        var result = await project.MlopsAsync("trigger", "retrain", "diabetes", "--reason", "drift: glucose, bmi", "--json");

        result.Exit.Should().Be(0, result.Error);
        var json = JsonDocument.Parse(result.Output).RootElement;
        json.GetProperty("mode").GetString().Should().Be("local");
        var run = json.GetProperty("run_id").GetString()!;
        run.Should().NotBe(project.RunId, "the pipeline ran again, at its own parameters");
        json.GetProperty("commands").EnumerateArray().Select(c => c.GetString()).Should().Equal(
            "mlops pipeline run pipelines/diabetes.yaml --json",
            $"mlops gate check --model diabetes --run {run} --markdown artifacts/gate/diabetes.md",
            $"mlops model register --model diabetes --run {run} --json",
            "mlops model promote diabetes --version 2 --to dev --reason \"retrain: drift: glucose, bmi\"");
        var history = await project.MlopsAsync("model", "history", "diabetes", "--json");
        history.Output.Should().Contain("retrain: drift: glucose, bmi");
        var show = JsonDocument.Parse((await project.MlopsAsync("model", "show", "diabetes", "--version", "2", "--json")).Output).RootElement;
        show.GetProperty("versions")[0].GetProperty("stages").EnumerateArray().Select(s => s.GetString()).Should().Equal("dev");
        show.GetProperty("versions")[0].GetProperty("run_id").GetString().Should().Be(run);
    }

    [Fact]
    public async Task TriggerRetrain_EmptyReason_Exit2()
    {
        var result = await project.MlopsAsync("trigger", "retrain", "diabetes", "--reason", "  ");

        result.Exit.Should().Be(2);
        result.Error.Should().Contain("--reason");
    }
}

/// <summary>
/// The diabetes pipeline reading its rows from data/train.csv with data/load-csv (instead of synthesizing them);
/// its version 1 in prod. <c>trigger check</c> without <c>--data</c> fingerprints the file the run read.
/// </summary>
public sealed class TriggerLoadCsvTests : IAsyncLifetime
{
    private readonly MonitoredProject _project = new();

    public async Task InitializeAsync()
    {
        foreach (var folder in new[] { "pipelines", "models/diabetes" })
        {
            Directory.CreateDirectory(_project.File(folder));
            foreach (var file in Directory.GetFiles(Path.Combine(MonitoredProject.RepositoryRoot, folder)))
            {
                File.Copy(file, Path.Combine(_project.File(folder), Path.GetFileName(file)));
            }
        }

        Toolkit.Tests.Shared.DiabetesFeaturesProject.CopyTo(MonitoredProject.RepositoryRoot, _project.File("."));
        await File.WriteAllTextAsync(_project.File("toolkit.yaml"), "store: .toolkit\n" + Toolkit.Tests.Shared.DiabetesFeaturesProject.ComponentsYaml);
        Directory.CreateDirectory(_project.File("data"));
        await _project.SynthAsync("data/train.csv", 3000, seed: 5);
        var pipeline = (await File.ReadAllTextAsync(_project.File("pipelines/diabetes.yaml"))).Replace(
            "    uses: data/synthesize\n    with:\n      generator: diabetes\n      rows: ${{ params.rows }}\n      seed: ${{ params.seed }}\n",
            "    uses: data/load-csv\n    with:\n      path: data/train.csv\n      label: diabetes\n",
            StringComparison.Ordinal);
        pipeline.Should().Contain("data/load-csv", "the reference pipeline's ingest step is replaced");
        await File.WriteAllTextAsync(_project.File("pipelines/diabetes-csv.yaml"), pipeline);
        var run = await _project.MlopsAsync("pipeline", "run", "pipelines/diabetes-csv.yaml", "--json");
        run.Exit.Should().Be(0, run.Error);
        var runId = JsonDocument.Parse(run.Output).RootElement.GetProperty("run_id").GetString()!;
        (await _project.MlopsAsync("model", "register", "--model", "diabetes", "--run", runId, "--json")).Exit.Should().Be(0);
        (await _project.MlopsAsync("model", "promote", "diabetes", "--version", "1", "--to", "dev")).Exit.Should().Be(0);
        (await _project.MlopsAsync("model", "promote", "diabetes", "--version", "1", "--to", "preprod", "--approved-by", "alice", "--reason", "qa")).Exit.Should().Be(0);
        (await _project.MlopsAsync("model", "promote", "diabetes", "--version", "1", "--to", "prod", "--approved-by", "bob", "--reason", "release")).Exit.Should().Be(0);
    }

    public Task DisposeAsync() => _project.DisposeAsync();

    [Fact]
    public async Task TriggerCheck_WithoutData_FingerprintsTheFileTheRunReadAndSeesItChange()
    {
        var unchanged = await _project.MlopsAsync("trigger", "check", "diabetes", "--json");

        unchanged.Exit.Should().Be(0, unchanged.Error);
        var json = JsonDocument.Parse(unchanged.Output).RootElement;
        json.GetProperty("trained").GetProperty("path").GetString().Should().Be("data/train.csv");
        json.GetProperty("trained").GetProperty("source").GetString().Should().Contain("data/load-csv");
        json.GetProperty("current").GetProperty("digest").GetString().Should().Be(DataFingerprint.Of(_project.File("data/train.csv")).Digest);

        // New rows arrive in the same file.
        await _project.SynthAsync("data/train.csv", 3000, seed: 6);
        var changed = await _project.MlopsAsync("trigger", "check", "diabetes");

        changed.Exit.Should().Be(3, changed.Error);
        changed.Output.Should().StartWith("new data: data/train.csv");
    }
}
