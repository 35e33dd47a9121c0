using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Toolkit.Cli.Commands;
using Toolkit.Components;
using Toolkit.Gates;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Pipelines.Execution;
using Toolkit.Pipelines.Project;
using Toolkit.Pipelines.Spec;
using Toolkit.Registry;
using Toolkit.Registry.Promotion;
using Toolkit.Sdk.Hosting;

namespace Toolkit.Cli;

/// <summary>
/// Builds the <c>mlops</c> command tree and runs it, turning every failure into one line on stderr
/// and a documented exit code (see <see cref="ExitCodes"/>).
/// </summary>
internal static class CliApp
{
    public static readonly Option<bool> VerboseOption = new("--verbose")
    {
        Description = "Show details on errors (exception type and stack trace).",
        Recursive = true,
    };

    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("mlops: train, evaluate, gate, register and ship ML models the way software ships.");
        root.Options.Add(VerboseOption);

        // The default --version reads the entry assembly, which is the test host when run in-process.
        foreach (var option in root.Options.OfType<VersionOption>())
        {
            option.Action = new PrintVersionAction();
        }
        foreach (var command in CommandCatalog.Create(context))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, Environment.CurrentDirectory, cancellationToken);

    /// <summary>Runs as if started in <paramref name="workingDirectory"/> (the project is found from there; relative paths start there).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string workingDirectory, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(output, error, workingDirectory);
        TeamAssemblies.BeginScope();
        TeamTransformHost.Use(context, cancellationToken);
        var root = Build(context);
        var parse = root.Parse(args);
        var verbose = parse.GetValue(VerboseOption);
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync($"mlops: error: {ParseErrors.OneLine(parse)}");
            return ExitCodes.BadInput;
        }

        var config = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,

            // Program.cs owns signal handling and passes its token in.
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parse.InvokeAsync(config, cancellationToken);
        }
        catch (Exception ex)
        {
            var code = ExitCodeFor(ex);
            await error.WriteLineAsync($"mlops: error: {OneLine(ex)}");
            if (verbose)
            {
                await error.WriteLineAsync(ex.ToString());
            }

            return code;
        }
    }

    /// <summary>The one table that maps failures to exit codes.</summary>
    internal static int ExitCodeFor(Exception ex) => ex switch
    {
        CommandFailedException failed => failed.ExitCode,
        UsageException or DataFormatException or InvalidParameterException => ExitCodes.BadInput,
        PipelineParameterException or ProjectSettingsException or ComponentArgumentException or ExpressionException => ExitCodes.BadInput,
        ModelPolicyException or GateInputException or PromotionRefusedException or RegistryException => ExitCodes.BadInput,
        FileNotFoundException or DirectoryNotFoundException or ModelFileException or OutputPathException => ExitCodes.BadInput,
        _ => ExitCodes.Failure,
    };

    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return ExitCodes.Ok;
        }
    }

    private static string OneLine(Exception ex)
    {
        var message = ex is OperationCanceledException ? "cancelled" : ex.Message;
        return message.ReplaceLineEndings(" ").Trim();
    }
}
