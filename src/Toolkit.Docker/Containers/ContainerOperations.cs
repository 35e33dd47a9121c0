using System.Buffers.Binary;
using System.Formats.Tar;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Toolkit.Docker.Http;
using Toolkit.Docker.Images;

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

internal sealed class ContainerOperations(DockerConnection connection) : IContainerOperations
{
    public async Task<string> CreateAsync(ContainerCreateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var hostConfig = new Dictionary<string, object?>
        {
            ["Binds"] = request.Binds.Select(b => b.ToString()).ToArray(),
        };
        if (request.NetworkMode is not null)
        {
            hostConfig["NetworkMode"] = request.NetworkMode;
        }

        if (request.NanoCpus is { } cpus)
        {
            hostConfig["NanoCpus"] = cpus;
        }

        if (request.MemoryBytes is { } memory)
        {
            hostConfig["Memory"] = memory;

            // Without this the container could use as much swap again.
            hostConfig["MemorySwap"] = memory;
        }

        var body = new Dictionary<string, object?>
        {
            ["Image"] = request.Image,
            ["Cmd"] = request.Command,
            ["Env"] = request.Environment.Select(e => $"{e.Key}={e.Value}").ToArray(),
            ["Labels"] = request.Labels,
            ["AttachStdout"] = true,
            ["AttachStderr"] = true,
            ["Tty"] = false,
            ["HostConfig"] = hostConfig,
        };
        if (request.Entrypoint is not null)
        {
            body["Entrypoint"] = request.Entrypoint;
        }

        if (request.WorkingDirectory is not null)
        {
            body["WorkingDir"] = request.WorkingDirectory;
        }

        if (request.User is not null)
        {
            body["User"] = request.User;
        }

        var path = request.Name is null ? "containers/create" : $"containers/create?name={Uri.EscapeDataString(request.Name)}";

        // A 404 here means the image is missing.
        using var doc = await connection.SendJsonAsync(HttpMethod.Post, path, body, DockerResource.Image, cancellationToken)
            ?? throw new DockerApiException("Docker returned no container ID.");
        return doc.RootElement.Str("Id");
    }

    public async Task StartAsync(string id, CancellationToken cancellationToken = default)
    {
        using var _ = await connection.SendJsonAsync(HttpMethod.Post, $"containers/{id}/start", null, DockerResource.Container, cancellationToken);
    }

    public async Task<long> WaitAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await connection.SendStreamingAsync(HttpMethod.Post, $"containers/{id}/wait", null, DockerResource.Container, null, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        if (doc.RootElement.TryGetProperty("Error", out var error) && error.ValueKind == JsonValueKind.Object && error.Str("Message") is { Length: > 0 } m)
        {
            throw new DockerApiException($"waiting for container {id[..Math.Min(12, id.Length)]} failed: {m}");
        }

        return doc.RootElement.Long("StatusCode");
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

    public async Task KillAsync(string id, CancellationToken cancellationToken = default)
    {
        using var _ = await connection.SendJsonAsync(HttpMethod.Post, $"containers/{id}/kill", null, DockerResource.Container, cancellationToken);
    }

    public async Task RemoveAsync(string id, bool force = true, CancellationToken cancellationToken = default)
    {
        try
        {
            using var _ = await connection.SendJsonAsync(
                HttpMethod.Delete, $"containers/{id}?v=true&force={(force ? "true" : "false")}", null, DockerResource.Container, cancellationToken);
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
        var path = "containers/json?all=true";
        if (label is not null)
        {
            var filters = JsonSerializer.Serialize(new Dictionary<string, string[]> { ["label"] = [label] });
            path += "&filters=" + Uri.EscapeDataString(filters);
        }

        using var doc = await connection.SendJsonAsync(HttpMethod.Get, path, null, DockerResource.None, cancellationToken);
        if (doc is null)
        {
            return [];
        }

        return doc.RootElement.EnumerateArray()
            .Select(c => new ContainerSummary(c.Str("Id"), c.Strings("Names"), c.Str("Image"), c.Str("State"), c.Map("Labels")))
            .ToList();
    }

    public async Task PutArchiveAsync(string id, string containerPath, Stream tar, CancellationToken cancellationToken = default)
    {
        using var content = new StreamContent(tar);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var _ = await connection.SendStreamingAsync(
            HttpMethod.Put, $"containers/{id}/archive?path={Uri.EscapeDataString(containerPath)}", content, DockerResource.Container, null, cancellationToken);
    }

    public async Task<Stream> GetArchiveAsync(string id, string containerPath, CancellationToken cancellationToken = default)
    {
        var response = await connection.SendStreamingAsync(
            HttpMethod.Get, $"containers/{id}/archive?path={Uri.EscapeDataString(containerPath)}", null, DockerResource.Container, null, cancellationToken);
        return new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken));
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

    private async Task ReadLogsAsync(string id, bool follow, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var response = await connection.SendStreamingAsync(
            HttpMethod.Get,
            $"containers/{id}/logs?stdout=true&stderr=true&follow={(follow ? "true" : "false")}",
            null,
            DockerResource.Container,
            null,
            cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await Demultiplex(stream, stdout, stderr, cancellationToken);
    }

    /// <summary>
    /// Splits the multiplexed stream of a container without a TTY: frames of an 8-byte header
    /// (stream type: 1 stdout, 2 stderr; 3 zero bytes; big-endian payload length) and the payload.
    /// </summary>
    internal static async Task Demultiplex(Stream stream, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        var decoders = new[] { Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder() };
        var buffer = new byte[16 * 1024];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (await ReadFullyAsync(stream, header, cancellationToken))
        {
            var target = header[0] == 2 ? 1 : 0;
            var writer = target == 1 ? stderr : stdout;
            var remaining = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            while (remaining > 0)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)), cancellationToken);
                if (read == 0)
                {
                    throw new EndOfStreamException("the container log stream ended inside a frame.");
                }

                remaining -= read;
                var n = decoders[target].GetChars(buffer, 0, read, chars, 0);
                await writer.WriteAsync(chars.AsMemory(0, n), cancellationToken);
            }
        }

        await stdout.FlushAsync(cancellationToken);
        await stderr.FlushAsync(cancellationToken);
    }

    private static async Task<bool> ReadFullyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                return filled == 0 ? false : throw new EndOfStreamException("the container log stream ended inside a frame header.");
            }

            filled += read;
        }

        return true;
    }

    /// <summary>A response body that disposes its response with it.</summary>
    private sealed class ResponseStream(HttpResponseMessage response, Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
