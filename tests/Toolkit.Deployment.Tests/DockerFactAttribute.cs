using Toolkit.Docker;

namespace Toolkit.Deployment.Tests;

/// <summary>A test that needs a Docker daemon: skipped, with the reason, when none answers (unless TOOLKIT_REQUIRE_DOCKER=1).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DockerFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Reason = new(Probe);

    public DockerFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("TOOLKIT_REQUIRE_DOCKER") != "1" && Reason.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        try
        {
            using var docker = DockerClientOptions.FromEnvironment().CreateClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            docker.System.PingAsync(timeout.Token).GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex) when (ex is DockerNotReachableException or ArgumentException or OperationCanceledException or DockerApiException)
        {
            return "Docker deploy tests skipped: no Docker daemon answers (" + ex.Message + "); start dockerd, or set TOOLKIT_REQUIRE_DOCKER=1 to fail instead.";
        }
    }
}
