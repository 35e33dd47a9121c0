using System.CommandLine;
using Toolkit.Components.Team;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Execution;

namespace Toolkit.Cli.Commands;

/// <summary>
/// <c>mlops component</c>: list the built-in components, or run one alone. <c>component run</c> is the
/// entry point of component images and Argo templates: the same code a pipeline step runs in-process.
/// </summary>
internal static class ComponentCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("component", "List components, or run one alone (the entry point of container images).");
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateRun(context));
        command.Subcommands.Add(CreateNew(context));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("list", "Describes every component: inputs, outputs, parameters and values.") { json };
        command.SetAction(async (parse, ct) =>
        {
            var descriptors = (await ComponentAccess.CatalogAsync(ProjectContext.Settings(context), context, ct)).Descriptors;
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    components = descriptors.Select(d => new
                    {
                        name = d.Name,
                        version = d.Version,
                        description = d.Description,
                        inputs = d.Inputs.Select(i => new { name = i.Name, kind = i.Kind, required = i.Required, multiple = i.Multiple, description = i.Description }),
                        outputs = d.Outputs.Select(o => new { name = o.Name, kind = o.Kind, description = o.Description }),
                        parameters = d.Parameters.Select(p => new
                        {
                            name = p.Name,
                            type = p.Type.ToString().ToLowerInvariant(),
                            required = p.Required,
                            @default = p.Default,
                            choices = p.Choices,
                            description = p.Description,
                        }),
                        values = d.Values,
                        origin = d.Origin,
                        source_digest = d.SourceDigest,
                    }),
                }, ct);
                return ExitCodes.Ok;
            }

            foreach (var d in descriptors)
            {
                await context.Output.WriteLineAsync($"{d.Name} (v{d.Version}{(d.Origin is null ? "" : ", " + d.Origin)}): {d.Description}");
                foreach (var i in d.Inputs)
                {
                    await context.Output.WriteLineAsync($"  in   {i.Name,-20} {i.Kind}{(i.Multiple ? " (list)" : "")}{(i.Required ? "" : " (optional)")}");
                }

                foreach (var o in d.Outputs)
                {
                    await context.Output.WriteLineAsync($"  out  {o.Name,-20} {o.Kind}");
                }

                foreach (var p in d.Parameters)
                {
                    var detail = p.Required ? "required" : p.Default is null ? "optional" : "default " + p.Default;
                    await context.Output.WriteLineAsync($"  with {p.Name,-20} {p.Type.ToString().ToLowerInvariant()}, {detail}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRun(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The component, e.g. train/random-forest." };
        var input = new Option<string[]>("--input") { Description = "An input artifact: name=path (repeat a name for list inputs).", AllowMultipleArgumentsPerToken = false };
        var param = new Option<string[]>("--param") { Description = "A parameter: name=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string[]>("--output") { Description = "Where to write an output: name=path (every declared output).", AllowMultipleArgumentsPerToken = false };
        var values = new Option<string?>("--values") { Description = "Write the component's scalar values (metrics) to this JSON file." };
        var command = new Command("run", "Runs one component with the given inputs, parameters and outputs.") { name, input, param, output, values };
        command.SetAction(async (parse, ct) =>
        {
            var catalog = await ComponentAccess.CatalogAsync(ProjectContext.Settings(context), context, ct);
            var componentName = parse.GetValue(name)!;
            if (!catalog.TryGet(componentName, out var component))
            {
                throw new UsageException($"unknown component '{componentName}'; see 'mlops component list'.");
            }

            var d = component.Descriptor;
            ComponentCall call;
            try
            {
                call = StepProtocol.ParseComponentCall(componentName, parse.GetValue(input), parse.GetValue(param), parse.GetValue(output), parse.GetValue(values));
            }
            catch (StepProtocolException ex)
            {
                throw new UsageException(ex.Message);
            }

            var inputs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (k, paths) in call.Inputs)
            {
                if (!d.Inputs.Any(i => i.Name == k))
                {
                    throw new UsageException($"{d.Name} has no input '{k}'; its inputs: {string.Join(", ", d.Inputs.Select(i => i.Name))}.");
                }

                foreach (var v in paths.Where(v => !File.Exists(context.PathOf(v))))
                {
                    throw new UsageException($"input '{k}': file '{v}' does not exist.");
                }

                inputs[k] = [.. paths.Select(context.PathOf)];
            }

            foreach (var missing in d.Inputs.Where(i => i.Required && !inputs.ContainsKey(i.Name)))
            {
                throw new UsageException($"{d.Name} needs input '{missing.Name}' (--input {missing.Name}=PATH).");
            }

            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in d.Parameters.Where(p => p.Default is not null))
            {
                parameters[p.Name] = p.Default!;
            }

            foreach (var (k, v) in call.Parameters)
            {
                if (!d.OpenParameters && !d.Parameters.Any(p => p.Name == k))
                {
                    throw new UsageException($"{d.Name} has no parameter '{k}'; its parameters: {string.Join(", ", d.Parameters.Select(p => p.Name))}.");
                }

                parameters[k] = v;
            }

            foreach (var unknown in call.Outputs.Keys.Where(k => !d.Outputs.Any(o => o.Name == k)))
            {
                throw new UsageException($"{d.Name} has no output '{unknown}'; its outputs: {string.Join(", ", d.Outputs.Select(o => o.Name))}.");
            }

            foreach (var o in d.Outputs.Where(o => !call.Outputs.ContainsKey(o.Name)))
            {
                throw new UsageException($"{d.Name} writes output '{o.Name}': give --output {o.Name}=PATH.");
            }

            var outputs = call.Outputs.ToDictionary(o => o.Key, o => context.PathOf(o.Value), StringComparer.Ordinal);
            foreach (var path in outputs.Values)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }

            var result = await component.RunAsync(new ComponentContext
            {
                Inputs = inputs,
                Parameters = parameters,
                Outputs = outputs,
                Log = context.Error,
                ProjectDirectory = context.WorkingDirectory,
            }, ct);

            if (call.ValuesPath is { } valuesPath)
            {
                await StepProtocol.WriteValuesAsync(context.PathOf(valuesPath), result, ct);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateNew(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The component's name: team/step, lowercase (e.g. churn/log-scale)." };
        var dir = new Option<string?>("--dir") { Description = "The project's folder (default: ./Team.Step); the test project goes beside it." };
        var sdk = new Option<string?>("--sdk") { Description = "The Toolkit.Sdk.csproj to reference (default: src/Toolkit.Sdk above the folder, else the Toolkit.Sdk package)." };
        var command = new Command("new", "Scaffolds a component project with a unit test, ready to list in toolkit.yaml's components:.") { name, dir, sdk };
        command.SetAction(async (parse, ct) =>
        {
            var componentName = parse.GetValue(name)!;
            if (!Toolkit.Sdk.Hosting.TeamAssemblyLoader.IsValidName(componentName))
            {
                throw new UsageException($"'{componentName}' is not a component name: lowercase letters, digits and dashes around one '/' (e.g. churn/log-scale)");
            }

            var folder = context.PathOf(parse.GetValue(dir) is { } given ? given : ComponentScaffold.ProjectName(componentName));
            ScaffoldResult result;
            try
            {
                result = ComponentScaffold.Create(componentName, folder, parse.GetValue(sdk) is { } s ? context.PathOf(s) : null);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }

            foreach (var file in result.Files)
            {
                await context.Output.WriteLineAsync("created " + Path.GetRelativePath(context.WorkingDirectory, file).Replace('\\', '/'));
            }

            var settings = ProjectContext.Settings(context);
            var entry = Path.GetRelativePath(settings.Root, result.ProjectFile).Replace('\\', '/');
            await context.Output.WriteLineAsync($"""

                Add it to {(settings.File is null ? "toolkit.yaml" : Path.GetRelativePath(context.WorkingDirectory, settings.File))}:

                  components:
                    - {entry}

                then use it in a pipeline step (uses: {componentName}) and test it:
                  dotnet test {Path.GetRelativePath(context.WorkingDirectory, result.TestProjectFile).Replace('\\', '/')}
                """);
            return ExitCodes.Ok;
        });
        return command;
    }
}
