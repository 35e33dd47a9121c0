using System.Text.Json;
using Toolkit.Registry;
using Toolkit.Registry.Embedded;

namespace Toolkit.Monitoring.Tests;

/// <summary>A version registered from a file without <c>--data</c> has no reference profile: registration says so, and monitor says how to get one.</summary>
public sealed class MonitorWithoutProfileTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public MonitorWithoutProfileTests()
    {
        Directory.CreateDirectory(_folder.File("models/diabetes"));
        File.Copy(Path.Combine(MonitoredProject.RepositoryRoot, "models/diabetes/model.yaml"), _folder.File("models/diabetes/model.yaml"));
        File.WriteAllText(_folder.File("toolkit.yaml"), "store: .toolkit\n");
    }

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _folder.Dispose();
    }

    private async Task<(int ExitCode, string Output, string Error)> Ok(params string[] args)
    {
        var result = await Mlops.RunAsync(_folder.Path, args);
        result.ExitCode.Should().Be(0, result.Error);
        return result;
    }

    private async Task TrainAsync()
    {
        await Ok("data", "synth", "--generator", "diabetes", "--rows", "2000", "--seed", "3", "--out", "train.csv");
        await Ok("data", "synth", "--generator", "diabetes", "--rows", "500", "--seed", "4", "--out", "live.csv");
        await Ok("train", "--data", "train.csv", "--label", "diabetes", "--algorithm", "logistic-regression", "--out", "model.tkm");
    }

    [Fact]
    public async Task ModelRegister_TkmFileWithoutData_NoProfileAndANoteSayingMonitorCannotWatchIt()
    {
        await TrainAsync();

        var result = await Ok("model", "register", "--model", "diabetes", "--file", "model.tkm", "--json");

        JsonDocument.Parse(result.Output).RootElement.GetProperty("profile").GetBoolean().Should().BeFalse();
        result.Error.Should().Contain("without --data").And.Contain("no reference profile").And.Contain("'mlops monitor' cannot watch");
    }

    [Fact]
    public async Task ModelRegister_SameFileAgainWithData_KeepsTheVersionWithoutAProfileAndSaysSo()
    {
        await TrainAsync();
        await Ok("model", "register", "--model", "diabetes", "--file", "model.tkm");

        var again = await Ok("model", "register", "--model", "diabetes", "--file", "model.tkm", "--data", "live.csv", "--json");

        var json = JsonDocument.Parse(again.Output).RootElement;
        json.GetProperty("created").GetBoolean().Should().BeFalse();
        json.GetProperty("profile").GetBoolean().Should().BeFalse("a version keeps what it was registered with");
        again.Error.Should().Contain("v1 holds this file already").And.Contain("'mlops monitor' cannot watch it");
    }

    [Fact]
    public async Task Monitor_FileVersionWithoutProfile_Exit2NamingTheVersionAndHowToRegisterOneThatHasIt()
    {
        await TrainAsync();

        // A stage needs passed gates, which a file gets only with --data: a version from before profiles, put in dev directly.
        await using (var registry = await EmbeddedRegistry.OpenAsync(_folder.File(".toolkit/registry")))
        {
            await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.File("model.tkm"), GatePassed = true });
        }

        await Ok("model", "promote", "diabetes", "--version", "1", "--to", "dev");

        var result = await Mlops.RunAsync(_folder.Path, "monitor", "diabetes", "--stage", "dev", "--data", "live.csv", "--json");

        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().Contain("diabetes v1 has no reference profile")
            .And.Contain("registered from a file without --data")
            .And.Contain("mlops model register --model diabetes --file MODEL --data held-out.csv");
    }
}
