using System.Diagnostics;
using System.Globalization;
using Toolkit.Ml.Training;

namespace Toolkit.Cli.Commands;

/// <summary>
/// Training progress as plain lines on stderr, at most one a second (plus the last), so long fits
/// show life without flooding CI logs.
/// </summary>
internal sealed class ProgressLines : IProgress<TrainingProgress>
{
    private readonly TextWriter _writer;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan _last = TimeSpan.Zero;

    public ProgressLines(TextWriter writer)
    {
        _writer = writer;
    }

    public void Report(TrainingProgress value)
    {
        lock (_gate)
        {
            var now = _clock.Elapsed;
            if (now - _last < TimeSpan.FromSeconds(1) && value.Current < value.Total)
            {
                return;
            }

            _last = now;
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {value.Stage} {value.Current}/{value.Total} ({now.TotalSeconds:0.0} s)"));
        }
    }
}
