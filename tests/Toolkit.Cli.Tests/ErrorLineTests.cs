namespace Toolkit.Cli.Tests;

/// <summary>Every failure is one <c>mlops: error:</c> line on stderr, with a did-you-mean where a name was mistyped.</summary>
public sealed class ErrorLineTests
{
    [Theory]
    [InlineData("unknown option '--executr'; did you mean '--executor'?", "pipeline", "run", "p.yaml", "--executr", "docker")]
    [InlineData("unknown option '--thread'; did you mean '--threads'?", "train", "--data", "d.csv", "--label", "y", "--algorithm", "lasso", "--out", "m.tkm", "--thread", "2")]
    [InlineData("unknown option '--verbos'; did you mean '--verbose'?", "model", "list", "--verbos")]
    [InlineData("unknown command 'modle'; did you mean 'model'?", "modle", "list")]
    [InlineData("unknown command 'promot'; did you mean 'promote'?", "model", "promot", "diabetes")]
    [InlineData("'diabetis' is not a valid --generator (choose one of diabetes, housing, sales); did you mean 'diabetes'?", "data", "synth", "--generator", "diabetis", "--rows", "10", "--out", "x.csv")]
    [InlineData("'production' is not a valid --to (choose one of dev, preprod, prod); did you mean 'prod'?", "model", "promote", "diabetes", "--version", "1", "--to", "production")]
    public async Task BadUsage_OneErrorLine_WithSuggestion(string expected, params string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        result.ExitCode.Should().Be(ExitCodes.BadInput);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle().Which.Should().StartWith("mlops: error: ").And.Contain(expected).And.Contain("--help'");
        result.Output.Should().BeEmpty();
    }

    [Theory]
    [InlineData("--threads must be between 1 and 1,024, not 0", "train", "--data", "d.csv", "--label", "y", "--algorithm", "lasso", "--out", "m.tkm", "--threads", "0")]
    [InlineData("--threads must be between 1 and 1,024, not -3", "train", "--data", "d.csv", "--label", "y", "--algorithm", "lasso", "--out", "m.tkm", "--threads", "-3")]
    [InlineData("--rows must be between 1 and 10,000,000, not 300000000", "data", "synth", "--generator", "diabetes", "--rows", "300000000", "--out", "x.csv")]
    [InlineData("--rows must be between 1 and 10,000,000, not 0", "data", "synth", "--generator", "diabetes", "--rows", "0", "--out", "x.csv")]
    public async Task OutOfRangeFlag_RefusedAtParseTime_NothingWritten(string expected, params string[] args)
    {
        using var folder = new TempFolder();

        var result = await CliRunner.RunInAsync(folder.Path, args);

        result.ExitCode.Should().Be(ExitCodes.BadInput);
        result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Which.Should().Contain(expected);
        Directory.EnumerateFileSystemEntries(folder.Path).Should().BeEmpty();
    }

    [Theory]
    [InlineData("gate", "check", "--model", "../../x", "--run", "r1")]
    public async Task ModelNameThatIsAPath_RefusedAsNotAName(params string[] args)
    {
        using var folder = new TempFolder();

        var result = await CliRunner.RunInAsync(folder.Path, args);

        result.ExitCode.Should().Be(ExitCodes.BadInput);
        result.Error.Should().Contain("is not a model name").And.NotContain("model.yaml does not exist");
    }

    [Theory]
    [InlineData("predict", "--model", "m.tkm", "--data", "d.csv", "--out", "p.csv")]
    [InlineData("evaluate", "--model", "m.tkm", "--data", "d.csv")]
    [InlineData("serve", "--file", "m.tkm", "--port", "0")]
    public async Task CorruptModelFile_IsBadInput_Exit2NamingTheFile(params string[] args)
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(folder.File("m.tkm"), [.. Enumerable.Range(0, 200).Select(i => (byte)(i * 37))]);
        await File.WriteAllTextAsync(folder.File("d.csv"), "a,y\n1,0\n2,1\n");

        var result = await CliRunner.RunInAsync(folder.Path, args);

        result.ExitCode.Should().Be(ExitCodes.BadInput);
        result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Which.Should().Contain("m.tkm");
        File.Exists(folder.File("p.csv")).Should().BeFalse();
    }

    [Fact]
    public async Task BadUsage_SeveralMistakes_StillOneLine()
    {
        var result = await CliRunner.RunAsync("train", "--task", "regresion", "--thread", "2");

        var line = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Subject;
        line.Should().Contain("did you mean 'regression'?").And.Contain("did you mean '--threads'?").And.Contain("--algorithm");
    }

    [Fact]
    public async Task UnknownCommandValue_NotReportedTwice()
    {
        var result = await CliRunner.RunAsync("runs", "list", "--no-such", "value");

        var line = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Subject;
        line.Should().Contain("unknown option '--no-such'").And.NotContain("'value'");
    }

    [Fact]
    public void ExitCodeFor_CommandFailed_CarriesItsCode()
    {
        CliApp.ExitCodeFor(new CommandFailedException("gate failed", ExitCodes.GateFailed)).Should().Be(ExitCodes.GateFailed);
        CliApp.ExitCodeFor(new CommandFailedException("run failed")).Should().Be(ExitCodes.Failure);
    }
}
