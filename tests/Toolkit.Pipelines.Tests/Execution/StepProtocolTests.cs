using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Execution;

namespace Toolkit.Pipelines.Tests.Execution;

public sealed class StepProtocolTests
{
    [Fact]
    public void ComponentArguments_ParsedBack_GiveTheSameCall()
    {
        var call = new ComponentCall
        {
            Component = "evaluate/classification",
            Inputs = new Dictionary<string, IReadOnlyList<string>> { ["models"] = ["/in/models/0/a.tkm", "/in/models/1/b.tkm"], ["test"] = ["/in/test/0/t.csv"] },
            Parameters = new Dictionary<string, string> { ["expr"] = "a=b", ["padded"] = "  x  ", ["json"] = "[\"1\",\"2\"]" },
            Outputs = new Dictionary<string, string> { ["report"] = "/out/report/report" },
            ValuesPath = "/out/_values.json",
        };

        var args = StepProtocol.ComponentArguments(call);
        var parsed = StepProtocol.ParseComponentCall(args[0], ValuesOf(args, "--input"), ValuesOf(args, "--param"), ValuesOf(args, "--output"), ValuesOf(args, "--values").Single());

        parsed.Component.Should().Be(call.Component);
        parsed.Inputs.Should().BeEquivalentTo(call.Inputs, o => o.WithStrictOrdering());
        parsed.Parameters.Should().Equal(call.Parameters, "values are kept exactly: '=' inside and spaces around");
        parsed.Outputs.Should().Equal(call.Outputs);
        parsed.ValuesPath.Should().Be(call.ValuesPath);
    }

    [Fact]
    public void ParseComponentCall_NoEquals_ThrowsNamingTheOption()
    {
        var act = () => StepProtocol.ParseComponentCall("data/split", ["dataset"], null, null, null);

        act.Should().Throw<StepProtocolException>().WithMessage("--input expects name=value, got 'dataset'.");
    }

    [Fact]
    public async Task WriteValues_ReadValues_RoundTripValuesAndLabels()
    {
        var path = Path.Combine(Path.GetTempPath(), "toolkit-values-" + Guid.NewGuid().ToString("N") + ".json");
        var result = new ComponentResult
        {
            Values = new Dictionary<string, double> { ["auc"] = 0.912345678901, ["rows"] = 300, ["loss"] = double.NaN },
            Labels = new Dictionary<string, string> { ["best"] = "forest" },
        };
        try
        {
            await StepProtocol.WriteValuesAsync(path, result);
            var read = StepProtocol.ReadValues(path);

            read.Values.Keys.Should().BeEquivalentTo(["auc", "rows", "loss"]);
            read.Values["auc"].Should().Be(0.912345678901);
            read.Values["rows"].Should().Be(300);
            double.IsNaN(read.Values["loss"]).Should().BeTrue("a value JSON cannot hold still comes back as a value");
            read.Labels.Should().Equal(result.Labels);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CommandEnvironment_NamesEveryVariable()
    {
        var env = StepProtocol.CommandEnvironment(
            new Dictionary<string, IReadOnlyList<string>> { ["train-set"] = ["/a", "/b"] },
            new Dictionary<string, string> { ["out"] = "/o" },
            new Dictionary<string, string> { ["max-depth"] = "3" },
            "/v.json", "/w", "run-1", "step-1", ':');

        env.Should().Equal(new Dictionary<string, string>
        {
            ["TOOLKIT_INPUT_TRAIN_SET"] = "/a:/b",
            ["TOOLKIT_OUTPUT_OUT"] = "/o",
            ["TOOLKIT_PARAM_MAX_DEPTH"] = "3",
            ["TOOLKIT_VALUES"] = "/v.json",
            ["TOOLKIT_WORK"] = "/w",
            ["TOOLKIT_RUN_ID"] = "run-1",
            ["TOOLKIT_STEP"] = "step-1",
        });
    }

    private static List<string> ValuesOf(IReadOnlyList<string> args, string option) =>
        [.. args.Select((a, i) => (a, i)).Where(x => x.a == option).Select(x => args[x.i + 1])];
}
