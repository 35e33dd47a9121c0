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
/// A <c>run:</c> command sees its inputs, outputs and parameters as the <see cref="StepProtocol"/>
/// variables (<c>TOOLKIT_INPUT_X</c>, ...); it may write a JSON object of scalar values
/// (e.g. <c>{"auc": 0.91}</c>) to <c>TOOLKIT_VALUES</c> that later steps read as <c>steps.X.outputs.auc</c>.
/// The same paths are available inside the command as <c>${{ inputs.x }}</c> and <c>${{ outputs.y }}</c>.
/// </remarks>
public sealed class LocalExecutor : IStepExecutor
{
    public string Name => "local";

    public ValueTask<string?> CacheIdentityAsync(Spec.StepSpec step, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);

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
                ProjectDirectory = invocation.ProjectDirectory,
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
        var valuesFile = Path.Combine(invocation.WorkDirectory, StepProtocol.ValuesFileName);
        var start = OperatingSystem.IsWindows()
            ? new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", command } }
            : new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", command } };
        start.WorkingDirectory = invocation.ProjectDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // A clean environment, not the caller's: see StepProtocol.InheritedEnvironment.
        start.Environment.Clear();
        foreach (var (name, value) in StepProtocol.InheritedEnvironment(Environment.GetEnvironmentVariables(), invocation.Step.Env))
        {
            start.Environment[name] = value;
        }

        var environment = StepProtocol.CommandEnvironment(
            invocation.Inputs, invocation.Outputs, invocation.Parameters, valuesFile, invocation.WorkDirectory,
            invocation.RunId, invocation.Step.Name, Path.PathSeparator);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

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
                throw new StepFailedException($"the command did not write its output '{name}' ({StepProtocol.OutputPrefix}{StepProtocol.EnvName(name)}={path})", 0);
            }
        }

        return new StepExecution(StepProtocol.ReadValues(valuesFile), 0);
    }
}
