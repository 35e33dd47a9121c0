using System.CommandLine;
using System.Globalization;
using Toolkit.Components.Team;
using Toolkit.Docker;
using Toolkit.Docker.Images;
using Toolkit.Docker.Packaging;
using Toolkit.Pipelines.Project;

namespace Toolkit.Cli.Commands;

/// <summary>
/// <c>mlops image</c>: the container images steps run in. <c>base</c> makes the offline base image
/// (Debian minbase + the .NET runtime), <c>build</c> publishes mlops and builds the components image
/// (tagged from its content, so an unchanged tree reuses the cache) FROM toolkit.yaml's <c>images.base</c>,
/// <c>push</c> sends it to a registry.
/// Registry credentials come from TOOLKIT_REGISTRY_USER / TOOLKIT_REGISTRY_PASSWORD when set.
/// </summary>
internal static class ImageCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("image", "Build and push the container images pipeline steps run in (needs Docker).");
        command.Subcommands.Add(CreateBase(context));
        command.Subcommands.Add(CreateBuild(context));
        command.Subcommands.Add(CreatePush(context));
        return command;
    }

    private static Option<string?> RootOption() => new("--root") { Description = "The repository root (default: found above the current folder)." };

    private static Option<string> RepositoryOption() =>
        new("--repository") { Description = "The image repository name.", DefaultValueFactory = _ => ComponentsImage.DefaultRepository };

    private static Command CreateBase(CliContext context)
    {
        var root = RootOption();
        var tag = new Option<string>("--tag") { Description = "The base image tag.", DefaultValueFactory = _ => ComponentsImage.DefaultBaseImage };
        var command = new Command("base", "Makes the base image offline: debootstrap (or artifacts/base/bookworm-rootfs.tar) + the .NET runtime, via docker import.") { root, tag };
        command.SetAction(async (parse, ct) =>
        {
            using var docker = DockerClientOptions.FromEnvironment().CreateClient();
            await docker.System.PingAsync(ct);
            var code = await new ComponentsImage(docker, FindRoot(parse.GetValue(root))).MakeBaseAsync(parse.GetValue(tag)!, context.Error, ct);
            return code == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static Command CreateBuild(CliContext context)
    {
        var root = RootOption();
        var repository = RepositoryOption();
        var baseImage = new Option<string?>("--base")
        {
            Description = $"The base image (build arg BASE_IMAGE). Default: toolkit.yaml's images.base, else {BaseImages.Local} (made locally); {BaseImages.Official} where images can be pulled.",
        };
        var noPublish = new Option<bool>("--no-publish") { Description = "Use the app already in artifacts/publish/mlops." };
        var push = new Option<string?>("--push") { Description = "Also push to this registry (host:port)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("build", "Publishes mlops and builds the components image (entry point: mlops component run).")
        {
            root, repository, baseImage, noPublish, push, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var repositoryRoot = FindRoot(parse.GetValue(root));
            var from = BaseOf(parse.GetValue(baseImage), repositoryRoot);
            using var docker = DockerClientOptions.FromEnvironment().CreateClient();
            await docker.System.PingAsync(ct);
            var image = new ComponentsImage(docker, repositoryRoot);
            if (!parse.GetValue(noPublish))
            {
                await context.Error.WriteLineAsync("publishing mlops ...");
                await image.PublishAsync(context.Error, ct);
            }

            // The repository's team projects go in too, so their components run in containers as in-process.
            var team = await TeamProjects.LoadAsync(
                ProjectSettings.Discover(repositoryRoot), context.Error, ct);
            image.IncludeTeamProjects(team.Select(p => p.OutputDirectory));

            var build = await image.BuildAsync(
                parse.GetValue(repository)!,
                from,
                new LineProgress(context.Error),
                ct);
            IReadOnlyList<string> pushed = [];
            if (parse.GetValue(push) is { } registry)
            {
                pushed = await image.PushAsync(build, registry, Credentials(registry), null, ct);
            }

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    image_id = build.ImageId,
                    tags = build.Tags,
                    steps = build.Steps,
                    cached_steps = build.CachedSteps,
                    pushed,
                    base_image = from,
                }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"built {build.Tags[0]} ({build.ImageId}), {build.CachedSteps}/{build.Steps} steps from cache"));
                foreach (var name in pushed)
                {
                    await context.Output.WriteLineAsync("pushed " + name);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreatePush(CliContext context)
    {
        var registry = new Argument<string>("registry") { Description = "The registry, host:port (e.g. 127.0.0.1:5000)." };
        var repository = RepositoryOption();
        var root = RootOption();
        var command = new Command("push", "Pushes the last built components image (its content tag and latest).") { registry, repository, root };
        command.SetAction(async (parse, ct) =>
        {
            using var docker = DockerClientOptions.FromEnvironment().CreateClient();
            var name = parse.GetValue(repository)!;
            var inspection = await docker.Images.InspectAsync($"{name}:latest", ct);

            // The content tag is the other name of the image 'latest' points at.
            var contentTag = inspection.RepoTags
                .Where(t => t.StartsWith(name + ":", StringComparison.Ordinal) && !t.EndsWith(":latest", StringComparison.Ordinal))
                .Select(t => t[(name.Length + 1)..])
                .Order(StringComparer.Ordinal)
                .LastOrDefault()
                ?? throw new UsageException($"{name}:latest has no content tag; run 'mlops image build' first.");
            var target = parse.GetValue(registry)!;
            var build = new ComponentsImageBuild(inspection.Id, name, contentTag, [$"{name}:{contentTag}", $"{name}:latest"], 0, 0);
            var pushed = await new ComponentsImage(docker, FindRoot(parse.GetValue(root))).PushAsync(build, target, Credentials(target), null, ct);
            foreach (var n in pushed)
            {
                await context.Output.WriteLineAsync("pushed " + n);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>--base, else the project's images.base (toolkit.yaml at or above the repository root), else the local base.</summary>
    private static string BaseOf(string? given, string repositoryRoot)
    {
        if (given is null)
        {
            return ProjectSettings.Discover(repositoryRoot).BaseImage;
        }

        return ProjectSettings.IsImageReference(given.Trim())
            ? given.Trim()
            : throw new UsageException($"--base '{given}' is not an image reference (e.g. {BaseImages.Local} or {BaseImages.Official}).");
    }

    private static RegistryCredentials? Credentials(string registry)
    {
        var user = Environment.GetEnvironmentVariable("TOOLKIT_REGISTRY_USER");
        var password = Environment.GetEnvironmentVariable("TOOLKIT_REGISTRY_PASSWORD");
        return string.IsNullOrEmpty(user) ? null : new RegistryCredentials(user, password ?? string.Empty, registry);
    }

    private static string FindRoot(string? given)
    {
        if (given is not null)
        {
            return Path.GetFullPath(given);
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, ComponentsImage.Dockerfile)))
            {
                return dir.FullName;
            }
        }

        throw new UsageException($"no {ComponentsImage.Dockerfile} above {Environment.CurrentDirectory}; run from the repository or pass --root.");
    }

    /// <summary>Writes each build line at once, in order (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class LineProgress(TextWriter writer) : IProgress<BuildProgress>
    {
        public void Report(BuildProgress value) => writer.WriteLine(value.Message);
    }
}
