using System.CommandLine;
using System.Globalization;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Models;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops model</c>: model files and the registry.</summary>
internal static class ModelCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("model", "Inspect model files; register, promote and roll back versions in the registry.");
        command.Subcommands.Add(CreateInspect(context));
        command.Subcommands.Add(ExportCommand.Create(context));
        foreach (var sub in ModelRegistryCommands.Create(context).Concat(ModelSigningCommands.Create(context)))
        {
            command.Subcommands.Add(sub);
        }

        return command;
    }

    private static Command CreateInspect(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "The model file (.tkm)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("inspect", "Prints a model file's signature, metadata and digest (and checks the digest).") { file, json };
        command.SetAction(async (parse, ct) =>
        {
            var path = context.PathOf(parse.GetValue(file)!);
            var model = ModelInputs.RequireTkm(ModelLoader.Load(path), path, "mlops model inspect");
            var signature = model.Signature.Columns.Select(c => new
            {
                name = c.Name,
                type = c.Type.ToString().ToLowerInvariant(),
                categories = c.Categories,
            }).ToArray();
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    digest = model.Digest,
                    format_version = Model.FormatVersion,
                    algorithm = model.Algorithm,
                    task = model.Task.ToName(),
                    label = model.Label,
                    classes = model.Classes,
                    hyperparameters = model.HyperParameters,
                    signature,
                    features = model.Features.OutputNames,
                    training = new
                    {
                        rows = model.Training.Rows,
                        seed = model.Training.Seed,
                        data_digest = model.Training.DataDigest,
                        feature_count = model.Training.FeatureCount,
                        toolkit_version = model.Training.ToolkitVersion,
                    },
                    metrics = model.Metrics.ToDictionary(p => p.Key, p => JsonOutput.Finite(p.Value)),
                }, ct);
                return ExitCodes.Ok;
            }

            var o = context.Output;
            await o.WriteLineAsync($"digest      {model.Digest}");
            await o.WriteLineAsync($"algorithm   {model.Algorithm}");
            await o.WriteLineAsync($"task        {model.Task.ToName()}");
            await o.WriteLineAsync($"label       {model.Label}" + (model.Classes is { } cl ? $" (classes: {cl[0]}, {cl[1]}; positive: {cl[1]})" : ""));
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"training    {model.Training.Rows} rows, seed {model.Training.Seed}, data {model.Training.DataDigest}, toolkit {model.Training.ToolkitVersion}"));
            await o.WriteLineAsync("hyperparameters");
            foreach (var (k, v) in model.HyperParameters)
            {
                await o.WriteLineAsync($"  {k,-22} {v}");
            }

            await o.WriteLineAsync("signature (inputs)");
            foreach (var c in signature)
            {
                var cats = c.categories is { Count: > 0 } ? $" [{string.Join(", ", c.categories.Take(12))}{(c.categories.Count > 12 ? ", ..." : "")}]" : "";
                await o.WriteLineAsync($"  {c.name,-22} {c.type}{cats}");
            }

            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"features    {model.Features.OutputNames.Count} after the feature pipeline"));
            await o.WriteLineAsync("metrics (training rows)");
            foreach (var (k, v) in model.Metrics)
            {
                await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {k,-22} {v:0.######}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
