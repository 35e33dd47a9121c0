using System.CommandLine;

namespace Toolkit.Cli.Commands;

/// <summary>Every top-level command of <c>mlops</c>, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliContext context) =>
    [
        DataCommand.Create(context),
        TrainCommand.Create(context),
        EvaluateCommand.Create(context),
        PredictCommand.Create(context),
        ModelCommand.Create(context),
        AlgorithmsCommand.Create(context),
        PipelineCommand.Create(context),
        RunsCommand.Create(context),
        RunsCommand.CreateLineage(context),
        ArtifactsCommand.Create(context),
        ComponentCommand.Create(context),
        ImageCommand.Create(context),
        GateCommand.Create(context),
        ServeCommand.Create(context),
        LoadTestCommand.Create(context),
        DeployCommand.Create(context),
        DeployCommand.CreateDeployments(context),
        GitHubCommand.Create(context),
        DriftCommand.Create(context),
        MonitorCommand.Create(context),
        TriggerCommand.Create(context),
    ];
}
