using Toolkit.Pipelines.Spec;

namespace Toolkit.Components.Tests;

/// <summary><c>pipeline validate</c> and the component's own read apply the one declared check, so they agree.</summary>
public sealed class ParameterRangeTests : IDisposable
{
    private readonly ComponentHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static IReadOnlyList<PipelineDiagnostic> Validate(string component, string parameter, string value, string with = "")
    {
        var yaml = $$"""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: p
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: diabetes, rows: 100 }
              - name: s
                uses: {{component}}
                inputs: { {{(component == "data/synthesize" ? "" : component == "train/lasso" ? "train: ingest.dataset" : "dataset: ingest.dataset")}} }
                with: { {{parameter}}: {{value}}{{with}} }
            """;
        var loaded = PipelineLoader.Load(yaml, "p.yaml");
        loaded.Diagnostics.Should().BeEmpty();
        return PipelineValidator.Validate(loaded.Spec!, BuiltInComponents.Create());
    }

    [Theory]
    [InlineData("data/synthesize", "rows", "-5", "must be >= 1 and <= 10000000, not -5", ", generator: diabetes")]
    [InlineData("data/synthesize", "rows", "300000000", "must be >= 1 and <= 10000000", ", generator: diabetes")]
    [InlineData("data/split", "test_fraction", "1.5", "must be > 0 and < 1, not 1.5", "")]
    [InlineData("data/split", "test_fraction", "0", "must be > 0 and < 1, not 0", "")]
    [InlineData("data/validate", "max_null_fraction", "2", "must be >= 0 and <= 1", ", label: diabetes")]
    [InlineData("data/split", "test_fraction", "Infinity", "must be a finite number", "")]
    public async Task OutOfRange_ValidateAndRunRefuseWithTheSameWords(string component, string parameter, string value, string expected, string with)
    {
        var errors = Validate(component, parameter, value, with);

        errors.Should().ContainSingle().Which.Message.Should().Contain(expected);
        errors[0].Position.Line.Should().Be(11, "the line of the step's with:");

        var parameters = new Dictionary<string, string> { [parameter] = value };
        foreach (var pair in with.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = pair.Split(':', 2, StringSplitOptions.TrimEntries);
            parameters[kv[0]] = kv[1];
        }

        var data = _h.File("data.csv");
        await _h.RunAsync("data/synthesize", new Dictionary<string, string> { ["generator"] = "diabetes", ["rows"] = "100" }, null, "dataset=data.csv");
        var inputs = component switch
        {
            "data/synthesize" => null,
            "train/lasso" => new Dictionary<string, string[]> { ["train"] = [data] },
            _ => new Dictionary<string, string[]> { ["dataset"] = [data] },
        };
        var outputs = component switch
        {
            "data/synthesize" => new[] { "dataset=out.csv" },
            "data/split" => ["train=train.csv", "test=test.csv"],
            "data/validate" => ["report=report.json"],
            _ => ["model=model.tkm"],
        };
        var run = () => _h.RunAsync(component, parameters, inputs, outputs);

        (await run.Should().ThrowAsync<ComponentArgumentException>()).Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void HyperparameterOutOfItsRange_RefusedByValidate()
    {
        Validate("train/lasso", "alpha", "-1", ", label: diabetes").Should().ContainSingle()
            .Which.Message.Should().Contain("parameter 'alpha' must be > 0, not -1");
    }

    [Fact]
    public void InRange_Validates()
    {
        Validate("data/split", "test_fraction", "0.3").Should().BeEmpty();
        Validate("data/synthesize", "rows", "500", ", generator: diabetes").Should().BeEmpty();
    }
}
