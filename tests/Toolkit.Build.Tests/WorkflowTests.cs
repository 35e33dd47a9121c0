using YamlDotNet.RepresentationModel;

namespace Toolkit.Build.Tests;

/// <summary>
/// What the workflows must do that GitHub's parser (Check.Workflows) cannot see: the order of the
/// steps and the arguments they hand to the build.
/// </summary>
public sealed class WorkflowTests
{
    [Fact]
    public void Ci_DockerTestsRequired_BaseImageIsMadeWithSudoBeforeTheTests()
    {
        var steps = Steps("ci.yml", "build-and-test");

        var test = steps.FindIndex(s => Run(s).Contains("--target=Test", StringComparison.Ordinal));
        var image = steps.FindIndex(s => Run(s).Contains("sudo", StringComparison.Ordinal) && Run(s).Contains("docker/base/make-base.sh", StringComparison.Ordinal));
        var keyring = steps.FindIndex(s => Run(s).Contains("debian-archive-keyring", StringComparison.Ordinal) && Run(s).Contains("debootstrap", StringComparison.Ordinal));

        test.Should().BeGreaterThanOrEqualTo(0);
        ((YamlMappingNode)steps[test]["env"])["TOOLKIT_REQUIRE_DOCKER"].ToString().Should().Be("1");
        image.Should().BeInRange(0, test - 1, "the base image must exist before the Docker tests, which may not skip");
        keyring.Should().BeInRange(0, image - 1, "Ubuntu's debootstrap needs Debian's keyring to make bookworm");
    }

    [Theory]
    [InlineData("preprod")]
    [InlineData("prod")]
    public void Release_PromotionJob_PassesModelVersionNotCakesVersion(string job)
    {
        // release.yml calls the reusable toolkit-release.yml, which holds the jobs.
        var promote = Steps("toolkit-release.yml", job).Select(Run).Single(r => r.Contains("--target=Promote", StringComparison.Ordinal));

        promote.Should().Contain($" --stage={job} ").And.Contain(" --model-version=${{ needs.dev.outputs.version }}");
        promote.Split(' ').Should().NotContain(a => a.StartsWith("--version", StringComparison.Ordinal));
    }

    private static List<YamlMappingNode> Steps(string workflow, string job)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(BuildCopy.RepositoryRoot, ".github", "workflows", workflow)))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var jobs = (YamlMappingNode)root["jobs"];
        return ((YamlSequenceNode)((YamlMappingNode)jobs[job])["steps"]).Children.Cast<YamlMappingNode>().ToList();
    }

    private static string Run(YamlMappingNode step) =>
        step.Children.TryGetValue(new YamlScalarNode("run"), out var run) ? run.ToString() : string.Empty;
}
