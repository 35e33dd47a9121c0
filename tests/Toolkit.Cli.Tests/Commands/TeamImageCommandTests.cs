using System.Text.RegularExpressions;
using Toolkit.Docker;
using Toolkit.Docker.Tests;
using Toolkit.Pipelines.Project;
using Toolkit.Tests.Shared;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// The image the CLI hands Docker steps, for a project with a team project: <c>--executor docker</c> derives one
/// carrying the builds when <c>--image</c> lacks them (and reuses it); Argo builds nothing and refuses a local image
/// without them. The chosen image here is the base (always local); plan runs no step, so it needs no mlops inside.
/// </summary>
public sealed partial class TeamImageCommandTests : IDisposable
{
    private const string Pipeline = """
        apiVersion: toolkit/v1
        kind: Pipeline
        name: team-image
        steps:
          - name: ingest
            uses: data/synthesize
            with: { generator: diabetes, rows: 300, seed: 4 }
          - name: features
            uses: features/fit
            inputs: { train: ingest.dataset }
            with: { label: diabetes, transforms: diabetes/clinical-features }
        """;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);

    [DockerFact]
    public async Task PlanDockerAndCompileArgo_ImageWithoutTheTeamBuild_DerivedOnceForDocker_RefusedForArgo()
    {
        DiabetesFeaturesProject.CopyTo(TempFolder.RepositoryRoot, _temp.Path);
        await File.WriteAllTextAsync(Path.Combine(_temp.Path, "toolkit.yaml"), "store: .state\n" + DiabetesFeaturesProject.ComponentsYaml);
        await File.WriteAllTextAsync(Path.Combine(_temp.Path, "team.yaml"), Pipeline);
        var chosen = ProjectSettings.Discover(TempFolder.RepositoryRoot).BaseImage;
        var repository = chosen.Split(':')[0];
        string? derived = null;
        using var docker = DockerClientOptions.FromEnvironment().CreateClient();
        try
        {
            var first = await Mlops("pipeline", "plan", "team.yaml", "--executor", "docker", "--image", chosen);
            first.ExitCode.Should().Be(0, first.Error);
            var line = Adding().Match(first.Error);
            line.Success.Should().BeTrue(first.Error);
            line.Groups["from"].Value.Should().Be(chosen);
            derived = line.Groups["to"].Value;
            derived.Should().MatchRegex($"^{Regex.Escape(repository)}:team-[0-9a-f]{{12}}$");
            var build = Directory.GetDirectories(Path.Combine(_temp.Path, ".state", "components")).Single();
            line.Groups["builds"].Value.Should().Be(Path.GetFileName(build));
            (await docker.Images.InspectAsync(derived)).Labels["toolkit.team"].Should().StartWith(Path.GetFileName(build) + "@sha256:");

            var second = await Mlops("pipeline", "plan", "team.yaml", "--executor", "docker", "--image", chosen);
            second.ExitCode.Should().Be(0, second.Error);
            second.Error.Should().NotContain("adding team projects", "the derived image is reused");

            // Argo: nothing is built; the chosen image is here and lacks the build, so it is refused naming it.
            var argo = await Mlops("pipeline", "compile", "team.yaml", "--target", "argo", "--allow-tag", "--image", chosen);
            argo.ExitCode.Should().Be(2, argo.Output);
            argo.Error.Should().Contain($"image '{chosen}' does not carry the project's team builds {Path.GetFileName(build)}");
            var pinned = await Mlops("pipeline", "compile", "team.yaml", "--target", "argo", "--allow-tag", "--image", derived);
            pinned.ExitCode.Should().Be(0, pinned.Error);
            pinned.Output.Should().Contain($"image: \"{derived}\"");
        }
        finally
        {
            if (derived is not null)
            {
                await docker.Images.RemoveAsync(derived, force: true, keepParents: true);
            }
        }
    }

    [DockerFact]
    public async Task PipelineRun_DockerWithAMissingImageAndNoTeamProject_OneErrorSayingToBuildIt_NoStepRun()
    {
        await File.WriteAllTextAsync(Path.Combine(_temp.Path, "toolkit.yaml"), "store: .state\n");
        await File.WriteAllTextAsync(Path.Combine(_temp.Path, "plain.yaml"), Pipeline.Replace(", transforms: diabetes/clinical-features", "", StringComparison.Ordinal));

        var run = await Mlops("pipeline", "run", "plain.yaml", "--executor", "docker", "--image", "toolkit-test/never-built:missing");

        run.ExitCode.Should().NotBe(0);
        run.Error.Should().Contain("the components image 'toolkit-test/never-built:missing' does not exist here: run 'mlops image build'");
        run.Error.Should().NotContain("step 'ingest' failed", "the image is checked before any step starts");
        Directory.Exists(Path.Combine(_temp.Path, ".state", "runs")).Should().BeFalse("no run was started");
    }

    [GeneratedRegex(@"adding team projects (?<builds>\S+) to (?<from>\S+) → (?<to>\S+)")]
    private static partial Regex Adding();
}
