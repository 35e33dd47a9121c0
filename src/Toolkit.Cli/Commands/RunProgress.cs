using System.Globalization;
using Spectre.Console;
using Toolkit.Pipelines.Execution;

namespace Toolkit.Cli.Commands;

/// <summary>
/// Live progress of a pipeline run: a table redrawn in place in a terminal, or plain timestamped
/// lines when stderr is a file, a pipe or a CI log.
/// </summary>
internal static class RunProgress
{
    public static bool IsInteractive(CliContext context) =>
        ReferenceEquals(context.Error, Console.Error)
        && !Console.IsErrorRedirected
        && Environment.GetEnvironmentVariable("CI") is null
        && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>Runs <paramref name="work"/> while showing its events; returns what it returns.</summary>
    public static async Task<T> ShowAsync<T>(CliContext context, IReadOnlyList<string> steps, Func<IProgress<RunEvent>, Task<T>> work)
    {
        if (!IsInteractive(context))
        {
            return await work(new PlainLines(context.Error));
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var live = new LiveTable(steps);
        T result = default!;
        await console.Live(live.Render()).AutoClear(false).StartAsync(async ctx =>
        {
            live.Attach(ctx);
            result = await work(live);
            ctx.UpdateTarget(live.Render());
        });
        return result;
    }

    private static string Clock(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    /// <summary>One line per event: time of day, elapsed, step, what happened.</summary>
    private sealed class PlainLines(TextWriter writer) : IProgress<RunEvent>
    {
        private readonly Lock _gate = new();

        public void Report(RunEvent value)
        {
            var what = value.Kind switch
            {
                RunEventKind.RunStarted => "started",
                RunEventKind.StepStarted => "running",
                RunEventKind.StepCached => "cached",
                RunEventKind.StepRetrying => "retrying",
                RunEventKind.StepSucceeded => "succeeded",
                RunEventKind.StepFailed => "FAILED",
                RunEventKind.StepSkipped => "skipped",
                RunEventKind.StepCancelled => "cancelled",
                _ => "finished",
            };
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:HH:mm:ss} +{Clock(value.Elapsed),-7} {value.Step ?? "run",-18} {what,-10} {(value.Message == what ? "" : value.Message)}");
            lock (_gate)
            {
                writer.WriteLine(line.TrimEnd());
            }
        }
    }

    /// <summary>A table with one row per step, updated as events arrive.</summary>
    private sealed class LiveTable(IReadOnlyList<string> steps) : IProgress<RunEvent>
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, (string Status, string Detail)> _rows = steps.ToDictionary(s => s, _ => ("[grey]waiting[/]", ""));
        private LiveDisplayContext? _context;
        private string _title = "run";

        public void Attach(LiveDisplayContext context) => _context = context;

        public void Report(RunEvent value)
        {
            lock (_gate)
            {
                if (value.Step is null)
                {
                    _title = value.Message;
                }
                else
                {
                    _rows[value.Step] = value.Kind switch
                    {
                        RunEventKind.StepStarted => ("[yellow]running[/]", Clock(value.Elapsed)),
                        RunEventKind.StepCached => ("[blue]cached[/]", ""),
                        RunEventKind.StepRetrying => ("[yellow]retrying[/]", Markup.Escape(value.Message)),
                        RunEventKind.StepSucceeded => ("[green]succeeded[/]", Clock(value.Elapsed)),
                        RunEventKind.StepFailed => ("[red]failed[/]", Markup.Escape(value.Message)),
                        RunEventKind.StepSkipped => ("[grey]skipped[/]", Markup.Escape(value.Message)),
                        _ => ("[grey]cancelled[/]", Markup.Escape(value.Message)),
                    };
                }

                _context?.UpdateTarget(Render());
            }
        }

        public Table Render()
        {
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(_title)).AddColumn("step").AddColumn("status").AddColumn("detail");
            foreach (var s in steps)
            {
                table.AddRow(Markup.Escape(s), _rows[s].Status, _rows[s].Detail);
            }

            return table;
        }
    }
}
