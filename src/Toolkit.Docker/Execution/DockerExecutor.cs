using System.Collections.Concurrent;
using System.Globalization;
using Toolkit.Docker.Containers;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Docker.Execution;

/// <summary>Settings of <see cref="DockerExecutor"/>.</summary>
public sealed record DockerExecutorOptions
{
    /// <summary>The image component steps run in (entry point <c>mlops component run</c>); also used by <c>run:</c> steps without <c>image:</c>.</summary>
    public string ComponentsImage { get; init; } = "toolkit/components:latest";

    /// <summary><c>uid:gid</c> containers run as; null = the invoking user, so outputs belong to them.</summary>
    public string? User { get; init; }

    /// <summary>Extra labels on every container (e.g. to find a test's containers).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>How long removing a container may take after the step ended (also after cancellation).</summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Runs each step attempt in a fresh container: components in the components image
/// (<c>mlops component run NAME --input k=/in/k/0/file ... --output k=/out/k/file --values /out/_values.json</c>),
/// <c>run:</c> commands through <c>/bin/sh -c</c> with the same <c>TOOLKIT_*</c> variables as
/// <see cref="LocalExecutor"/> but container paths. Inputs are mounted read-only, the output folder
/// writable; there is no network unless the step asks for it; <c>resources:</c> become limits.
/// The container is removed whatever happens (failure, cancellation, timeout).
/// </summary>
public sealed class DockerExecutor : IStepExecutor
{
    /// <summary>Label on every container this executor makes.</summary>
    public const string ExecutorLabel = "io.toolkit.executor";

    public const string RunIdLabel = "io.toolkit.run-id";

    public const string StepLabel = "io.toolkit.step";

    private const string OutRoot = "/out";
    private const string InRoot = "/in";
    private const string WorkRoot = "/work";

    private const string ProjectRoot = "/project";
    private const string ValuesPath = OutRoot + "/" + StepProtocol.ValuesFileName;

    private readonly IDockerClient _docker;
    private readonly DockerExecutorOptions _options;
    private readonly ConcurrentDictionary<string, string> _imageIds = new(StringComparer.Ordinal);

    public DockerExecutor(IDockerClient docker, DockerExecutorOptions? options = null)
    {
        _docker = docker ?? throw new ArgumentNullException(nameof(docker));
        _options = options ?? new DockerExecutorOptions();
    }

    public string Name => "docker";

    /// <summary>The ID (content digest) of the step's image: a rebuilt image gives new cache keys.</summary>
    public async ValueTask<string?> CacheIdentityAsync(StepSpec step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        var image = ImageOf(step);

        // Asked once per image and kept for the executor's life (one run or plan).
        if (!_imageIds.TryGetValue(image, out var id))
        {
            id = (await _docker.Images.InspectAsync(image, cancellationToken)).Id;
            _imageIds.TryAdd(image, id);
        }

        return "docker-image:" + id;
    }

    public async Task<StepExecution> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var plan = Plan(invocation);
        var outDirectory = Path.Combine(Path.GetFullPath(invocation.WorkDirectory), "container-out");
        if (Directory.Exists(outDirectory))
        {
            Directory.Delete(outDirectory, recursive: true);
        }

        foreach (var name in invocation.Outputs.Keys)
        {
            Directory.CreateDirectory(Path.Combine(outDirectory, name));
        }

        Directory.CreateDirectory(outDirectory);
        var binds = plan.Binds
            .Append(new BindMount(Path.GetFullPath(invocation.WorkDirectory), WorkRoot, ReadOnly: false))
            .Append(new BindMount(outDirectory, OutRoot, ReadOnly: false))
            .ToList();

        // The project, read-only, as the working directory: relative paths in parameters and commands
        // (a policy file, a script) resolve as they do in-process; scratch space is TOOLKIT_WORK.
        var project = Directory.Exists(invocation.ProjectDirectory) ? Path.GetFullPath(invocation.ProjectDirectory) : null;
        if (project is not null)
        {
            binds.Add(new BindMount(project, ProjectRoot, ReadOnly: true));
        }
        foreach (var b in binds.Where(b => b.HostPath.Contains(':', StringComparison.Ordinal)))
        {
            throw new StepFailedException($"cannot mount '{b.HostPath}' into a container: the path contains ':'.");
        }

        var labels = new Dictionary<string, string>(_options.Labels, StringComparer.Ordinal)
        {
            [ExecutorLabel] = Name,
            [RunIdLabel] = invocation.RunId,
            [StepLabel] = invocation.Step.Name,
        };
        var resources = invocation.Step.Resources;
        var request = new ContainerCreateRequest
        {
            Image = plan.Image,
            Entrypoint = plan.Entrypoint,
            Command = plan.Command,
            Environment = new Dictionary<string, string>(plan.Environment, StringComparer.Ordinal) { [StepProtocol.WorkVariable] = WorkRoot },
            WorkingDirectory = project is null ? WorkRoot : ProjectRoot,
            User = _options.User ?? HostUser.Current(),
            Labels = labels,
            Binds = binds,
            NetworkMode = invocation.Step.Network ? null : "none",
            NanoCpus = resources?.Cpu is { } cpu ? (long)Math.Round(cpu * 1e9) : null,
            MemoryBytes = resources?.MemoryBytes,
        };

        string? id = null;
        try
        {
            id = await _docker.Containers.CreateAsync(request, cancellationToken);
            await _docker.Containers.StartAsync(id, cancellationToken);
            var log = TextWriter.Synchronized(invocation.Log);
            var logs = _docker.Containers.FollowLogsAsync(id, log, log, cancellationToken);
            var exitCode = await _docker.Containers.WaitAsync(id, cancellationToken);
            await logs;
            if (exitCode != 0)
            {
                var hint = exitCode == 137 && request.MemoryBytes is not null ? " (killed: over its memory limit?)" : string.Empty;
                throw new StepFailedException(
                    string.Create(CultureInfo.InvariantCulture, $"container exited with code {exitCode}{hint}"), (int)exitCode);
            }
        }
        finally
        {
            if (id is not null)
            {
                // Not the step's token: a cancelled or timed-out step must still leave no container behind.
                using var cleanup = new CancellationTokenSource(_options.CleanupTimeout);
                await _docker.Containers.RemoveAsync(id, force: true, cleanup.Token);
            }
        }

        foreach (var (name, hostPath) in invocation.Outputs)
        {
            var produced = Path.Combine(outDirectory, name, Path.GetFileName(hostPath));
            if (!File.Exists(produced))
            {
                throw new StepFailedException($"the container did not write its output '{name}' ({OutRoot}/{name}/{Path.GetFileName(hostPath)})", 0);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(hostPath))!);
            File.Move(produced, hostPath, overwrite: true);
        }

        var values = StepProtocol.ReadValues(Path.Combine(outDirectory, StepProtocol.ValuesFileName));
        Directory.Delete(outDirectory, recursive: true);
        return new StepExecution(values, 0);
    }

    private string ImageOf(StepSpec step) => step.Image ?? _options.ComponentsImage;

    /// <summary>What to run, where the files go and the environment, with host paths turned into container paths.</summary>
    internal ContainerPlan Plan(StepInvocation invocation)
    {
        var binds = new List<BindMount>();
        var inputPaths = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var rewrites = new List<(string Host, string Container)>();
        foreach (var (name, paths) in invocation.Inputs)
        {
            var list = inputPaths[name] = [];
            for (var i = 0; i < paths.Count; i++)
            {
                var host = Path.GetFullPath(paths[i]);
                var container = string.Create(CultureInfo.InvariantCulture, $"{InRoot}/{name}/{i}/{Path.GetFileName(host)}");
                binds.Add(new BindMount(host, container, ReadOnly: true));
                list.Add(container);
                rewrites.Add((paths[i], container));
            }
        }

        var outputPaths = invocation.Outputs.ToDictionary(
            o => o.Key, o => $"{OutRoot}/{o.Key}/{Path.GetFileName(o.Value)}", StringComparer.Ordinal);
        rewrites.AddRange(invocation.Outputs.Select(o => (o.Value, outputPaths[o.Key])));
        rewrites.Add((invocation.WorkDirectory, WorkRoot));

        var image = ImageOf(invocation.Step);
        var containerInputs = inputPaths.ToDictionary(i => i.Key, i => (IReadOnlyList<string>)i.Value, StringComparer.Ordinal);
        if (invocation.Component is { } component)
        {
            var args = StepProtocol.ComponentArguments(new ComponentCall
            {
                Component = component.Descriptor.Name,
                Inputs = containerInputs,
                Parameters = invocation.Parameters,
                Outputs = outputPaths,
                ValuesPath = ValuesPath,
            });
            var componentEnvironment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["HOME"] = "/tmp",
                [StepProtocol.ValuesVariable] = ValuesPath,
                [StepProtocol.RunIdVariable] = invocation.RunId,
                [StepProtocol.StepVariable] = invocation.Step.Name,
                ["DOTNET_gcServer"] = "0",
            };
            return new ContainerPlan(image, null, args, componentEnvironment, binds);
        }

        var command = invocation.Command ?? throw new StepFailedException($"step '{invocation.Step.Name}' has neither a component nor a command.");

        // The command was rendered with host paths; longest first so a folder does not eat a file under it.
        foreach (var (host, container) in rewrites.Where(r => r.Host.Length > 0).OrderByDescending(r => r.Host.Length))
        {
            command = command.Replace(host, container, StringComparison.Ordinal);
        }

        // The host's PATH and HOME mean nothing in the image: only TOOLKIT_* and what env: names cross over.
        var environment = StepProtocol.InheritedEnvironment(Environment.GetEnvironmentVariables(), invocation.Step.Env, includeBase: false);
        foreach (var (name, value) in StepProtocol.CommandEnvironment(containerInputs, outputPaths, invocation.Parameters, ValuesPath, WorkRoot, invocation.RunId, invocation.Step.Name, ':'))
        {
            environment[name] = value;
        }

        environment["HOME"] = "/tmp";
        environment["DOTNET_gcServer"] = "0";
        return new ContainerPlan(image, ["/bin/sh", "-c"], [command], environment, binds);
    }
}

/// <summary>The container side of one invocation.</summary>
internal sealed record ContainerPlan(
    string Image,
    IReadOnlyList<string>? Entrypoint,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<BindMount> Binds);
