using System.Formats.Tar;
using System.Text;
using Toolkit.Docker.Engine;
using Toolkit.Docker.Images;
using DotNet = Docker.DotNet;
using Models = Docker.DotNet.Models;

namespace Toolkit.Docker.Containers;

/// <summary>Container calls: create, start, wait, logs, remove, list, copy files in and out.</summary>
public interface IContainerOperations
{
    /// <summary>Creates a container and returns its ID.</summary>
    Task<string> CreateAsync(ContainerCreateRequest request, CancellationToken cancellationToken = default);

    Task StartAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Waits until the container stops and returns its exit code.</summary>
    Task<long> WaitAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The container's output so far, stdout and stderr separated.</summary>
    Task<ContainerLogs> GetLogsAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Streams the output (following it until the container stops) into writers, line by line as it comes.</summary>
    Task FollowLogsAsync(string id, TextWriter standardOutput, TextWriter standardError, CancellationToken cancellationToken = default);

    Task KillAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Removes a container, stopping it first when <paramref name="force"/>; a missing container is not an error.</summary>
    Task RemoveAsync(string id, bool force = true, CancellationToken cancellationToken = default);

    /// <summary>All containers (running or not) carrying a label <c>key=value</c> (or just <c>key</c>).</summary>
    Task<IReadOnlyList<ContainerSummary>> ListAsync(string? label = null, CancellationToken cancellationToken = default);

    /// <summary>Extracts a tar stream into a folder of the container (which must exist).</summary>
    Task PutArchiveAsync(string id, string containerPath, Stream tar, CancellationToken cancellationToken = default);

    /// <summary>A tar stream of a file or folder of the container; dispose it when read.</summary>
    Task<Stream> GetArchiveAsync(string id, string containerPath, CancellationToken cancellationToken = default);

    /// <summary>Copies host files into a container folder (each keeps its file name).</summary>
    Task CopyToAsync(string id, IEnumerable<string> hostFiles, string containerDirectory, CancellationToken cancellationToken = default);

    /// <summary>Copies a container file or folder into a host folder.</summary>
    Task CopyFromAsync(string id, string containerPath, string hostDirectory, CancellationToken cancellationToken = default);
}

internal sealed class ContainerOperations(DockerEngine engine) : IContainerOperations
{
    public async Task<string> CreateAsync(ContainerCreateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var hostConfig = new Models.HostConfig { Binds = request.Binds.Select(b => b.ToString()).ToList() };
        if (request.NetworkMode is not null)
        {
            hostConfig.NetworkMode = request.NetworkMode;
        }

        if (request.NanoCpus is { } cpus)
        {
            hostConfig.NanoCPUs = cpus;
        }

        if (request.MemoryBytes is { } memory)
        {
            hostConfig.Memory = memory;

            // Without this the container could use as much swap again.
            hostConfig.MemorySwap = memory;
        }

        if (request.Ports.Count > 0)
        {
            hostConfig.PortBindings = request.Ports
                .GroupBy(p => Tcp(p.ContainerPort))
                .ToDictionary(
                    g => g.Key,
                    g => (IList<Models.PortBinding>)[.. g.Select(p => new Models.PortBinding { HostIP = p.HostIp, HostPort = p.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture) })]);
        }

        var parameters = new Models.CreateContainerParameters
        {
            Name = request.Name,
            Image = request.Image,
            Cmd = [.. request.Command],
            Env = request.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = new Dictionary<string, string>(request.Labels, StringComparer.Ordinal),
            AttachStdout = true,
            AttachStderr = true,
            Tty = false,
            HostConfig = hostConfig,
        };
        if (request.Ports.Count > 0)
        {
            parameters.ExposedPorts = request.Ports.Select(p => Tcp(p.ContainerPort)).Distinct().ToDictionary(p => p, _ => new Models.EmptyStruct());
        }

        if (request.Entrypoint is not null)
        {
            parameters.Entrypoint = [.. request.Entrypoint];
        }

        if (request.WorkingDirectory is not null)
        {
            parameters.WorkingDir = request.WorkingDirectory;
        }

        if (request.User is not null)
        {
            parameters.User = request.User;
        }

        // A 404 here means the image is missing.
        var created = await engine.CallAsync((c, ct) => c.Containers.CreateContainerAsync(parameters, ct), DockerResource.Image, idempotent: false, cancellationToken);
        return created.ID;
    }

    private static string Tcp(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/tcp";

    public Task StartAsync(string id, CancellationToken cancellationToken = default) =>
        engine.CallAsync((c, ct) => c.Containers.StartContainerAsync(id, null, ct), DockerResource.Container, idempotent: false, cancellationToken);

    public async Task<long> WaitAsync(string id, CancellationToken cancellationToken = default)
    {
        // Not retried: a repeated wait on a removed container would turn an exit code into a 404.
        var answer = await engine.CallAsync((c, ct) => c.Containers.WaitContainerAsync(id, ct), DockerResource.Container, idempotent: false, cancellationToken);
        if (answer.Error?.Message is { Length: > 0 } m)
        {
            throw new DockerApiException($"waiting for container {id[..Math.Min(12, id.Length)]} failed: {m}");
        }

        return answer.StatusCode;
    }

    public async Task<ContainerLogs> GetLogsAsync(string id, CancellationToken cancellationToken = default)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        await ReadLogsAsync(id, follow: false, stdout, stderr, cancellationToken);
        return new ContainerLogs(stdout.ToString(), stderr.ToString());
    }

    public Task FollowLogsAsync(string id, TextWriter standardOutput, TextWriter standardError, CancellationToken cancellationToken = default) =>
        ReadLogsAsync(id, follow: true, standardOutput, standardError, cancellationToken);

    public Task KillAsync(string id, CancellationToken cancellationToken = default) =>
        engine.CallAsync((c, ct) => c.Containers.KillContainerAsync(id, new Models.ContainerKillParameters(), ct), DockerResource.Container, idempotent: false, cancellationToken);

    public async Task RemoveAsync(string id, bool force = true, CancellationToken cancellationToken = default)
    {
        try
        {
            await engine.CallAsync(
                (c, ct) => c.Containers.RemoveContainerAsync(id, new Models.ContainerRemoveParameters { Force = force, RemoveVolumes = true }, ct),
                DockerResource.Container,
                idempotent: true,
                cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            // Already gone: removal is what was wanted.
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict && ex.Message.Contains("already in progress", StringComparison.Ordinal))
        {
            // Another removal is under way (e.g. AutoRemove).
        }
    }

    public async Task<IReadOnlyList<ContainerSummary>> ListAsync(string? label = null, CancellationToken cancellationToken = default)
    {
        var parameters = new Models.ContainersListParameters { All = true, Filters = LabelFilter(label) };
        var list = await engine.CallAsync((c, ct) => c.Containers.ListContainersAsync(parameters, ct), DockerResource.None, idempotent: true, cancellationToken);
        return list
            .Select(c => new ContainerSummary(
                c.ID, [.. c.Names ?? []], c.Image, c.State, new Dictionary<string, string>(c.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)))
            .ToList();
    }

    public Task PutArchiveAsync(string id, string containerPath, Stream tar, CancellationToken cancellationToken = default) =>
        engine.CallAsync(
            (c, ct) => c.Containers.ExtractArchiveToContainerAsync(id, new Models.CopyToContainerParameters { Path = containerPath }, tar, ct),
            DockerResource.Container,
            idempotent: false,
            cancellationToken);

    public async Task<Stream> GetArchiveAsync(string id, string containerPath, CancellationToken cancellationToken = default)
    {
        var archive = await engine.CallAsync(
            (c, ct) => c.Containers.GetArchiveFromContainerAsync(id, new Models.ContainerPathStatParameters { Path = containerPath }, statOnly: false, ct),
            DockerResource.Container,
            idempotent: true,
            cancellationToken);

        // Docker.DotNet's stream owns the response: disposing it ends the request.
        return archive.Stream ?? throw new DockerApiException($"Docker returned no archive for {containerPath} in container {id[..Math.Min(12, id.Length)]}.");
    }

    public async Task CopyToAsync(string id, IEnumerable<string> hostFiles, string containerDirectory, CancellationToken cancellationToken = default)
    {
        using var tar = new MemoryStream();
        await BuildContext.WriteFilesAsync(hostFiles.Select(f => (f, Path.GetFileName(f))), tar, cancellationToken);
        tar.Position = 0;
        await PutArchiveAsync(id, containerDirectory, tar, cancellationToken);
    }

    public async Task CopyFromAsync(string id, string containerPath, string hostDirectory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(hostDirectory);
        await using var tar = await GetArchiveAsync(id, containerPath, cancellationToken);
        await TarFile.ExtractToDirectoryAsync(tar, hostDirectory, overwriteFiles: true, cancellationToken);
    }

    /// <summary>Docker's filter form: <c>{"label": {"key=value": true}}</c>.</summary>
    internal static IDictionary<string, IDictionary<string, bool>>? LabelFilter(string? label) =>
        label is null
            ? null
            : new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal) { ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal) { [label] = true } };

    private async Task ReadLogsAsync(string id, bool follow, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var parameters = new Models.ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = follow };
        using var stream = await engine.CallAsync(
            (c, ct) => c.Containers.GetContainerLogsAsync(id, parameters, ct), DockerResource.Container, idempotent: false, cancellationToken);
        await CopyOutputAsync(stream, stdout, stderr, cancellationToken);
    }

    /// <summary>
    /// Docker.DotNet splits the frames of stdout and stderr; each stream keeps its own UTF-8 decoder, so a character cut
    /// between two frames comes out whole.
    /// </summary>
    private static async Task CopyOutputAsync(DotNet.MultiplexedStream stream, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var writers = new LogWriters(stdout, stderr);
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF)
            {
                break;
            }

            await writers.WriteAsync(read.Target == DotNet.MultiplexedStream.TargetStream.StandardError, buffer.AsMemory(0, read.Count), cancellationToken);
        }

        await writers.FlushAsync(cancellationToken);
    }
}

/// <summary>Decodes the bytes of a container's two output streams into text writers, one decoder per stream.</summary>
internal sealed class LogWriters(TextWriter stdout, TextWriter stderr)
{
    private readonly Decoder[] _decoders = [Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder()];
    private char[] _chars = [];

    public async Task WriteAsync(bool isStandardError, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var target = isStandardError ? 1 : 0;
        var needed = Encoding.UTF8.GetMaxCharCount(bytes.Length);
        if (_chars.Length < needed)
        {
            _chars = new char[needed];
        }

        var n = _decoders[target].GetChars(bytes.Span, _chars, flush: false);
        await (isStandardError ? stderr : stdout).WriteAsync(_chars.AsMemory(0, n), cancellationToken);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await stdout.FlushAsync(cancellationToken);
        await stderr.FlushAsync(cancellationToken);
    }
}
