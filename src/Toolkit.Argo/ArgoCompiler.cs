using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Planning;
using Toolkit.Pipelines.Project;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Argo;

/// <summary>What to compile for: the image, the resource kind, the namespace, parameter overrides and what labels say.</summary>
public sealed record ArgoCompileOptions
{
    /// <summary>The components image; null: <c>argo.image</c> of toolkit.yaml.</summary>
    public string? Image { get; init; }

    /// <summary>Accept an image tag without a digest (a tag can move: the cluster may run other code than was tested).</summary>
    public bool AllowTag { get; init; }

    /// <summary><c>Workflow</c> or <c>WorkflowTemplate</c>.</summary>
    public string Kind { get; init; } = ArgoCompiler.WorkflowKind;

    /// <summary>null: <c>argo.namespace</c> of toolkit.yaml, else none (the namespace of the submitter).</summary>
    public string? Namespace { get; init; }

    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    public string? GitCommit { get; init; }

    public required string ToolkitVersion { get; init; }

    /// <summary>Where relative paths in parameters (a policy file) are found; their files travel inside the workflow.</summary>
    public required string ProjectDirectory { get; init; }
}

/// <summary>A compiled workflow: its YAML and the facts a caller reports.</summary>
public sealed record ArgoWorkflow(string Yaml, string Kind, string Name, string Image, int Tasks)
{
    /// <summary>The resource as JSON, for the Kubernetes API.</summary>
    public System.Text.Json.Nodes.JsonObject Json { get; init; } = [];
}

/// <summary>
/// Compiles a pipeline into one <c>argoproj.io/v1alpha1</c> Workflow (or WorkflowTemplate): an entrypoint
/// DAG with a task per step, one container template per step running the same <c>mlops component run</c>
/// command as the Docker executor, artifacts passed task to task through the cluster's artifact
/// repository, params as workflow parameters, and retries, timeouts, resources and memoization from the
/// pipeline. Same pipeline and options, same bytes.
/// </summary>
public sealed partial class ArgoCompiler(IComponentCatalog catalog, ArgoSettings settings)
{
    public const string WorkflowKind = "Workflow";
    public const string TemplateKind = "WorkflowTemplate";

    /// <summary>The components image's entry point (docker/components/Dockerfile): the container's command on Argo too.</summary>
    internal static readonly IReadOnlyList<string> ComponentEntrypoint = ["dotnet", "/app/mlops.dll", "component", "run"];

    /// <summary>The output parameter carrying a step's values file (metrics and labels), read by <c>when:</c> downstream.</summary>
    internal const string ValuesParameter = "values";

    internal const string OutRoot = "/out";
    internal const string InRoot = "/in";
    internal const string WorkRoot = "/work";
    internal const string ProjectRoot = "/project";
    internal const string ValuesPath = OutRoot + "/" + StepProtocol.ValuesFileName;

    /// <summary>Project files a step reads (a policy) travel as raw artifacts inside the workflow; beyond this they belong in the artifact repository.</summary>
    internal const int MaxEmbeddedBytes = 256 * 1024;

    private const string LabelPrefix = "toolkit.io/";
    private const string ParamMarker = "\u0001";

    private readonly IComponentCatalog _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
    private readonly ArgoSettings _settings = settings ?? throw new ArgumentNullException(nameof(settings));

    public async Task<ArgoWorkflow> CompileAsync(PipelineSpec spec, ArgoCompileOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind is not (WorkflowKind or TemplateKind))
        {
            throw new ArgoCompileException($"--kind must be {WorkflowKind} or {TemplateKind}, not '{options.Kind}'");
        }

        var image = ComponentsImage(options);
        var parameters = PipelineRunner.ResolveParams(spec, options.Params);
        var graph = PipelineGraph.Build(spec);
        if (graph.FindCycle() is { } cycle)
        {
            throw new ArgoCompileException($"{spec.File}: the pipeline has a cycle: {string.Join(" -> ", cycle)}");
        }

        var entry = spec.Steps.Any(s => s.Name == "main") ? "main-dag" : "main";
        var keys = new Dictionary<string, (string Hash, SortedSet<string> Params)>(StringComparer.Ordinal);
        var stepTemplates = new List<(YMap Template, string Comment)>();
        var tasks = new YSeq();
        var byName = spec.Steps.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var name in graph.TopologicalOrder())
        {
            var step = byName[name];
            var compiled = await CompileStepAsync(spec, step, graph, image, keys, options, cancellationToken);
            stepTemplates.Add((compiled.Template, compiled.Comment));
            tasks.Add(compiled.Task, compiled.Comment);
        }

        var templates = new YSeq();
        templates.Add(new YMap().Add("name", entry).Add("dag", new YMap().Add("tasks", tasks)), $"the pipeline's DAG: one task per step of {spec.File}");
        foreach (var (template, comment) in stepTemplates)
        {
            templates.Add(template, comment);
        }

        var labels = new YMap().Add(LabelPrefix + "pipeline", LabelValue(spec.Name));
        if (options.GitCommit is { Length: > 0 } commit)
        {
            labels.Add(LabelPrefix + "git-sha", LabelValue(commit));
        }

        labels.Add(LabelPrefix + "toolkit-version", LabelValue(options.ToolkitVersion));
        var metadata = new YMap();
        var resourceName = ResourceName(spec.Name);
        if (options.Kind == WorkflowKind)
        {
            metadata.Add("generateName", resourceName + "-");
        }
        else
        {
            metadata.Add("name", resourceName);
        }

        if ((options.Namespace ?? _settings.Namespace) is { } ns)
        {
            metadata.Add("namespace", ns);
        }

        metadata.Add("labels", labels);
        metadata.Add("annotations", new YMap()
            .Add(LabelPrefix + "source", spec.File.Replace('\\', '/'))
            .Add(LabelPrefix + "pipeline-digest", spec.Digest));

        var specMap = new YMap().Add("entrypoint", entry);
        if (_settings.ServiceAccount is { } sa)
        {
            specMap.Add("serviceAccountName", sa);
        }

        specMap.AddIf("imagePullSecrets", Seq(_settings.ImagePullSecrets.Select(s => new YMap().Add("name", s))));
        specMap.Add("parallelism", YNode.Int(_settings.Parallelism ?? Width(graph)));
        if (_settings.PodGc is { } gc)
        {
            specMap.Add("podGC", new YMap().Add("strategy", gc));
        }

        if (_settings.ArtifactRepository is { } repo)
        {
            var reference = new YMap();
            if (repo.ConfigMap is { } cm)
            {
                reference.Add("configMap", cm);
            }

            if (repo.Key is { } key)
            {
                reference.Add("key", key);
            }

            specMap.Add("artifactRepositoryRef", reference, "where artifacts go: a ConfigMap of the cluster (no credentials here)");
        }

        var arguments = Seq(spec.Params.Select(p =>
        {
            var m = new YMap().Add("name", p.Name).Add("value", parameters[p.Name]);
            if (p.Description is { Length: > 0 } d)
            {
                m.Add("description", d);
            }

            return m;
        }));
        specMap.AddIf("arguments", arguments.Items.Count == 0 ? null : new YMap().Add("parameters", arguments));
        specMap.Add("volumes", new YSeq()
            .Add(new YMap().Add("name", "out").Add("emptyDir", new YMap()))
            .Add(new YMap().Add("name", "work").Add("emptyDir", new YMap())), "each step's outputs (/out) and scratch space (/work, TOOLKIT_WORK)");
        specMap.Add("templates", templates);

        var root = new YMap()
            .Add("apiVersion", "argoproj.io/v1alpha1")
            .Add("kind", options.Kind)
            .Add("metadata", metadata)
            .Add("spec", specMap);
        var header = new[]
        {
            $"Compiled by mlops pipeline compile --target argo from {spec.File.Replace('\\', '/')} (pipeline '{spec.Name}', {spec.Digest}).",
            "Edit the pipeline and compile again rather than this file.",
        };
        return new ArgoWorkflow(YamlWriter.Write(root, header), options.Kind, resourceName, image, spec.Steps.Count)
        {
            Json = (System.Text.Json.Nodes.JsonObject)root.ToJson()!,
        };
    }

    private string ComponentsImage(ArgoCompileOptions options)
    {
        var image = options.Image ?? _settings.Image
            ?? throw new ArgoCompileException(
                "no components image: pass --image REGISTRY/toolkit/components@sha256:DIGEST or set 'argo: { image: ... }' in toolkit.yaml (docs/argo.md says how to push the image and read its digest)");
        if (!ProjectSettings.IsImageReference(image))
        {
            throw new ArgoCompileException($"'{image}' is not an image reference (REGISTRY/toolkit/components@sha256:DIGEST)");
        }

        if (!image.Contains("@sha256:", StringComparison.Ordinal) && !options.AllowTag)
        {
            throw new ArgoCompileException(
                $"image '{image}' is not pinned by digest: a tag can move, so the cluster could run other code than was tested. " +
                "Use REGISTRY/toolkit/components@sha256:DIGEST (docs/argo.md), or pass --allow-tag to accept the tag.");
        }

        return image;
    }

    private sealed record CompiledStep(YMap Task, YMap Template, string Comment);

    private async Task<CompiledStep> CompileStepAsync(
        PipelineSpec spec,
        StepSpec step,
        PipelineGraph graph,
        string componentsImage,
        Dictionary<string, (string Hash, SortedSet<string> Params)> keys,
        ArgoCompileOptions options,
        CancellationToken cancellationToken)
    {
        IComponent? component = null;
        if (step.Uses is not null && !_catalog.TryGet(step.Uses, out component))
        {
            throw ArgoCompileException.At(spec, step, step.UsesPosition ?? step.Position, $"unknown component '{step.Uses}'");
        }

        var descriptor = component?.Descriptor;
        var comment = $"step {step.Name}: {step.Uses ?? "run"} ({spec.File.Replace('\\', '/')}:{step.Position.Line})";
        var usedParams = new SortedSet<string>(StringComparer.Ordinal);

        // Parameters: component defaults overlaid with `with:`, params as {{workflow.parameters.x}} so a resubmit with -p changes them.
        var stepParams = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in descriptor?.Parameters ?? [])
        {
            if (p.Default is not null)
            {
                stepParams[p.Name] = p.Default;
            }
        }

        foreach (var (key, value) in step.With)
        {
            stepParams[key] = Render(spec, step, value, options, usedParams);
        }

        // Inputs: one artifact per wired output (list inputs numbered), taken from the upstream task.
        var inputArtifacts = new YSeq();
        var taskArtifacts = new YSeq();
        var inputPaths = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var inputKeys = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, refs) in step.Inputs)
        {
            var multiple = refs.Count > 1 || descriptor?.Inputs.FirstOrDefault(i => i.Name == name)?.Multiple == true;
            var paths = new List<string>();
            for (var i = 0; i < refs.Count; i++)
            {
                var r = refs[i];
                var artifact = multiple ? string.Create(CultureInfo.InvariantCulture, $"{name}-{i}") : name;
                var path = string.Create(CultureInfo.InvariantCulture, $"{InRoot}/{name}/{i}/{name}");
                paths.Add(path);
                inputArtifacts.Add(new YMap().Add("name", artifact).Add("path", path));
                taskArtifacts.Add(new YMap().Add("name", artifact).Add("from", $"{{{{tasks.{r.Step}.outputs.artifacts.{r.Output}}}}}"));
                (inputKeys.TryGetValue(name, out var list) ? list : inputKeys[name] = []).Add(keys[r.Step].Hash + "/" + r.Output);
                usedParams.UnionWith(keys[r.Step].Params);
            }

            inputPaths[name] = paths;
        }

        // Project files the component reads (a policy): inside the workflow as raw artifacts under /project.
        var external = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (component is IExternalInputs)
        {
            foreach (var (pname, value) in stepParams)
            {
                if (value.Contains(ParamMarker, StringComparison.Ordinal) || value.Length == 0 || Path.IsPathRooted(value))
                {
                    continue;
                }

                var full = Path.GetFullPath(value, options.ProjectDirectory);
                var root = Path.GetFullPath(options.ProjectDirectory);
                if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
                {
                    continue;
                }

                var bytes = await File.ReadAllBytesAsync(full, cancellationToken);
                if (bytes.Length > MaxEmbeddedBytes)
                {
                    throw ArgoCompileException.At(spec, step, step.With.FirstOrDefault(w => w.Key == pname).Value?.Position ?? step.Position,
                        $"parameter '{pname}' names '{value}' ({bytes.Length} bytes): files above {MaxEmbeddedBytes} bytes do not travel inside a workflow; put it in the artifact repository");
                }

                var text = Encoding.UTF8.GetString(bytes);
                var rel = Path.GetRelativePath(root, full).Replace('\\', '/');
                inputArtifacts.Add(
                    new YMap().Add("name", "project-" + ArtifactName(rel)).Add("path", ProjectRoot + "/" + rel).Add("raw", new YMap().Add("data", text)),
                    $"{rel} from the project, as the step reads it locally");
                external[rel] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
        }

        var outputNames = descriptor?.Outputs.Select(o => o.Name).ToList() ?? [.. step.Outputs];
        var outputPaths = outputNames.ToDictionary(o => o, o => OutRoot + "/" + o, StringComparer.Ordinal);
        var outputs = new YMap()
            .AddIf("parameters", new YSeq().Add(new YMap()
                .Add("name", ValuesParameter)
                .Add("valueFrom", new YMap().Add("path", ValuesPath).Add("default", "{}"))))
            .AddIf("artifacts", Seq(outputNames.Select(o => new YMap().Add("name", o).Add("path", outputPaths[o]))));

        var container = new YMap();
        var mounts = new YSeq()
            .Add(new YMap().Add("name", "out").Add("mountPath", OutRoot))
            .Add(new YMap().Add("name", "work").Add("mountPath", WorkRoot));
        string image;
        string? command = null;
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var envComments = new List<string>();
        if (descriptor is not null)
        {
            image = componentsImage;
            var args = StepProtocol.ComponentArguments(new ComponentCall
            {
                Component = descriptor.Name,
                Inputs = inputPaths,
                Parameters = stepParams,
                Outputs = outputPaths,
                ValuesPath = ValuesPath,
            });
            container.Add("image", image)
                .Add("command", Seq(ComponentEntrypoint.Select(YNode.Str)))
                .Add("args", Seq(args.Select(a => YNode.Str(Dynamic(a)))));
            env["HOME"] = "/tmp";
            env[StepProtocol.ValuesVariable] = ValuesPath;
        }
        else
        {
            image = step.Image ?? componentsImage;
            command = RenderCommand(spec, step, inputPaths, outputPaths, options, usedParams);
            container.Add("image", image)
                .Add("command", new YSeq().Add("/bin/sh").Add("-c"))
                .Add("args", new YSeq().Add(Dynamic(command)));
            foreach (var (name, value) in StepProtocol.CommandEnvironment(inputPaths, outputPaths, stepParams, ValuesPath, WorkRoot, "", step.Name, ':'))
            {
                env[name] = value;
            }

            foreach (var (name, value) in step.Env)
            {
                if (value is null)
                {
                    // Locally the caller's variable passes through; a workflow has no caller, and a value copied here would leak it.
                    envComments.Add($"env {name}: passed through from the caller locally; not set on Argo (give it a value or a Secret)");
                }
                else
                {
                    env[name] = Render(spec, step, new ScalarValue(value, true, step.Position), options, usedParams);
                }
            }

            env["HOME"] = "/tmp";
        }

        env[StepProtocol.RunIdVariable] = "{{workflow.name}}";
        env[StepProtocol.StepVariable] = step.Name;
        env[StepProtocol.WorkVariable] = WorkRoot;
        env["DOTNET_gcServer"] = "0";
        var envSeq = Seq(env.Select(e => new YMap().Add("name", e.Key).Add("value", Dynamic(e.Value))));
        container.Add("env", envSeq, envComments.Count == 0 ? null : string.Join('\n', envComments));
        if (Resources(step.Resources) is { } resources)
        {
            container.Add("resources", resources);
        }

        container.Add("volumeMounts", mounts);
        container.Add("workingDir", external.Count > 0 ? ProjectRoot : WorkRoot);

        // The memo key: our cache key as far as compile time knows it (component, parameters, image,
        // command, project files, the upstream keys), with the workflow parameters it depends on appended.
        var hash = MemoHash(descriptor, step, image, stepParams, command, inputKeys, external);
        keys[step.Name] = (hash, usedParams);

        var template = new YMap().Add("name", step.Name);
        template.AddIf("inputs", inputArtifacts.Items.Count == 0 ? null : new YMap().Add("artifacts", inputArtifacts));
        template.Add("outputs", outputs);
        if (step.Cache)
        {
            var key = "toolkit-" + hash[..32] + string.Concat(usedParams.Select(p => $"-{{{{workflow.parameters.{p}}}}}"));
            template.Add("memoize", new YMap()
                .Add("key", key)
                .Add("maxAge", _settings.MemoizeMaxAge)
                .Add("cache", new YMap().Add("configMap", new YMap().Add("name", ResourceName("toolkit-memo-" + spec.Name)))),
                "reuse the outputs of an earlier run with the same key (see docs/argo.md for what the key covers)");
        }

        if (step.Retries.Count > 0)
        {
            var retry = new YMap().Add("limit", step.Retries.Count.ToString(CultureInfo.InvariantCulture));
            if (step.Retries.Backoff > TimeSpan.Zero)
            {
                retry.Add("backoff", new YMap().Add("duration", Seconds(step.Retries.Backoff) + "s").Add("factor", "2"));
            }

            template.Add("retryStrategy", retry);
        }

        if (step.Timeout is { } timeout)
        {
            template.Add("activeDeadlineSeconds", Seconds(timeout));
        }

        template.Add("container", container);

        var task = new YMap().Add("name", step.Name).Add("template", step.Name);
        task.AddIf("dependencies", Seq(graph.DependenciesOf(step.Name).Select(YNode.Str)));
        if (step.When is { } when)
        {
            task.Add("when", TranslateWhen(spec, step, when));
        }

        task.AddIf("arguments", taskArtifacts.Items.Count == 0 ? null : new YMap().Add("artifacts", taskArtifacts));
        return new CompiledStep(task, template, comment);
    }

    private string TranslateWhen(PipelineSpec spec, StepSpec step, ScalarValue when)
    {
        try
        {
            return ArgoWhen.Translate(
                when.Text,
                (s, n) =>
                {
                    var upstream = spec.Step(s) ?? throw new FormatException($"there is no step '{s}'");
                    var outputs = upstream.Uses is not null && _catalog.TryGet(upstream.Uses, out var c) ? c.Descriptor.Outputs.Select(o => o.Name) : upstream.Outputs;
                    if (outputs.Contains(n, StringComparer.Ordinal))
                    {
                        throw new FormatException($"steps.{s}.outputs.{n} is an artifact (its digest); on Argo a condition can only read a step's values");
                    }

                    return $"jsonpath(tasks[{ArgoWhen.Quote(s)}].outputs.parameters[{ArgoWhen.Quote(ValuesParameter)}], {ArgoWhen.Quote("$." + n)})";
                },
                p =>
                {
                    var declared = spec.Params.FirstOrDefault(x => x.Name == p) ?? throw new FormatException($"the pipeline has no parameter '{p}'");
                    var term = $"workflow.parameters[{ArgoWhen.Quote(p)}]";
                    return declared.Type switch
                    {
                        ParamType.Integer or ParamType.Number => ($"asFloat({term})", false),
                        ParamType.Boolean => ($"({term} == 'true')", true),
                        _ => (term, false),
                    };
                });
        }
        catch (FormatException ex)
        {
            throw ArgoCompileException.At(spec, step, when.Position, $"when: '{when.Text}' cannot be expressed on Argo: {ex.Message}");
        }
    }

    /// <summary>A <c>with:</c> value as text (as <see cref="StepExpressions"/> renders it), params left as workflow parameters.</summary>
    private static string Render(PipelineSpec spec, StepSpec step, SpecValue value, ArgoCompileOptions options, SortedSet<string> used) => value switch
    {
        ScalarValue s => RenderText(spec, step, s.Text, s.Position, r => r.Scope == "params" ? null : r, options, used),
        ListValue l => JsonSerializer.Serialize(l.Items.Select(i => Render(spec, step, i, options, used))),
        MapValue m => JsonSerializer.Serialize(m.Entries.ToDictionary(e => e.Key, e => Render(spec, step, e.Value, options, used))),
        _ => "",
    };

    private static string RenderCommand(
        PipelineSpec spec,
        StepSpec step,
        IReadOnlyDictionary<string, IReadOnlyList<string>> inputs,
        IReadOnlyDictionary<string, string> outputs,
        ArgoCompileOptions options,
        SortedSet<string> used) =>
        RenderText(spec, step, step.Run!, step.Position, r => r.Scope == "params" ? null : r, options, used, r => r.Scope switch
        {
            "inputs" => new ExprValue(string.Join(' ', inputs.TryGetValue(r.Name, out var p) ? p : [])),
            "outputs" => new ExprValue(outputs.TryGetValue(r.Name, out var o) ? o : ""),
            _ => (ExprValue?)null,
        });

    /// <summary>
    /// Evaluates a template with each <c>params.x</c> as a marker that becomes <c>{{workflow.parameters.x}}</c>.
    /// A param used other than as a plain substitution (inside a comparison) is evaluated now with its resolved value.
    /// Step outputs in parameters cannot be known when compiling: refused.
    /// </summary>
    private static string RenderText(
        PipelineSpec spec,
        StepSpec step,
        string text,
        Position position,
        Func<ExprRef, ExprRef?> unsupported,
        ArgoCompileOptions options,
        SortedSet<string> used,
        Func<ExprRef, ExprValue?>? local = null)
    {
        var template = Template.Parse(text);
        var resolved = PipelineRunner.ResolveParams(spec, options.Params);
        foreach (var r in template.References)
        {
            if (local?.Invoke(r) is null && unsupported(r) is { } bad)
            {
                throw ArgoCompileException.At(spec, step, position,
                    $"'{bad}' in '{text}' is known only when the pipeline runs; on Argo a parameter can take params.NAME only");
            }
        }

        var marked = template.Evaluate(r => local?.Invoke(r) ?? (r.Scope == "params" && resolved.ContainsKey(r.Name)
            ? new ExprValue(ParamMarker + r.Name + ParamMarker)
            : ExprValue.Null)).ToText();
        var names = template.References.Where(r => r.Scope == "params").Select(r => r.Name).Distinct().ToList();
        if (names.All(n => marked.Contains(ParamMarker + n + ParamMarker, StringComparison.Ordinal)))
        {
            used.UnionWith(names);
            return marked;
        }

        // A param inside an operation: its value now (the workflow parameter cannot change it later).
        return template.Evaluate(r => local?.Invoke(r) ?? (r.Scope == "params" && resolved.TryGetValue(r.Name, out var v) ? ExprValue.FromText(v) : ExprValue.Null)).ToText();
    }

    /// <summary>Turns param markers into workflow-parameter tags.</summary>
    private static string Dynamic(string text) => Marker().Replace(text, m => "{{workflow.parameters." + m.Groups[1].Value + "}}");

    private static string MemoHash(
        ComponentDescriptor? descriptor,
        StepSpec step,
        string image,
        IReadOnlyDictionary<string, string> parameters,
        string? command,
        IReadOnlyDictionary<string, List<string>> inputs,
        IReadOnlyDictionary<string, string> external)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("component", descriptor?.Reference ?? "run");
            w.WriteString("image", image);
            if (command is not null)
            {
                w.WriteString("command", Dynamic(command));
                w.WriteStartArray("outputs");
                foreach (var o in step.Outputs.Order(StringComparer.Ordinal))
                {
                    w.WriteStringValue(o);
                }

                w.WriteEndArray();
            }

            w.WriteStartObject("params");
            foreach (var (k, v) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, Dynamic(v));
            }

            w.WriteEndObject();
            w.WriteStartObject("inputs");
            foreach (var (k, refs) in inputs)
            {
                w.WriteStartArray(k);
                foreach (var r in refs)
                {
                    w.WriteStringValue(r);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteStartObject("external");
            foreach (var (k, v) in external)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private static YMap? Resources(ResourceSpec? resources)
    {
        if (resources is null || (resources.Cpu is null && resources.MemoryBytes is null))
        {
            return null;
        }

        var quantities = new YMap();
        if (resources.Cpu is { } cpu)
        {
            var milli = (long)Math.Round(cpu * 1000);
            quantities.Add("cpu", milli % 1000 == 0 ? (milli / 1000).ToString(CultureInfo.InvariantCulture) : milli.ToString(CultureInfo.InvariantCulture) + "m");
        }

        if (resources.MemoryBytes is { } bytes)
        {
            quantities.Add("memory", bytes % (1024 * 1024) == 0
                ? (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "Mi"
                : bytes.ToString(CultureInfo.InvariantCulture));
        }

        // Requests equal to limits: the scheduler reserves what the step may use, as Docker's limits do locally.
        return new YMap().Add("requests", quantities).Add("limits", quantities);
    }

    /// <summary>The most steps that can run at once level by level (a deterministic stand-in when toolkit.yaml sets no parallelism).</summary>
    private static int Width(PipelineGraph graph)
    {
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in graph.TopologicalOrder())
        {
            depth[s] = graph.DependenciesOf(s).Select(d => depth[d] + 1).DefaultIfEmpty(0).Max();
        }

        return Math.Max(1, depth.Values.GroupBy(d => d).Select(g => g.Count()).DefaultIfEmpty(1).Max());
    }

    private static string Seconds(TimeSpan t) => ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static YSeq Seq(IEnumerable<YNode> items)
    {
        var seq = new YSeq();
        foreach (var i in items)
        {
            seq.Add(i);
        }

        return seq;
    }

    /// <summary>A valid label value (at most 63 characters of letters, digits, '-', '_', '.', alphanumeric at both ends).</summary>
    internal static string LabelValue(string value)
    {
        var cleaned = LabelInvalid().Replace(value, "_");
        if (cleaned.Length > 63)
        {
            cleaned = cleaned[..63];
        }

        return cleaned.Trim('-', '_', '.');
    }

    /// <summary>A DNS-1123 resource name from a pipeline name (ours are already lowercase words and dashes).</summary>
    private static string ResourceName(string name)
    {
        var cleaned = NameInvalid().Replace(name.ToLowerInvariant(), "-").Trim('-');
        return cleaned.Length > 52 ? cleaned[..52].TrimEnd('-') : cleaned; // room for generateName's 5-character suffix
    }

    private static string ArtifactName(string path) => NameInvalid().Replace(path.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^A-Za-z0-9_.-]", RegexOptions.CultureInvariant)]
    private static partial Regex LabelInvalid();

    [GeneratedRegex("[^a-z0-9-]+", RegexOptions.CultureInvariant)]
    private static partial Regex NameInvalid();

    [GeneratedRegex("\u0001([^\u0001]+)\u0001", RegexOptions.CultureInvariant)]
    private static partial Regex Marker();
}
