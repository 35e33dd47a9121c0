using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Toolkit.Docker.Containers;

namespace Toolkit.Docker.Tests.Containers;

[Collection(DockerCollection.Name)]
public sealed class ContainerIntegrationTests(DockerFixture fixture)
{
    [DockerFact]
    public async Task Run_BindsEnvWorkdir_WritesThroughTheMountAndSplitsTheLogStreams()
    {
        using var host = new TestFolder();
        host.File("in/input.txt", "hello from the host\n");
        Directory.CreateDirectory(Path.Combine(host.Path, "out"));

        var (exit, logs) = await RunAsync(new ContainerCreateRequest
        {
            Image = DockerFixture.BaseImage,
            Entrypoint = ["/bin/sh", "-c"],
            Command = ["cat /data/in/input.txt; echo \"$GREETING\" >&2; pwd; tr a-z A-Z < /data/in/input.txt > /data/out/upper.txt; (echo x > /data/in/denied) 2>/dev/null || echo read-only"],
            Environment = new Dictionary<string, string> { ["GREETING"] = "to stderr" },
            WorkingDirectory = "/data",
            Binds = [new BindMount(Path.Combine(host.Path, "in"), "/data/in", ReadOnly: true), new BindMount(Path.Combine(host.Path, "out"), "/data/out", ReadOnly: false)],
        });

        exit.Should().Be(0);
        logs.StandardOutput.Should().Be("hello from the host\n/data\nread-only\n");
        logs.StandardError.Should().Be("to stderr\n");
        File.ReadAllText(Path.Combine(host.Path, "out", "upper.txt")).Should().Be("HELLO FROM THE HOST\n");
        File.Exists(Path.Combine(host.Path, "in", "denied")).Should().BeFalse();
    }

    [DockerFact]
    public async Task Run_CpuAndMemoryLimits_AreSeenByTheContainerCgroup()
    {
        // cgroup v2 has cpu.max / memory.max; v1 has cfs quota and limit_in_bytes (this machine: v1).
        var (exit, logs) = await RunAsync(new ContainerCreateRequest
        {
            Image = DockerFixture.BaseImage,
            Entrypoint = ["/bin/sh", "-c"],
            Command = ["if [ -f /sys/fs/cgroup/cpu.max ]; then cut -d' ' -f1 /sys/fs/cgroup/cpu.max; cat /sys/fs/cgroup/memory.max; " +
                "else cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.limit_in_bytes; fi"],
            NanoCpus = 500_000_000,
            MemoryBytes = 64L * 1024 * 1024,
        });

        exit.Should().Be(0);

        // Half a CPU = 50 ms of every 100 ms period; 64 MiB = 67108864 bytes.
        logs.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("50000", "67108864");
    }

    [DockerFact]
    public async Task Run_NetworkModeNone_CannotReachTheHostButBridgeCan()
    {
        var hostAddress = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.Name == "docker0")
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        hostAddress.Should().NotBeNull("dockerd makes the docker0 bridge");
        using var listener = new TcpListener(hostAddress!, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var probe = $"echo hi > /dev/tcp/{hostAddress}/{port} && echo connected";

        var (isolated, isolatedLogs) = await RunAsync(new ContainerCreateRequest
        {
            Image = DockerFixture.BaseImage,
            Entrypoint = ["/bin/bash", "-c"],
            Command = [probe],
            NetworkMode = "none",
        });
        var (bridged, bridgedLogs) = await RunAsync(new ContainerCreateRequest
        {
            Image = DockerFixture.BaseImage,
            Entrypoint = ["/bin/bash", "-c"],
            Command = [probe],
        });

        isolated.Should().NotBe(0);
        isolatedLogs.StandardError.Should().Contain("Network is unreachable");
        bridged.Should().Be(0, "the same probe works with a network, so the failure above is the isolation");
        bridgedLogs.StandardOutput.Should().Be("connected\n");
    }

    [DockerFact]
    public async Task CopyToThenFrom_CreatedContainer_RoundTripsTheFile()
    {
        using var host = new TestFolder();
        var file = host.File("payload.bin", "bytes \u00e9\u00e8 " + Guid.NewGuid());
        var id = await fixture.Client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = DockerFixture.BaseImage,
            Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "copy" },
        });
        try
        {
            await fixture.Client.Containers.CopyToAsync(id, [file], "/tmp");
            await fixture.Client.Containers.CopyFromAsync(id, "/tmp/payload.bin", Path.Combine(host.Path, "back"));

            File.ReadAllText(Path.Combine(host.Path, "back", "payload.bin")).Should().Be(File.ReadAllText(file));
        }
        finally
        {
            await fixture.Client.Containers.RemoveAsync(id);
        }
    }

    [DockerFact]
    public async Task Remove_RunningContainer_ForceStopsItAndListByLabelIsEmpty()
    {
        var label = "remove-" + Guid.NewGuid().ToString("N");
        var id = await fixture.Client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = DockerFixture.BaseImage,
            Entrypoint = ["/bin/sleep", "300"],
            Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = label },
        });
        await fixture.Client.Containers.StartAsync(id);
        (await fixture.Client.Containers.ListAsync($"{DockerFixture.TestLabel}={label}")).Should().ContainSingle(c => c.Id == id && c.State == "running");

        await fixture.Client.Containers.RemoveAsync(id, force: true);

        (await fixture.Client.Containers.ListAsync($"{DockerFixture.TestLabel}={label}")).Should().BeEmpty();
        var again = () => fixture.Client.Containers.StartAsync(id);
        await again.Should().ThrowAsync<DockerContainerNotFoundException>();
    }

    private async Task<(long Exit, ContainerLogs Logs)> RunAsync(ContainerCreateRequest request)
    {
        var id = await fixture.Client.Containers.CreateAsync(request with
        {
            Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "containers" },
        });
        try
        {
            await fixture.Client.Containers.StartAsync(id);
            var exit = await fixture.Client.Containers.WaitAsync(id);
            return (exit, await fixture.Client.Containers.GetLogsAsync(id));
        }
        finally
        {
            await fixture.Client.Containers.RemoveAsync(id);
        }
    }
}
