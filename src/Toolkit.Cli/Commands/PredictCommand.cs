using System.CommandLine;
using System.Globalization;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops predict</c>: score a CSV file with a model.</summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file (.tkm), or with --model-version a registered model's name.", Required = true };
        var modelVersion = new Option<int?>("--model-version") { Description = "The registered version to use (fetched and checked against the registry's digest)." }.Within(1, int.MaxValue);
        var data = new Option<string>("--data") { Description = "Input rows (CSV) with the model's input columns.", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the predictions (CSV, one row per input row).", Required = true };

        var command = new Command("predict", "Predicts with a model: writes 'prediction' (and 'probability' for classification) per input row.")
        {
            modelPath, modelVersion, data, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var path = context.OutputFile(parse.GetValue(output), "--out");
            var model = await ModelInputs.LoadAsync(context, parse.GetValue(modelPath)!, parse.GetValue(modelVersion), ct);
            var table = ModelInputs.Read(model, context.InputFile(parse.GetValue(data), "--data"), withLabel: false, ct);
            var prediction = model.Predict(table);
            CsvWriter.Write(PredictionOutput.ToTable(prediction), path, ct);
            await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"wrote {prediction.Scores.Length} predictions to {path}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
