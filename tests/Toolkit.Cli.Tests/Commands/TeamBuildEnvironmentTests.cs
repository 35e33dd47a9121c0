namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// A team project's build is the team's code running (MSBuild targets, analyzers, source generators): it gets the
/// caller's environment except the keys no child process is given. The keys are process-wide, hence the collection.
/// </summary>
[Collection(nameof(SigningEnvironment))]
public sealed class TeamBuildEnvironmentTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task TeamProjectBuild_SigningKeyInTheCallersEnvironment_NeverReachesTheBuild()
    {
        var sdk = Path.Combine(TempFolder.RepositoryRoot, "src", "Toolkit.Sdk", "Toolkit.Sdk.csproj");
        var created = await CliRunner.RunInAsync(_temp.Path, "component", "new", "churn/log-scale", "--dir", "teams/Churn.LogScale", "--sdk", sdk);
        created.ExitCode.Should().Be(0, created.Error);
        var project = _temp.File("teams/Churn.LogScale/Churn.LogScale.csproj");
        // Environment variables are MSBuild properties: the build writes down what it saw.
        await File.WriteAllTextAsync(project, (await File.ReadAllTextAsync(project)).Replace("</Project>", """
              <Target Name="RecordEnvironment" BeforeTargets="Build">
                <WriteLinesToFile File="$(MSBuildProjectDirectory)/../../seen.txt" Lines="signing=[$(TOOLKIT_SIGNING_KEY)];probe=[$(TEAM_BUILD_PROBE)]" Overwrite="true" />
              </Target>
            </Project>
            """, StringComparison.Ordinal));
        await File.WriteAllTextAsync(_temp.File("toolkit.yaml"), "components:\n  - teams/Churn.LogScale/Churn.LogScale.csproj\n");
        const string secret = "-----BEGIN PRIVATE KEY-----probe-----END PRIVATE KEY-----";
        var before = (Environment.GetEnvironmentVariable("TOOLKIT_SIGNING_KEY"), Environment.GetEnvironmentVariable("TEAM_BUILD_PROBE"));
        Environment.SetEnvironmentVariable("TOOLKIT_SIGNING_KEY", secret);
        Environment.SetEnvironmentVariable("TEAM_BUILD_PROBE", "visible");
        CliResult listed;
        try
        {
            listed = await CliRunner.RunInAsync(_temp.Path, "component", "list");
        }
        finally
        {
            Environment.SetEnvironmentVariable("TOOLKIT_SIGNING_KEY", before.Item1);
            Environment.SetEnvironmentVariable("TEAM_BUILD_PROBE", before.Item2);
        }

        listed.ExitCode.Should().Be(0, listed.Error);
        listed.Output.Should().Contain("churn/log-scale", "the project was built and loaded");
        var seen = await File.ReadAllLinesAsync(_temp.File("seen.txt"));
        seen.Should().Equal(["signing=[]", "probe=[visible]"], "the build sees the caller's environment, but not the signing key");
        (listed.Output + listed.Error).Should().NotContain("probe-----");
    }
}
