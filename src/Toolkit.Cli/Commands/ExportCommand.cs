using System.CommandLine;
using System.Globalization;
using Toolkit.Ml.Onnx;
using Toolkit.Models;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops model export</c>: a model file or a registered version as ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Option<string>("--file") { Description = "The model file (.tkm) to export." };
        var model = new Option<string>("--model") { Description = "A registered model to export (with --model-version)." };
        var version = new Option<int?>("--model-version") { Description = "The registered version to export." }.Within(1, int.MaxValue);
        var format = new Option<string>("--format") { Description = "The export format; only 'onnx'.", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string>("--out", "-o") { Description = "Where to write the exported model.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("export", "Exports a model (feature pipeline and predictor) to ONNX, scoring raw input columns; output 'score'.")
        {
            file, model, version, format, output, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!string.Equals(parse.GetValue(format), "onnx", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"--format '{parse.GetValue(format)}' is not supported; the only export format is 'onnx'.");
            }

            var path = parse.GetValue(file);
            var name = parse.GetValue(model);
            if ((path is null) == (name is null))
            {
                throw new UsageException("give exactly one of --file or --model (with --model-version).");
            }

            var source = name is null ? context.PathOf(path!) : string.Create(CultureInfo.InvariantCulture, $"{name} v{parse.GetValue(version)}");
            var loaded = ModelInputs.RequireTkm(
                name is null ? ModelLoader.Load(source) : await ModelInputs.LoadRegisteredAsync(context, name, parse.GetValue(version), ct),
                source,
                "mlops model export");
            var destination = context.PathOf(parse.GetValue(output)!);
            byte[] bytes;
            try
            {
                bytes = OnnxExporter.Export(loaded);
            }
            catch (OnnxExportException e)
            {
                throw new UsageException($"cannot export to ONNX: {e.Message}", e);
            }

            await File.WriteAllBytesAsync(destination, bytes, ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    path = destination,
                    format = "onnx",
                    bytes = bytes.Length,
                    model_digest = loaded.Digest,
                    algorithm = loaded.Algorithm,
                    inputs = loaded.Signature.Columns.Select(c => c.Name).ToArray(),
                    output = OnnxExporter.OutputName,
                }, ct);
            }
            else
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {destination} (onnx, {bytes.Length} bytes; {loaded.Signature.Columns.Count} inputs, output '{OnnxExporter.OutputName}')"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
