using System.Text;

namespace Toolkit.Serving.Tests;

/// <summary>Completes <see cref="FirstLine"/> when the command prints its first line.</summary>
internal sealed class SignalWriter : StringWriter
{
    public TaskCompletionSource<string> FirstLine { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        FirstLine.TrySetResult(value ?? "");
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }
}
