using System.CommandLine;
using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops evaluate</c>: metrics of a model on labelled data.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file (.tkm), or with --model-version a registered model's name.", Required = true };
        var modelVersion = new Option<int?>("--model-version") { Description = "The registered version to use (fetched and checked against the registry's digest)." }.Within(1, int.MaxValue);
        var data = new Option<string>("--data") { Description = "Labelled data (CSV) with the model's input columns and label.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: task, rows and every metric by its snake_case name." };

        var command = new Command("evaluate", "Evaluates a model on labelled data and prints its metrics.") { modelPath, modelVersion, data, json };
        command.SetAction(async (parse, ct) =>
        {
            var model = await ModelInputs.LoadAsync(context, parse.GetValue(modelPath)!, parse.GetValue(modelVersion), ct);
            var dataPath = context.InputFile(parse.GetValue(data), "--data");
            var table = ModelInputs.Read(model, dataPath, withLabel: true, ct);
            Evaluation evaluation;
            try
            {
                evaluation = ModelEvaluator.Evaluate(model, table);
            }
            catch (DataFormatException ex)
            {
                throw ex.InFile(dataPath);
            }

            if (parse.GetValue(json))
            {
                var result = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["task"] = evaluation.Task.ToName(),
                    ["rows"] = evaluation.Rows,
                    ["model_digest"] = model.Digest,
                };
                foreach (var (k, v) in evaluation.Metrics)
                {
                    result[k] = JsonOutput.Finite(v);
                }

                if (evaluation.Classification is { } c)
                {
                    result["confusion_matrix"] = new
                    {
                        true_positive = c.Confusion.TruePositive,
                        false_positive = c.Confusion.FalsePositive,
                        true_negative = c.Confusion.TrueNegative,
                        false_negative = c.Confusion.FalseNegative,
                    };
                }

                await JsonOutput.WriteAsync(context.Output, result, ct);
                return ExitCodes.Ok;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{model.Algorithm} ({evaluation.Task.ToName()}) on {evaluation.Rows} rows:"));
            foreach (var (k, v) in evaluation.Metrics)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {k,-10} {v:0.######}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
