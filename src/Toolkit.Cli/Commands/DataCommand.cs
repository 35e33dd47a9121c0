using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Data.Synthetic;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops data</c>: make and inspect data sets.</summary>
internal static class DataCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("data", "Make and inspect data sets.");
        command.Subcommands.Add(CreateSynth(context));
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

        var command = new Command("synth", "Writes a synthetic data set (deterministic for a seed) as CSV.")
        {
            generator, rows, seed, output,
        };
        command.SetAction((parse, ct) =>
        {
            var n = parse.GetValue(rows);
            var name = parse.GetValue(generator)!;
            var path = context.OutputFile(parse.GetValue(output), "--out");
            var watch = Stopwatch.StartNew();
            var table = SyntheticData.Generate(name, n, parse.GetValue(seed));
            CsvWriter.Write(table, path, ct);
            context.Error.WriteLine(
                $"wrote {table.RowCount.ToString(CultureInfo.InvariantCulture)} rows x {table.ColumnCount.ToString(CultureInfo.InvariantCulture)} columns of '{name}' to {path} " +
                $"(label: {SyntheticData.LabelOf(name)}) in {CommandLineValues.Seconds(watch.Elapsed)}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
