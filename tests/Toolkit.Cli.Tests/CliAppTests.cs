using Toolkit.Ml.Data;
using Toolkit.Ml.Training;

namespace Toolkit.Cli.Tests;

public sealed class CliAppTests
{
    [Fact]
    public async Task Version_PrintsAssemblyVersion_ExitsZero()
    {
        var result = await CliRunner.RunAsync("--version");

        result.ExitCode.Should().Be(ExitCodes.Ok);
        result.Output.Trim().Should().StartWith(CliApp.Version).And.MatchRegex(@"^\d+\.\d+\.\d+");
    }

    [Fact]
    public async Task Help_ListsUsage_ExitsZero()
    {
        var result = await CliRunner.RunAsync("--help");

        result.ExitCode.Should().Be(ExitCodes.Ok);
        result.Output.Should().Contain("Usage:").And.Contain("--verbose");
    }

    [Fact]
    public async Task UnknownOption_IsBadUsage_OneLineErrorAndHint()
    {
        var result = await CliRunner.RunAsync("--no-such-option");

        result.ExitCode.Should().Be(ExitCodes.BadInput);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("mlops: error:");
        lines.Should().Contain(l => l.StartsWith("mlops: error:", StringComparison.Ordinal) && l.Contains("--no-such-option", StringComparison.Ordinal));
        lines.Should().Contain(l => l.Contains("mlops --help", StringComparison.Ordinal));
        result.Output.Should().BeEmpty();
    }

    [Theory]
    [InlineData(typeof(UsageException), ExitCodes.BadInput)]
    [InlineData(typeof(InvalidParameterException), ExitCodes.BadInput)]
    [InlineData(typeof(DataFormatException), ExitCodes.BadInput)]
    [InlineData(typeof(FileNotFoundException), ExitCodes.BadInput)]
    [InlineData(typeof(InvalidOperationException), ExitCodes.Failure)]
    [InlineData(typeof(IOException), ExitCodes.Failure)]
    public void ExitCodeFor_MapsExceptionKinds(Type exceptionType, int expected)
    {
        var ex = (Exception)Activator.CreateInstance(exceptionType)!;

        CliApp.ExitCodeFor(ex).Should().Be(expected);
    }
}
