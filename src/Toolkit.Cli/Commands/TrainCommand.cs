using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops train</c>: fit a model on a CSV file and write the model file.</summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "Training data (CSV with a header row).", Required = true };
        var label = new Option<string>("--label") { Description = "The column to predict.", Required = true };
        var algorithm = new Option<string>("--algorithm")
        {
            Description = $"The algorithm: {string.Join(", ", AlgorithmCatalog.Default.Names)} (see 'mlops algorithms').",
            Required = true,
        };
        var param = new Option<string[]>("--param")
        {
            Description = "A hyperparameter as key=value (repeatable), e.g. --param alpha=0.1.",
            AllowMultipleArgumentsPerToken = false,
        };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same data and seed give the same model file.", DefaultValueFactory = _ => 42 };
        var output = new Option<string>("--out") { Description = "The model file to write (.tkm).", Required = true };
        var task = new Option<string?>("--task") { Description = "binary-classification or regression (default: inferred from the label)." };
        task.AcceptOnlyFromAmong(ModelTaskNames.BinaryClassification, ModelTaskNames.Regression);
        var ignore = new Option<string[]>("--ignore") { Description = "Columns to leave out of the features (comma-separated or repeated)." };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: all cores); results do not depend on it." }.Within(1, 1024);
        var transforms = new Option<string?>("--transforms")
        {
            Description = "Team feature transforms (projects under toolkit.yaml's components:) fitted first, comma-separated, in order; they travel in the model.",
        };
        var transformParam = new Option<string[]>("--transform-param")
        {
            Description = "A transform's parameter, TRANSFORM.NAME=VALUE (comma-separated or repeated; declared defaults otherwise).",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: model, digest, algorithm, task, rows, metrics." };

        var command = new Command("train", "Trains a model on a CSV file and writes a model file.")
        {
            data, label, algorithm, param, seed, output, task, ignore, threads, transforms, transformParam, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var watch = Stopwatch.StartNew();
            var labelName = parse.GetValue(label)!;
            var dataPath = context.InputFile(parse.GetValue(data), "--data");
            var path = context.OutputFile(parse.GetValue(output), "--out");
            var request = new TrainRequest
            {
                Algorithm = parse.GetValue(algorithm)!,
                Label = labelName,
                Parameters = CommandLineValues.ParseKeyValues(parse.GetValue(param), "--param"),
                Task = parse.GetValue(task) is { } t ? ModelTaskNames.Parse(t) : null,
                Ignore = CommandLineValues.ParseList(parse.GetValue(ignore)),
                Transforms = TransformsOf(parse.GetValue(transforms), parse.GetValue(transformParam)),
            };

            // Fail on bad hyperparameters before reading a large file.
            var algo = AlgorithmCatalog.Default.Get(request.Algorithm);
            _ = HyperParameters.Resolve(algo.Name, algo.Parameters, request.Parameters);

            var table = CsvReader.Read(dataPath, new CsvReadOptions { Label = labelName }, ct);
            var loaded = watch.Elapsed;
            Model model;
            try
            {
                model = ModelTrainer.Train(table, request, new TrainContext
                {
                    Seed = parse.GetValue(seed),
                    MaxThreads = parse.GetValue(threads) ?? Environment.ProcessorCount,
                    Progress = parse.GetValue(json) ? null : new ProgressLines(context.Error),
                    CancellationToken = ct,
                });
            }
            catch (DataFormatException ex)
            {
                // The trainer checks a table; this command knows which file it came from.
                throw ex.InFile(dataPath);
            }
            ModelFile.Save(model, path, ct);

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    model = path,
                    digest = model.Digest,
                    algorithm = model.Algorithm,
                    task = model.Task.ToName(),
                    rows = model.Training.Rows,
                    features = model.Training.FeatureCount,
                    hyperparameters = model.HyperParameters,
                    metrics = model.Metrics.ToDictionary(p => p.Key, p => JsonOutput.Finite(p.Value)),
                    seconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
                }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"trained {model.Algorithm} ({model.Task.ToName()}) on {model.Training.Rows} rows x {model.Training.FeatureCount} features " +
                    $"in {CommandLineValues.Seconds(watch.Elapsed)} (load {CommandLineValues.Seconds(loaded)}) -> {path} {model.Digest}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The named team transforms with their parameters, checked as a pipeline's features/fit checks them (exit 2 otherwise).</summary>
    private static IReadOnlyList<TransformFit> TransformsOf(string? names, string[]? parameters)
    {
        try
        {
            return TransformPlan.Parse(names, parameters is { Length: > 0 } ? string.Join(",", parameters) : null);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message.Replace("transform_params", "--transform-param", StringComparison.Ordinal).Replace("transforms:", "--transforms", StringComparison.Ordinal));
        }
    }
}
