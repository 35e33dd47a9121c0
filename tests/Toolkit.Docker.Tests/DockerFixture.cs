using System.Diagnostics;
using System.Net.Sockets;
using Toolkit.Docker.Packaging;
using Toolkit.Pipelines.Project;

namespace Toolkit.Docker.Tests;

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerFixture>
{
    public const string Name = "Docker";
}

/// <summary>
/// One client for all Docker tests, the base image (the repository's images.base: the local one is made by
/// docker/base/make-base.sh, as root only; another is pulled), the components image (published and built once,
/// on first use) and a local registry on 127.0.0.1:5000. Every container a test makes carries
/// <see cref="TestLabel"/> so leftovers can be found.
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    public const string TestLabel = "io.toolkit.test";
    public const string Registry = "127.0.0.1:5000";

    private readonly SemaphoreSlim _imageLock = new(1, 1);
    private Process? _registry;
    private string? _registryRoot;
    private ComponentsImageBuild? _components;

    public DockerFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        Client = DockerClientOptions.FromEnvironment().CreateClient();
    }

    /// <summary>The repository's toolkit.yaml images.base: what tests run shells in and the components image builds FROM.</summary>
    public static string BaseImage { get; } = ProjectSettings.Discover(FindRepositoryRoot()).BaseImage;

    public IDockerClient Client { get; }

    public string RepositoryRoot { get; }

    public async Task InitializeAsync()
    {
        if (DockerAvailability.SkipReason is not null)
        {
            return;
        }

        await EnsureBaseAsync(Client, RepositoryRoot, BaseImage, Environment.IsPrivilegedProcess);
    }

    /// <summary>
    /// The base, or one line saying how to build it. Only root makes the local base here (make-base.sh runs
    /// debootstrap, which refuses anyone else); a base that can be pulled is pulled.
    /// </summary>
    internal static async Task EnsureBaseAsync(IDockerClient client, string repositoryRoot, string image, bool isRoot)
    {
        try
        {
            await BaseImages.EnsureAsync(client, image);
        }
        catch (BaseImageMissingException) when (BaseImages.IsLocal(image) && isRoot)
        {
            var code = await new ComponentsImage(client, repositoryRoot).MakeBaseAsync(image, TextWriter.Null);
            if (code != 0)
            {
                throw new InvalidOperationException($"docker/base/make-base.sh failed with exit code {code}; {BaseImages.BuildHint}.");
            }
        }
    }

    /// <summary>The components image, published and built on first use (later builds hit the cache).</summary>
    public async Task<ComponentsImageBuild> ComponentsImageAsync()
    {
        await _imageLock.WaitAsync();
        try
        {
            if (_components is null)
            {
                var image = new ComponentsImage(Client, RepositoryRoot);
                using var log = new StringWriter();
                try
                {
                    await image.PublishAsync(log);
                }
                catch (InvalidOperationException ex)
                {
                    throw new InvalidOperationException($"{ex.Message}\n{log}", ex);
                }

                _components = await image.BuildAsync(repository: "toolkit-test/components", baseImage: BaseImage);
            }

            return _components;
        }
        finally
        {
            _imageLock.Release();
        }
    }

    /// <summary>Starts Debian's docker-registry on 127.0.0.1:5000 unless something listens there already.</summary>
    public async Task EnsureRegistryAsync()
    {
        await _imageLock.WaitAsync();
        try
        {
            if (_registry is not null || await ListensAsync(5000))
            {
                return;
            }

            _registryRoot = Directory.CreateTempSubdirectory("toolkit-registry-").FullName;
            var config = Path.Combine(_registryRoot, "config.yml");
            await File.WriteAllTextAsync(config, $"""
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: {_registryRoot}/data
                  delete:
                    enabled: true
                http:
                  addr: {Registry}
                """);
            _registry = Process.Start(new ProcessStartInfo("/usr/bin/docker-registry", ["serve", config])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("could not start docker-registry.");
            _registry.OutputDataReceived += (_, _) => { };
            _registry.ErrorDataReceived += (_, _) => { };
            _registry.BeginOutputReadLine();
            _registry.BeginErrorReadLine();
            for (var i = 0; i < 100 && !await ListensAsync(5000); i++)
            {
                await Task.Delay(100);
            }
        }
        finally
        {
            _imageLock.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            _registry.Kill(entireProcessTree: true);
            await _registry.WaitForExitAsync();
            _registry.Dispose();
        }

        if (_registryRoot is not null)
        {
            Directory.Delete(_registryRoot, recursive: true);
        }

        Client.Dispose();
        _imageLock.Dispose();
    }

    private static async Task<bool> ListensAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Toolkit.sln not found above the test folder.");
    }
}
