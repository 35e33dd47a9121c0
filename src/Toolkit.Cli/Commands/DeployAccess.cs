using Toolkit.Deployment;
using Toolkit.Deployment.Checks;
using Toolkit.Deployment.Records;
using Toolkit.Deployment.Targets;
using Toolkit.Docker;
using Toolkit.Gates;
using Toolkit.Pipelines.Project;
using Toolkit.Registry;

namespace Toolkit.Cli.Commands;

/// <summary>
/// What <c>mlops deploy</c>, <c>deployments</c> and <c>model rollback</c> work with: the project's registry, its
/// deployments store (<c>&lt;store&gt;/deployments/</c>), the targets, and the deploy service over them.
/// </summary>
internal sealed class DeployAccess : IAsyncDisposable
{
    private readonly IModelRegistry _registry;
    private readonly DeploymentStore _store;
    private IDockerClient? _docker;
    private DockerTarget? _dockerTarget;

    private DeployAccess(ProjectSettings settings, IModelRegistry registry, DeploymentStore store, IDeploymentNotifier notifier)
    {
        Settings = settings;
        _registry = registry;
        _store = store;
        Service = new DeploymentService(registry, store, Target, new ServiceChecks(registry), notifier, DeploymentsRoot(settings));
    }

    public ProjectSettings Settings { get; }

    public DeploymentService Service { get; }

    public DeploymentStore Store => _store;

    public static string DeploymentsRoot(ProjectSettings settings) => Path.Combine(settings.Store, "deployments");

    public static async Task<DeployAccess> OpenAsync(ProjectSettings settings, CancellationToken cancellationToken, IDeploymentNotifier? notifier = null)
    {
        var registry = await RegistryAccess.OpenAsync(settings, cancellationToken);
        try
        {
            var store = await DeploymentStore.OpenAsync(DeploymentsRoot(settings), cancellationToken: cancellationToken);
            return new DeployAccess(settings, registry, store, notifier ?? NoDeploymentNotifier.Instance);
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    /// <summary>docker when a daemon answers (within a few seconds), else process.</summary>
    public static async Task<DeploymentTarget> DefaultTargetAsync(string baseImage, TextWriter notes, CancellationToken cancellationToken)
    {
        try
        {
            using var docker = DockerClientOptions.FromEnvironment().CreateClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await docker.System.PingAsync(timeout.Token);
            if (!FromARegistry(baseImage))
            {
                try
                {
                    await docker.Images.InspectAsync(baseImage, timeout.Token);
                }
                catch (DockerImageNotFoundException)
                {
                    // A daemon without the local base image cannot build the service image (nothing is pulled):
                    // on such a machine a deployment is a process, as without Docker.
                    await notes.WriteLineAsync($"mlops: note: deploying as a process: the base image {baseImage} is not here ('./build.sh --target=Images.Base' makes it, or pass --target docker)");
                    return DeploymentTarget.Process;
                }
            }

            return DeploymentTarget.Docker;
        }
        catch (Exception ex) when (ex is DockerNotReachableException or DockerApiException or ArgumentException or HttpRequestException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return DeploymentTarget.Process;
        }
    }

    // mcr.microsoft.com/dotnet/aspnet:10.0 can be pulled; toolkit/base:bookworm is made on this machine or nowhere.
    private static bool FromARegistry(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && image[..slash] is var host && (host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) || host == "localhost");
    }

    /// <summary>model.yaml's <c>serving:</c> (defaults when it has none).</summary>
    public ServingPolicy Serving(string model) => ModelPolicy.Load(RegistryAccess.PolicyPath(Settings, model)).Serving ?? new ServingPolicy();

    /// <summary>
    /// The published mlops an image ships: <c>artifacts/publish/mlops</c> of the project (what the Publish target
    /// makes), else the folder of the running mlops (a published or installed mlops is itself the server).
    /// </summary>
    public string ServerFolder()
    {
        var published = Path.Combine(Settings.Root, "artifacts", "publish", "mlops");
        return File.Exists(Path.Combine(published, "mlops.dll")) ? published : Path.GetDirectoryName(typeof(DeployAccess).Assembly.Location)!;
    }

    public async ValueTask DisposeAsync()
    {
        _docker?.Dispose();
        await _store.DisposeAsync();
        await _registry.DisposeAsync();
    }

    private IServiceTarget Target(DeploymentTarget kind)
    {
        if (kind == DeploymentTarget.Process)
        {
            return new ProcessTarget(MlopsLauncher.For(typeof(DeployAccess).Assembly.Location), Settings.Root, DeploymentsRoot(Settings));
        }

        _docker ??= DockerClientOptions.FromEnvironment().CreateClient();
        return _dockerTarget ??= new DockerTarget(_docker, new ModelServiceImage(_docker, ServerFolder(), Settings.BaseImage, DeploymentsRoot(Settings)), DeploymentsRoot(Settings));
    }
}
