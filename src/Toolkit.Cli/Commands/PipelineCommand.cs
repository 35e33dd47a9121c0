using System.CommandLine;
using System.Globalization;
using System.Text;
using Toolkit.Argo;
using Toolkit.Argo.Submit;
using Toolkit.Docker;
using Toolkit.Docker.Execution;
using Toolkit.Docker.Packaging;
using Toolkit.Ml.Models;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Planning;
using Toolkit.Pipelines.Project;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;
using Toolkit.Registry;
using Toolkit.Registry.Mlflow;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops pipeline</c>: validate, plan, draw and run pipelines.</summary>
internal static class PipelineCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("pipeline", "Validate, plan, draw and run pipelines (pipelines/*.yaml).");
        command.Subcommands.Add(CreateValidate(context));
        command.Subcommands.Add(CreatePlan(context));
        command.Subcommands.Add(CreateGraph(context));
        command.Subcommands.Add(CreateRun(context));
        command.Subcommands.Add(CreateCompile(context));
        command.Subcommands.Add(CreateSubmit(context));
        return command;
    }

    private static Argument<string> FileArgument() => new("file") { Description = "The pipeline file (YAML)." };

    private static Option<string?> ExecutorOption(string verb)
    {
        var executor = new Option<string?>("--executor")
        {
            Description = $"Where steps {verb}: local (in-process; run: steps as processes) or docker (each step in a container). Default: toolkit.yaml, else local.",
        };
        executor.AcceptOnlyFromAmong("local", "docker");
        return executor;
    }

    private static Option<string> ImageOption() => new("--image")
    {
        Description = "The components image for --executor docker (see 'mlops image build').",
        DefaultValueFactory = _ => "toolkit/components:latest",
    };

    /// <summary>
    /// The executor a run (or a plan: the executor is part of every cache key) uses, from --executor,
    /// else toolkit.yaml; the Docker client, when one is needed, is the second item, for the caller to dispose.
    /// With Docker, steps run in <paramref name="image"/> plus the project's team builds (derived once per
    /// image and builds when it lacks them), so a new team project needs no manual <c>mlops image build</c>.
    /// </summary>
    private static async Task<(IStepExecutor Executor, IDisposable? Owner)> OpenExecutorAsync(
        string? executor, string image, ProjectSettings settings, CliContext context, CancellationToken cancellationToken)
    {
        if ((executor ?? settings.Executor) != "docker")
        {
            return (new LocalExecutor(), null);
        }

        var docker = DockerClientOptions.FromEnvironment().CreateClient();
        try
        {
            await docker.System.PingAsync(cancellationToken); // no daemon: say so before any step starts
            var team = await ComponentAccess.TeamProjectsAsync(settings, context, cancellationToken);
            var steps = await new TeamImage(docker).EnsureAsync(image, [.. team.Select(p => p.OutputDirectory)], context.Error, cancellationToken);
            return (new DockerExecutor(docker, new DockerExecutorOptions { ComponentsImage = steps.Image }), docker);
        }
        catch
        {
            docker.Dispose();
            throw;
        }
    }

    private static Option<string[]> ParamOption() => new("--param")
    {
        Description = "Override a pipeline parameter: key=value (repeatable).",
        AllowMultipleArgumentsPerToken = false,
    };

    private const int MaxListedProblems = 20;

    /// <summary>Loads and validates; on problems writes every one as file:line:column: message and throws (exit 2).</summary>
    internal static async Task<PipelineSpec> LoadValidAsync(string path, CliContext context, IReadOnlyDictionary<string, string>? overrides, CancellationToken cancellationToken)
    {
        // Read from the command's working folder; named as given, so messages show what the user typed.
        var full = context.PathOf(path);
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(full))
        {
            throw new FileNotFoundException(Directory.Exists(full)
                ? $"Pipeline file '{path}' is a directory; give a pipeline file (pipelines/NAME.yaml)."
                : $"Pipeline file '{path}' does not exist.", path);
        }

        var loaded = PipelineLoader.LoadFile(full, path);
        var problems = loaded.Diagnostics.ToList();
        if (loaded.Spec is not null)
        {
            if (overrides is { Count: > 0 })
            {
                _ = PipelineRunner.ResolveParams(loaded.Spec, overrides); // unknown names and wrong types, in the words --param uses
            }

            // Team components too: their declared parameters are checked with positions like the built-ins'.
            var catalog = await ComponentAccess.CatalogAsync(ProjectContext.Settings(context), context, cancellationToken);
            problems.AddRange(PipelineValidator.Validate(loaded.Spec, catalog, overrides ?? new Dictionary<string, string>()));
        }

        if (problems.Count == 0)
        {
            return loaded.Spec!;
        }

        // Every problem up to a bound: a generated or damaged file can hold thousands, and a screenful says enough.
        foreach (var p in problems.OrderBy(p => p.Position.Line).ThenBy(p => p.Position.Column).Take(MaxListedProblems))
        {
            context.Error.WriteLine(p.ToString());
        }

        if (problems.Count > MaxListedProblems)
        {
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: ... and {problems.Count - MaxListedProblems} more"));
        }

        throw new UsageException($"{path}: {problems.Count} problem(s) found; the pipeline was not run.");
    }

    private static Command CreateValidate(CliContext context)
    {
        var file = FileArgument();
        var command = new Command("validate", "Checks a pipeline file: fields, components, parameters, references, cycles. Lists every problem.") { file };
        command.SetAction(async (parse, ct) =>
        {
            var spec = await LoadValidAsync(parse.GetValue(file)!, context, null, ct);
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{spec.File}: pipeline '{spec.Name}' is valid ({spec.Steps.Count} steps, {spec.Params.Count} params)"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateGraph(CliContext context)
    {
        var file = FileArgument();
        var format = new Option<string>("--format") { Description = "mermaid or dot.", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var command = new Command("graph", "Prints the pipeline's DAG as a Mermaid flowchart or a Graphviz dot graph.") { file, format };
        command.SetAction(async (parse, ct) =>
        {
            var spec = await LoadValidAsync(parse.GetValue(file)!, context, null, ct);
            var graph = PipelineGraph.Build(spec);
            await context.Output.WriteAsync(parse.GetValue(format) == "dot" ? graph.ToDot(spec) : graph.ToMermaid(spec));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreatePlan(CliContext context)
    {
        var file = FileArgument();
        var param = ParamOption();
        var noCache = new Option<bool>("--no-cache") { Description = "Plan as if nothing were cached." };
        var executor = ExecutorOption("would run");
        var image = ImageOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("plan", "Shows what a run would do now: which steps are cached and which would run.") { file, param, noCache, executor, image, json };
        command.SetAction(async (parse, ct) =>
        {
            var overrides = CommandLineValues.ParseKeyValues(parse.GetValue(param), "--param");
            var spec = await LoadValidAsync(parse.GetValue(file)!, context, overrides, ct);
            var settings = ProjectContext.Settings(context);
            await using var workspace = await ProjectContext.OpenWorkspaceAsync(settings, ct);
            var (stepExecutor, owner) = await OpenExecutorAsync(parse.GetValue(executor), parse.GetValue(image)!, settings, context, ct);
            using var dockerClient = owner;
            var runner = new PipelineRunner(workspace, await ComponentAccess.CatalogAsync(settings, context, ct), stepExecutor);
            var plan = await runner.PlanAsync(spec, new RunOptions
            {
                Params = overrides,
                NoCache = parse.GetValue(noCache),
                ProjectDirectory = settings.Root,
            }, ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    pipeline = spec.Name,
                    steps = plan.Select(p => new { name = p.Name, component = p.Component, action = ActionName(p.Action), cache_key = p.CacheKey, reason = p.Reason }),
                }, ct);
                return ExitCodes.Ok;
            }

            await context.Output.WriteLineAsync($"plan for '{spec.Name}':");
            foreach (var p in plan)
            {
                await context.Output.WriteLineAsync($"  {p.Name,-20} {p.Component,-30} {ActionName(p.Action),-8} {p.Reason}".TrimEnd());
            }

            var cached = plan.Count(p => p.Action == PlannedAction.Cached);
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{cached} of {plan.Count} steps cached; {plan.Count(p => p.Action is PlannedAction.Run or PlannedAction.RunAfterUpstream)} would run"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string ActionName(PlannedAction action) => action switch
    {
        PlannedAction.Cached => "cached",
        PlannedAction.Run => "run",
        PlannedAction.RunAfterUpstream => "run",
        _ => "skip",
    };

    private static Command CreateRun(CliContext context)
    {
        var file = FileArgument();
        var param = ParamOption();
        var noCache = new Option<bool>("--no-cache") { Description = "Run every step even when its outputs are cached." };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "At most this many steps at once (default: toolkit.yaml, else the number of cores)." }.Within(1, 1024);
        var executor = ExecutorOption("run");
        var image = ImageOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: run_id, status and per step its status, cached, duration and outputs with digests." };
        var command = new Command("run", "Runs a pipeline: parallel steps, cache, retries, timeouts; records runs, artifacts and lineage.")
        {
            file, param, noCache, maxParallel, executor, image, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var overrides = CommandLineValues.ParseKeyValues(parse.GetValue(param), "--param");
            var spec = await LoadValidAsync(parse.GetValue(file)!, context, overrides, ct);
            var settings = ProjectContext.Settings(context);
            var (commit, branch) = ProjectContext.Git(settings.Root);
            var options = new RunOptions
            {
                Params = overrides,
                NoCache = parse.GetValue(noCache),
                MaxParallel = parse.GetValue(maxParallel) ?? settings.MaxParallel,
                GitCommit = commit,
                GitBranch = branch,
                ProjectDirectory = settings.Root,
            };
            if (options.MaxParallel < 1)
            {
                throw new UsageException("--max-parallel must be at least 1.");
            }

            _ = PipelineRunner.ResolveParams(spec, options.Params); // bad --param: exit 2 before anything is recorded
            await using var workspace = await ProjectContext.OpenWorkspaceAsync(settings, ct);
            var (stepExecutor, owner) = await OpenExecutorAsync(parse.GetValue(executor), parse.GetValue(image)!, settings, context, ct);
            using var dockerClient = owner;
            var runner = new PipelineRunner(workspace, await ComponentAccess.CatalogAsync(settings, context, ct), stepExecutor);
            var result = await RunProgress.ShowAsync(context, [.. spec.Steps.Select(s => s.Name)],
                events => runner.RunAsync(spec, options with { Events = events }, ct));
            await TrackAsync(context, settings, spec, options, result);

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, ToJson(result, workspace), CancellationToken.None);
            }
            else
            {
                await WriteSummaryAsync(context.Output, result);
            }

            return result.Status == RunStatus.Succeeded
                ? ExitCodes.Ok
                : throw new CommandFailedException($"run {result.RunId} of '{result.Pipeline}' {result.Status.ToString().ToLowerInvariant()}: {result.Error ?? "a step failed"}");
        });
        return command;
    }

    private static Command CreateCompile(CliContext context)
    {
        var file = FileArgument();
        var target = new Option<string>("--target") { Description = "What to compile for: argo (an Argo Workflows resource).", Required = true };
        target.AcceptOnlyFromAmong("argo");
        var image = new Option<string?>("--image") { Description = "The components image, pinned: REGISTRY/toolkit/components@sha256:DIGEST (default: argo.image in toolkit.yaml)." };
        var allowTag = new Option<bool>("--allow-tag") { Description = "Accept an image tag without a digest (the tag may move)." };
        var kind = new Option<string>("--kind") { Description = "Workflow or WorkflowTemplate.", DefaultValueFactory = _ => ArgoCompiler.WorkflowKind };
        kind.AcceptOnlyFromAmong(ArgoCompiler.WorkflowKind, ArgoCompiler.TemplateKind);
        var ns = new Option<string?>("--namespace") { Description = "metadata.namespace (default: argo.namespace in toolkit.yaml, else none)." };
        var param = ParamOption();
        var output = new Option<string?>("--output", "-o") { Description = "Write the YAML to this file instead of standard output." };
        var command = new Command("compile", "Compiles a pipeline to an Argo Workflows resource (YAML): a DAG task and a container template per step.")
        {
            file, target, image, allowTag, kind, ns, param, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var spec = await LoadValidAsync(parse.GetValue(file)!, context, null, ct);
            var settings = ProjectContext.Settings(context);
            var workflow = await CompileArgoAsync(context, spec, settings, new ArgoCompileOptions
            {
                Image = parse.GetValue(image),
                AllowTag = parse.GetValue(allowTag),
                Kind = parse.GetValue(kind)!,
                Namespace = parse.GetValue(ns),
                Params = CommandLineValues.ParseKeyValues(parse.GetValue(param), "--param"),
                GitCommit = ProjectContext.Git(settings.Root).Commit,
                ToolkitVersion = ModelTrainer.ToolkitVersion,
                ProjectDirectory = settings.Root,
            }, ct);
            if (parse.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(context.PathOf(path), workflow.Yaml, ct);
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{spec.File}: {workflow.Kind} '{workflow.Name}' ({workflow.Tasks} tasks, image {workflow.Image}) written to {path}"));
            }
            else
            {
                await context.Output.WriteAsync(workflow.Yaml);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateSubmit(CliContext context)
    {
        var file = FileArgument();
        var to = new Option<string>("--to") { Description = "Where to submit: argo (Argo Workflows on the kubeconfig's cluster).", Required = true };
        to.AcceptOnlyFromAmong("argo");
        var image = new Option<string?>("--image") { Description = "The components image, pinned: REGISTRY/toolkit/components@sha256:DIGEST (default: argo.image in toolkit.yaml)." };
        var allowTag = new Option<bool>("--allow-tag") { Description = "Accept an image tag without a digest (the tag may move)." };
        var ns = new Option<string?>("--namespace") { Description = "The namespace (default: argo.namespace in toolkit.yaml, else the kubeconfig context's, else default)." };
        var param = ParamOption();
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "The kubeconfig file (default: KUBECONFIG, ~/.kube/config, or the pod's service account in a cluster)." };
        var watch = new Option<bool>("--watch") { Description = "Follow each step's phase until the workflow ends; exit with its result." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the workflow's YAML; submit nothing." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: run_id, workflow, uid, namespace, phase and per step its phase." };
        var command = new Command("submit", "Compiles a pipeline for Argo and creates the Workflow through the Kubernetes API; records the run.")
        {
            file, to, image, allowTag, ns, param, kubeconfig, watch, dryRun, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var spec = await LoadValidAsync(parse.GetValue(file)!, context, null, ct);
            var settings = ProjectContext.Settings(context);
            var (commit, branch) = ProjectContext.Git(settings.Root);
            var overrides = CommandLineValues.ParseKeyValues(parse.GetValue(param), "--param");
            var workflow = await CompileArgoAsync(context, spec, settings, new ArgoCompileOptions
            {
                Image = parse.GetValue(image),
                AllowTag = parse.GetValue(allowTag),
                Params = overrides,
                GitCommit = commit,
                ToolkitVersion = ModelTrainer.ToolkitVersion,
                ProjectDirectory = settings.Root,
            }, ct);
            if (parse.GetValue(dryRun))
            {
                await context.Output.WriteAsync(workflow.Yaml);
                return ExitCodes.Ok;
            }

            var config = ArgoCluster.Configuration(parse.GetValue(kubeconfig) is { } k ? context.PathOf(k) : null);
            var namespaceName = parse.GetValue(ns) ?? settings.Argo.Namespace ?? config.Namespace ?? "default";
            using var client = new k8s.Kubernetes(config);
            var submitter = new ArgoSubmitter(client);
            SubmittedWorkflow submitted;
            try
            {
                submitted = await submitter.CreateAsync(workflow.Json, namespaceName, ct);
            }
            catch (ArgoSubmitException ex)
            {
                throw ex.IsBadInput ? new UsageException(ex.Message, ex) : new CommandFailedException(ex.Message);
            }

            await using var workspace = await ProjectContext.OpenWorkspaceAsync(settings, ct);
            var parameters = PipelineRunner.ResolveParams(spec, overrides);
            var run = await workspace.Metadata.CreateRunAsync(new Toolkit.Pipelines.Storage.NewRun
            {
                Pipeline = spec.Name,
                PipelineDigest = spec.Digest,
                ParamsJson = ArgoCluster.RunParams(parameters, submitted),
                GitCommit = commit,
                GitBranch = branch,
            }, ct);
            var components = spec.Steps.ToDictionary(s => s.Name, s => s.Uses ?? "run", StringComparer.Ordinal);
            if (!parse.GetValue(json))
            {
                await context.Error.WriteLineAsync($"submitted {submitted.Namespace}/{submitted.Name} (uid {submitted.Uid}) as run {run.RunId}");
            }

            if (!parse.GetValue(watch))
            {
                if (parse.GetValue(json))
                {
                    await JsonOutput.WriteAsync(context.Output, ArgoCluster.ToJson(run.RunId, submitted, null), CancellationToken.None);
                }

                return ExitCodes.Ok;
            }

            WorkflowResult result;
            try
            {
                result = await submitter.WatchAsync(submitted, task =>
                {
                    if (!parse.GetValue(json))
                    {
                        context.Output.WriteLine($"{task.Task,-20} {task.Phase}{(task.Message is { Length: > 0 } m ? "  " + m : "")}");
                    }
                }, ct);
            }
            catch (ArgoSubmitException ex)
            {
                await workspace.Metadata.UpdateRunStatusAsync(run.RunId, RunStatus.Failed, ex.Message, CancellationToken.None);
                throw new CommandFailedException(ex.Message);
            }

            foreach (var task in result.Tasks.Values.Where(t => components.ContainsKey(t.Task)))
            {
                await workspace.Metadata.UpsertStepAsync(new StepRecord
                {
                    RunId = run.RunId,
                    Step = task.Task,
                    Component = components[task.Task],
                    Status = ArgoCluster.StepStatusOf(task.Phase),
                    StartedAt = task.StartedAt,
                    FinishedAt = task.FinishedAt,
                    Attempts = 1,
                    Error = task.Phase is "Failed" or "Error" ? task.Message : null,
                }, CancellationToken.None);
            }

            await workspace.Metadata.UpdateRunStatusAsync(
                run.RunId, result.Succeeded ? RunStatus.Succeeded : RunStatus.Failed, result.Succeeded ? null : result.Message ?? result.Phase, CancellationToken.None);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, ArgoCluster.ToJson(run.RunId, submitted, result), CancellationToken.None);
            }

            return result.Succeeded
                ? ExitCodes.Ok
                : throw new CommandFailedException($"workflow {submitted.Namespace}/{submitted.Name} {result.Phase.ToLowerInvariant()}: {result.Message ?? "a step failed"}");
        });
        return command;
    }

    /// <summary>Compiles for Argo; a pipeline Argo cannot express is bad input (exit 2) with the compiler's file:line message.</summary>
    internal static async Task<ArgoWorkflow> CompileArgoAsync(
        CliContext context, PipelineSpec spec, ProjectSettings settings, ArgoCompileOptions options, CancellationToken cancellationToken)
    {
        ArgoWorkflow workflow;
        try
        {
            workflow = await new ArgoCompiler(await ComponentAccess.CatalogAsync(settings, context, cancellationToken), settings.Argo).CompileAsync(spec, options, cancellationToken);
        }
        catch (ArgoCompileException ex)
        {
            throw new UsageException(ex.Message, ex);
        }

        await CheckArgoImageAsync(context, settings, workflow.Image, cancellationToken);
        return workflow;
    }

    /// <summary>
    /// Argo runs the pinned image as given (nothing is built for it), but one that is here and lacks the project's
    /// current team builds would fail on the cluster with an unknown component: refuse it now, naming them.
    /// </summary>
    private static async Task CheckArgoImageAsync(CliContext context, ProjectSettings settings, string image, CancellationToken cancellationToken)
    {
        var team = await ComponentAccess.TeamProjectsAsync(settings, context, cancellationToken);
        if (team.Count == 0)
        {
            return;
        }

        IDockerClient docker;
        try
        {
            docker = DockerClientOptions.FromEnvironment().CreateClient();
        }
        catch (ArgumentException)
        {
            return; // a DOCKER_HOST this cannot use: nothing to check against
        }

        using (docker)
        {
            var missing = await new TeamImage(docker).MissingAsync(image, [.. team.Select(p => p.OutputDirectory)], cancellationToken);
            if (missing is { Count: > 0 })
            {
                throw new UsageException(
                    $"image '{image}' does not carry the project's team builds {string.Join(", ", missing)} (its {TeamImage.Label} label): " +
                    "run 'mlops image build --push REGISTRY' and pass the new image's digest.");
            }
        }
    }

    /// <summary>Records the run's parameters and metrics in the tracking backend; a tracking failure is a warning, not a failed run.</summary>
    private static async Task TrackAsync(CliContext context, ProjectSettings settings, PipelineSpec spec, RunOptions options, RunResult result)
    {
        try
        {
            var (tracker, owner) = await RegistryAccess.OpenTrackerAsync(settings, CancellationToken.None);
            await using (owner)
            {
                await tracker.TrackAsync(new TrackedRun
                {
                    RunId = result.RunId,
                    Pipeline = spec.Name,
                    Status = result.Status.ToString().ToLowerInvariant(),
                    StartedAt = DateTimeOffset.UtcNow - result.Duration,
                    FinishedAt = DateTimeOffset.UtcNow,
                    Parameters = result.Parameters,
                    Metrics = result.Steps.SelectMany(s => s.Values.Where(v => double.IsFinite(v.Value)).Select(v => (Key: $"{s.Name}.{v.Key}", v.Value)))
                        .ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
                    Tags = new Dictionary<string, string>
                    {
                        ["toolkit.pipeline_digest"] = spec.Digest,
                        ["toolkit.git_commit"] = options.GitCommit ?? "",
                        ["toolkit.git_branch"] = options.GitBranch ?? "",
                    },
                }, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or MlflowApiException or RegistryException)
        {
            await context.Error.WriteLineAsync($"mlops: warning: the run was not tracked: {ex.Message}");
        }
    }

    internal static object ToJson(RunResult result, Workspace workspace) => new
    {
        run_id = result.RunId,
        pipeline = result.Pipeline,
        status = result.Status.ToString().ToLowerInvariant(),
        duration_seconds = Math.Round(result.Duration.TotalSeconds, 3),
        run_dir = result.RunDirectory,
        error = result.Error,
        steps = result.Steps.Select(s => new
        {
            name = s.Name,
            status = s.Status.ToString().ToLowerInvariant(),
            cached = s.Cached,
            duration_seconds = Math.Round(s.Duration.TotalSeconds, 3),
            attempts = s.Attempts,
            outputs = s.Outputs.ToDictionary(o => o.Key, o => new { digest = o.Value, path = workspace.Artifacts.Contains(o.Value) ? workspace.Artifacts.PathOf(o.Value) : null }),
            values = s.Values.ToDictionary(v => v.Key, v => JsonOutput.Finite(v.Value)),
            labels = s.Labels,
            error = s.Error,
            log = s.LogPath,
        }),
    };

    private static async Task WriteSummaryAsync(TextWriter output, RunResult result)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"run {result.RunId} of '{result.Pipeline}': {result.Status.ToString().ToLowerInvariant()} in {result.Duration.TotalSeconds:0.00} s");
        foreach (var s in result.Steps)
        {
            var values = string.Join(", ", s.Labels.Select(l => $"{l.Key}={l.Value}").Where(l => !l.StartsWith("model_digest", StringComparison.Ordinal))
                .Concat(s.Values.OrderBy(v => v.Key, StringComparer.Ordinal).Take(5).Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Key}={v.Value:0.####}"))));
            var line = string.Create(CultureInfo.InvariantCulture,
                $"  {s.Name,-20} {s.Status.ToString().ToLowerInvariant(),-10} {s.Duration.TotalSeconds,7:0.00}s  {values}{(s.Error is null ? "" : "  " + s.Error)}");
            sb.AppendLine(line.TrimEnd());
        }

        var cached = result.Steps.Count(s => s.Cached);
        sb.AppendLine(CultureInfo.InvariantCulture, $"{result.Steps.Count} steps, {cached} cached; logs in {result.RunDirectory}");
        if (result.Error is not null)
        {
            sb.AppendLine(result.Error);
        }

        await output.WriteAsync(sb.ToString());
    }
}
