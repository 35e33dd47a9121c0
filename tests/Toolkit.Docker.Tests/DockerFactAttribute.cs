using System.Net.Sockets;

namespace Toolkit.Docker.Tests;

/// <summary>
/// A test that needs a Docker daemon: skipped (with the reason) when none answers, unless
/// TOOLKIT_REQUIRE_DOCKER=1, where it runs and fails, so CI cannot pass by skipping.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

internal static class DockerAvailability
{
    private static readonly Lazy<string?> Reason = new(Probe);

    public static bool Required => Environment.GetEnvironmentVariable("TOOLKIT_REQUIRE_DOCKER") == "1";

    /// <summary>Why Docker tests cannot run here, or null when they can (or must).</summary>
    public static string? SkipReason => Required ? null : Reason.Value;

    private static string? Probe()
    {
        DockerClientOptions options;
        try
        {
            options = DockerClientOptions.FromEnvironment();
        }
        catch (ArgumentException ex)
        {
            return "Docker tests skipped: " + ex.Message;
        }

        try
        {
            if (options.Endpoint.Scheme == "unix")
            {
                if (!File.Exists(options.Endpoint.AbsolutePath))
                {
                    return $"Docker tests skipped: no daemon socket at {options.Endpoint.AbsolutePath} (start dockerd, or set TOOLKIT_REQUIRE_DOCKER=1 to fail instead).";
                }

                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(options.Endpoint.AbsolutePath));
            }
            else
            {
                using var client = new TcpClient();
                if (!client.ConnectAsync(options.Endpoint.Host, options.Endpoint.Port).Wait(TimeSpan.FromSeconds(2)))
                {
                    return $"Docker tests skipped: nothing answers at {options.Describe()}.";
                }
            }
        }
        catch (SocketException ex)
        {
            return $"Docker tests skipped: cannot connect to {options.Describe()} ({ex.Message}); start dockerd or set TOOLKIT_REQUIRE_DOCKER=1 to fail instead.";
        }

        return null;
    }
}
