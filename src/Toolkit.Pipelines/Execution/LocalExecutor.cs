using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Toolkit.Pipelines.Components;

namespace Toolkit.Pipelines.Execution;

/// <summary>
/// The default executor: components run in this process (fastest); <c>run:</c> steps run as child
/// processes through <c>/bin/sh -c</c> (or <c>cmd /c</c> on Windows) in the project folder.
/// </summary>
/// <remarks>
/// A <c>run:</c> command sees its inputs, outputs and parameters as environment variables:
/// <c>TOOLKIT_INPUT_&lt;NAME&gt;</c> (a path; several paths are separated by the path separator),
/// <c>TOOLKIT_OUTPUT_&lt;NAME&gt;</c> (the path to write), <c>TOOLKIT_PARAM_&lt;NAME&gt;</c>, names upper-cased
/// with dashes as underscores, and <c>TOOLKIT_VALUES</c>: a file where it may write a JSON object
/// of scalar values (e.g. <c>{"auc": 0.91}</c>) that later steps read as <c>steps.X.outputs.auc</c>;
/// <c>TOOLKIT_WORK</c>, a scratch folder of the attempt.
/// The same paths are available inside the command as <c>${{ inputs.x }}</c> and <c>${{ outputs.y }}</c>.
/// </remarks>
public sealed class LocalExecutor : IStepExecutor
{
    public string Name => "local";

    public string? CacheIdentity(Spec.StepSpec step) => null;

    public async Task<StepExecution> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        if (invocation.Component is { } component)
        {
            var context = new ComponentContext
            {
                Inputs = invocation.Inputs,
                Parameters = invocation.Parameters,
                Outputs = invocation.Outputs,
                Log = invocation.Log,
                MaxThreads = invocation.MaxThreads,
            };

            // Components are CPU-bound; run them off the scheduler's thread so steps overlap.
            var result = await Task.Run(() => component.RunAsync(context, cancellationToken), cancellationToken);
            return new StepExecution(result, 0);
        }

        return await RunProcessAsync(invocation, cancellationToken);
    }

    private static async Task<StepExecution> RunProcessAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var command = invocation.Command ?? throw new InvalidOperationException($"Step '{invocation.Step.Name}' has no command.");
        var valuesFile = Path.Combine(invocation.WorkDirectory, "values.json");
        var start = OperatingSystem.IsWindows()
            ? new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", command } }
            : new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", command } };
        start.WorkingDirectory = invocation.ProjectDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        foreach (var (name, paths) in invocation.Inputs)
        {
            start.Environment["TOOLKIT_INPUT_" + EnvName(name)] = string.Join(Path.PathSeparator, paths);
        }

        foreach (var (name, path) in invocation.Outputs)
        {
            start.Environment["TOOLKIT_OUTPUT_" + EnvName(name)] = path;
        }

        foreach (var (name, value) in invocation.Parameters)
        {
            start.Environment["TOOLKIT_PARAM_" + EnvName(name)] = value;
        }

        start.Environment["TOOLKIT_VALUES"] = valuesFile;
        start.Environment["TOOLKIT_WORK"] = invocation.WorkDirectory;
        start.Environment["TOOLKIT_RUN_ID"] = invocation.RunId;
        start.Environment["TOOLKIT_STEP"] = invocation.Step.Name;

        using var process = new Process { StartInfo = start };
        var log = TextWriter.Synchronized(invocation.Log);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                log.WriteLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                log.WriteLine(e.Data);
            }
        };

        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new StepFailedException($"could not start '{start.FileName}': {ex.Message}", null, ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stop the whole tree: a shell's children must not outlive a cancelled or timed-out step.
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        // Make sure the asynchronous readers have drained before the log is closed.
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new StepFailedException(
                string.Create(CultureInfo.InvariantCulture, $"command exited with code {process.ExitCode}"), process.ExitCode);
        }

        foreach (var (name, path) in invocation.Outputs)
        {
            if (!File.Exists(path))
            {
                throw new StepFailedException($"the command did not write its output '{name}' (TOOLKIT_OUTPUT_{EnvName(name)}={path})", 0);
            }
        }

        return new StepExecution(StepValues.Read(valuesFile), 0);
    }

    internal static string EnvName(string name) => name.ToUpperInvariant().Replace('-', '_');
}
