using System.CommandLine;
using Toolkit.Ml.Training;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops algorithms</c>: every algorithm with its tasks and hyperparameters.</summary>
internal static class AlgorithmsCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("algorithms", "Lists the algorithms, the tasks they support and their hyperparameters.") { json };
        command.SetAction(async (parse, ct) =>
        {
            var algorithms = AlgorithmCatalog.Default.Names.Select(AlgorithmCatalog.Default.Get).ToArray();
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    algorithms = algorithms.Select(a => new
                    {
                        name = a.Name,
                        description = a.Description,
                        tasks = Enum.GetValues<ModelTask>().Where(a.Supports).Select(t => t.ToName()),
                        parameters = a.Parameters.Select(p => new { name = p.Name, @default = p.Default, valid = p.RangeText, description = p.Description }),
                    }),
                }, ct);
                return ExitCodes.Ok;
            }

            foreach (var a in algorithms)
            {
                var tasks = string.Join(", ", Enum.GetValues<ModelTask>().Where(a.Supports).Select(t => t.ToName()));
                await context.Output.WriteLineAsync($"{a.Name} ({tasks}): {a.Description}");
                foreach (var p in a.Parameters)
                {
                    await context.Output.WriteLineAsync($"  {p.Name,-22} default {p.Default,-8} {p.RangeText}: {p.Description}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
