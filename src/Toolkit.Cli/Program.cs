using System.Runtime.InteropServices;
using Toolkit.Cli;

// Ctrl+C and SIGTERM cancel the command's token: running steps stop, their processes and containers
// are cleaned up, and the run is recorded as cancelled. A second signal ends the process at once.
using var cancellation = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    if (cancellation.IsCancellationRequested)
    {
        return; // let the default handling terminate the process
    }

    context.Cancel = true;
    Console.Error.WriteLine("mlops: stopping (press Ctrl+C again to force)...");
    cancellation.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token);
