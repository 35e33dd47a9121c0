using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Monitoring.Triggers;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops data</c>: make and inspect data sets.</summary>
internal static class DataCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("data", "Make and inspect data sets.");
        command.Subcommands.Add(CreateSynth(context));
        command.Subcommands.Add(CreateFingerprint(context));
        return command;
    }

    private static Command CreateSynth(CliContext context)
    {
        var generator = new Option<string>("--generator")
        {
            Description = $"The generator: {string.Join(", ", SyntheticData.Generators)}.",
            Required = true,
        };
        generator.AcceptOnlyFromAmong([.. SyntheticData.Generators]);
        var rows = new Option<int>("--rows") { Description = "Number of rows (at most 10,000,000).", DefaultValueFactory = _ => 10_000 }.Within(1, 10_000_000);
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same data.", DefaultValueFactory = _ => 42 };
        var output = new Option<string>("--out") { Description = "The CSV file to write.", Required = true };
        var drift = new Option<double>("--drift")
        {
            Description = $"Shift the population by this much, 0 to 1 (same schema; for monitoring demos): {string.Join(", ", SyntheticData.DriftGenerators)}.",
            DefaultValueFactory = _ => 0,
        }.Within(0, 1);

        var command = new Command("synth", "Writes a synthetic data set (deterministic for a seed) as CSV.")
        {
            generator, rows, seed, output, drift,
        };
        command.SetAction((parse, ct) =>
        {
            var n = parse.GetValue(rows);
            var name = parse.GetValue(generator)!;
            var path = context.OutputFile(parse.GetValue(output), "--out");
            var watch = Stopwatch.StartNew();
            var shift = parse.GetValue(drift);
            if (shift != 0 && !SyntheticData.DriftGenerators.Contains(name, StringComparer.Ordinal))
            {
                throw new UsageException($"--drift: generator '{name}' takes no drift; generators with drift: {string.Join(", ", SyntheticData.DriftGenerators)}.");
            }

            var table = SyntheticData.Generate(name, n, parse.GetValue(seed), shift);
            CsvWriter.Write(table, path, ct);
            context.Error.WriteLine(
                $"wrote {table.RowCount.ToString(CultureInfo.InvariantCulture)} rows x {table.ColumnCount.ToString(CultureInfo.InvariantCulture)} columns of '{name}' to {path} " +
                $"(label: {SyntheticData.LabelOf(name)}) in {CommandLineValues.Seconds(watch.Elapsed)}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateFingerprint(CliContext context)
    {
        var path = new Argument<string>("PATH") { Description = "A CSV file, or a folder of CSV files (all with the same columns)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: path, digest, rows, columns, files." };
        var command = new Command("fingerprint", "Prints a stable digest of a data set's content (not its bytes), with its rows and columns: what 'mlops trigger check' compares.")
        {
            path, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var given = parse.GetValue(path)!;
            var fingerprint = DataFingerprint.Of(context.PathOf(given), ct) with { Path = given };
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    path = fingerprint.Path,
                    digest = fingerprint.Digest,
                    rows = fingerprint.Rows,
                    columns = fingerprint.Columns.Select(c => new { name = c.Name, type = c.Type }),
                    files = fingerprint.Files.Select(f => new { path = f.Path, digest = f.Digest, rows = f.Rows }),
                }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{fingerprint.Digest}  {fingerprint.Rows} rows x {fingerprint.Columns.Count} columns{(fingerprint.Files.Count > 0 ? $" in {fingerprint.Files.Count} files" : "")}  {fingerprint.Path}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
