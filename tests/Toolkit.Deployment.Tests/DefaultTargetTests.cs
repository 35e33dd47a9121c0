using Toolkit.Cli.Commands;

namespace Toolkit.Deployment.Tests;

/// <summary>Which target a deploy takes when none is given: Docker only where the service image can be built.</summary>
public sealed class DefaultTargetTests
{
    [DockerFact]
    public async Task DefaultTarget_DaemonWithTheLocalBase_IsDocker()
    {
        var notes = new StringWriter();

        var target = await DeployAccess.DefaultTargetAsync("toolkit/base:bookworm", notes, CancellationToken.None);

        target.Should().Be(DeploymentTarget.Docker, "the daemon answers and the base image is here (make-base.sh)");
        notes.ToString().Should().BeEmpty();
    }

    [DockerFact]
    public async Task DefaultTarget_DaemonWithoutTheLocalBase_IsAProcessAndSaysWhy()
    {
        var notes = new StringWriter();
        var missing = "toolkit/not-here:" + Guid.NewGuid().ToString("N")[..12];

        var target = await DeployAccess.DefaultTargetAsync(missing, notes, CancellationToken.None);

        target.Should().Be(DeploymentTarget.Process);
        notes.ToString().Should().Contain(missing).And.Contain("Images.Base");
    }
}
