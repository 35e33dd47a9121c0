using YamlDotNet.RepresentationModel;

namespace Toolkit.Build.Tests;

/// <summary>
/// monitor.yml and retrain.yml: the commands they run and when (GitHub's parser, Check.Workflows, sees
/// only that they are valid workflows).
/// </summary>
public sealed class MonitoringWorkflowTests
{
    [Fact]
    public void Monitor_MonitorStep_RunsMlopsMonitorForProdWithLogOrDataAndWritesTheSummary()
    {
        var run = Run(Step("monitor.yml", "monitor", "monitor"));

        run.Should().Contain("mlops monitor \"$MODEL\" --stage prod --log \"$MONITOR_LOG\"")
            .And.Contain("mlops monitor \"$MODEL\" --stage prod --data \"$MONITOR_DATA\"")
            .And.Contain("--html artifacts/monitor/report.html --markdown artifacts/monitor/report.md")
            .And.Contain(">> \"$GITHUB_STEP_SUMMARY\"")
            .And.Contain("echo \"exit=$code\" >> \"$GITHUB_OUTPUT\"")
            .And.Contain("reason=$(jq -r .reason artifacts/monitor/report.json)");
        run.Should().Contain("dotnet run --project src/Toolkit.Cli", "mlops is the CLI of this repository");
    }

    [Fact]
    public void Monitor_OnExit3_UploadsTheReportAndDispatchesRetrainWithTheReason()
    {
        var steps = Steps("monitor.yml", "monitor");
        var upload = steps.Single(s => Uses(s).StartsWith("actions/upload-artifact@", StringComparison.Ordinal));
        var retrain = steps.Single(s => Run(s).Contains("mlops trigger retrain \"$MODEL\" --reason \"$REASON\"", StringComparison.Ordinal));

        Text(upload, "if").Should().Be("steps.monitor.outputs.exit == '3'");
        ((YamlMappingNode)upload["with"])["path"].ToString().Should().Be("artifacts/monitor/");
        Text(retrain, "if").Should().Be("steps.monitor.outputs.exit == '3'");
        ((YamlMappingNode)retrain["env"])["REASON"].ToString().Should().Be("${{ steps.monitor.outputs.reason }}");
        ((YamlMappingNode)retrain["env"])["GITHUB_TOKEN"].ToString().Should().Be("${{ github.token }}");
        Job("monitor.yml", "monitor")["permissions"].Should().BeOfType<YamlMappingNode>()
            .Which["actions"].ToString().Should().Be("write", "a workflow dispatch needs actions: write");
        Triggers("monitor.yml").Should().Contain(["schedule", "workflow_dispatch"]);
    }

    [Fact]
    public void Monitor_NewTrainingData_TriggerCheckThenRetrainOnExit3()
    {
        var steps = Steps("monitor.yml", "monitor");
        var check = steps.Single(s => Run(s).Contains("mlops trigger check \"$MODEL\" --stage prod --data \"$TRAINING_DATA\"", StringComparison.Ordinal));
        var retrain = steps.Single(s => Run(s).Contains("mlops trigger retrain \"$MODEL\" --reason \"new data:", StringComparison.Ordinal));

        Text(check, "id").Should().Be("data");
        Text(retrain, "if").Should().Be("steps.data.outputs.exit == '3'");
        steps.IndexOf(retrain).Should().BeGreaterThan(steps.IndexOf(check));
    }

    [Fact]
    public void Retrain_Triggers_DispatchWithReasonAndModelScheduleAndNewData()
    {
        var on = (YamlMappingNode)Root("retrain.yml")["on"];

        var inputs = (YamlMappingNode)((YamlMappingNode)on["workflow_dispatch"])["inputs"];
        inputs.Children.Keys.Select(k => k.ToString()).Should().BeEquivalentTo(["model", "reason"]);
        ((YamlSequenceNode)on["schedule"]).Children.Should().ContainSingle();
        ((YamlSequenceNode)((YamlMappingNode)on["repository_dispatch"])["types"]).Children.Select(t => t.ToString()).Should().Equal("new-data");
    }

    [Fact]
    public void Retrain_Release_CallsTheReleasePathWithTheTriggersReason()
    {
        var release = Job("retrain.yml", "release");
        var with = (YamlMappingNode)release["with"];

        release["uses"].ToString().Should().Be("./.github/workflows/toolkit-release.yml");
        with["model"].ToString().Should().Be("${{ needs.trigger.outputs.model }}");
        with["reason"].ToString().Should().Be("${{ needs.trigger.outputs.reason }}");
        Run(Steps("retrain.yml", "trigger").Single()).Should().Contain("reason=\"retrain ($trigger): ");

        // The release path records the reason with the dev promotion (the audit log).
        var dev = Run(Steps("toolkit-release.yml", "dev").Single(s => Run(s).Contains("--target=Promote", StringComparison.Ordinal)));
        dev.Should().Contain("--stage=dev @reason").And.Contain("--reason=");
    }

    private static YamlMappingNode Root(string workflow)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(BuildCopy.RepositoryRoot, ".github", "workflows", workflow)))
        {
            yaml.Load(reader);
        }

        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static IEnumerable<string> Triggers(string workflow) =>
        ((YamlMappingNode)Root(workflow)["on"]).Children.Keys.Select(k => k.ToString());

    private static YamlMappingNode Job(string workflow, string job) => (YamlMappingNode)((YamlMappingNode)Root(workflow)["jobs"])[job];

    private static List<YamlMappingNode> Steps(string workflow, string job) =>
        ((YamlSequenceNode)Job(workflow, job)["steps"]).Children.Cast<YamlMappingNode>().ToList();

    private static YamlMappingNode Step(string workflow, string job, string id) =>
        Steps(workflow, job).Single(s => Text(s, "id") == id);

    private static string Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value.ToString() : string.Empty;

    private static string Run(YamlMappingNode step) => Text(step, "run");

    private static string Uses(YamlMappingNode step) => Text(step, "uses");
}
