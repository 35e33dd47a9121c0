using Toolkit.Ml.Training;

namespace Toolkit.Gates.Tests;

public sealed class ModelPolicyTests
{
    private const string Valid = """
        apiVersion: toolkit/v1
        kind: Model
        name: diabetes
        task: binary-classification
        description: risk model
        pipeline: pipelines/diabetes.yaml
        primary_metric: auc
        gates:
          thresholds: ["auc >= 0.80", "log_loss <= 0.35"]
          regression:
            - { metric: auc, max_drop: 0.005 }
            - { metric: log_loss, max_increase_relative: 0.05 }
          data: { min_rows: 1000, max_null_fraction: 0.2, min_class_fraction: 0.05 }
          model: { max_size_mb: 50, signature: identical }
        stages:
          dev:     { approvals: 0 }
          preprod: { approvals: 1, approvers: [ml-leads] }
          prod:    { approvals: 2, approvers: [ml-leads, release-managers] }
        serving: { port: 9090, max_batch: 500 }
        """;

    private static IReadOnlyList<PolicyDiagnostic> Errors(string yaml)
    {
        var act = () => ModelPolicy.Parse(yaml, "models/x/model.yaml");
        return act.Should().Throw<ModelPolicyException>().Which.Diagnostics;
    }

    [Fact]
    public void Parse_NestedThousandsDeep_OneErrorNoCrash()
    {
        var yaml = Valid + "\n" + "description2: " + new string('[', 20_000) + new string(']', 20_000) + "\n";

        var error = Errors(yaml).Should().ContainSingle().Subject;

        error.Message.Should().Contain("levels deep");
        error.File.Should().Be("models/x/model.yaml");
    }

    [Fact]
    public void Parse_SameTypoAsInAPipeline_SameSuggestion()
    {
        // The pipeline reader and this one share one did-you-mean: "primary_metirc" is a slip for one field.
        var error = Errors(Valid.Replace("primary_metric: auc", "primary_metirc: auc", StringComparison.Ordinal)).Should().ContainSingle().Subject;

        error.Message.Should().Contain("did you mean 'primary_metric'?");
    }

    [Fact]
    public void Parse_ValidPolicy_ReadsEveryField()
    {
        var policy = ModelPolicy.Parse(Valid, "model.yaml");

        policy.Name.Should().Be("diabetes");
        policy.Task.Should().Be(ModelTask.BinaryClassification);
        policy.Description.Should().Be("risk model");
        policy.Pipeline.Should().Be("pipelines/diabetes.yaml");
        policy.PrimaryMetric.Should().Be("auc");
        policy.Thresholds.Should().Equal(new ThresholdRule("auc", ">=", 0.80), new ThresholdRule("log_loss", "<=", 0.35));
        policy.Regression.Should().Equal(new RegressionRule("auc", "max_drop", 0.005), new RegressionRule("log_loss", "max_increase_relative", 0.05));
        policy.Regression[1].Relative.Should().BeTrue();
        policy.Data.Should().Be(new DataGate { MinRows = 1000, MaxNullFraction = 0.2, MinClassFraction = 0.05 });
        policy.Model.Should().Be(new ModelGate { MaxSizeMb = 50, Signature = SignatureRule.Identical });
        policy.Stage("dev").Approvals.Should().Be(0);
        policy.Stage("preprod").Approvers.Should().Equal("ml-leads");
        policy.Stage("prod").Approvals.Should().Be(2);
        policy.Serving.Should().Be(new ServingPolicy { Port = 9090, MaxBatch = 500 });
    }

    [Fact]
    public void Parse_MinimalPolicy_DefaultsPrimaryMetricAndSignature()
    {
        var policy = ModelPolicy.Parse("apiVersion: toolkit/v1\nkind: Model\nname: housing\ntask: regression\n", "m.yaml");

        policy.PrimaryMetric.Should().Be("rmse");
        policy.Model.Signature.Should().Be(SignatureRule.Compatible);
        policy.Thresholds.Should().BeEmpty();
        policy.Stage("prod").Approvals.Should().Be(0);
        policy.Serving.Should().BeNull();
    }

    [Fact]
    public void Parse_ManyErrors_ReportsAllAtOnceWithFileLineColumnAndField()
    {
        var errors = Errors("""
            apiVersion: toolkit/v2
            kind: Model
            name: Diabetes
            task: binary-classification
            gates:
              thresholds: ["acu >= 0.80", "log_loss => 0.35", "auc >= .inf"]
              regression:
                - { metric: log_loss, max_drop: 0.01 }
                - { metric: auc, max_drop: -1 }
              data: { min_rows: -5, max_null_fraction: 1.5 }
              model: { max_size_mb: 0, signature: compatable }
            stages:
              production: { approvals: 1 }
              prod: { approvals: 3, approvers: [ml-leads] }
            serving: { port: 70000 }
            """);

        // Positions counted by hand: 1-based, at the offending value (or key, for unknown keys).
        errors.Select(e => (e.Line, e.Column, e.Field)).Should().Equal(
            (1, 13, "apiVersion"),
            (3, 7, "name"),
            (6, 16, "gates.thresholds[0]"),
            (6, 31, "gates.thresholds[1]"),
            (6, 51, "gates.thresholds[2]"),
            (8, 37, "gates.regression[0].max_drop"),
            (9, 32, "gates.regression[1].max_drop"),
            (10, 21, "gates.data.min_rows"),
            (10, 44, "gates.data.max_null_fraction"),
            (11, 25, "gates.model.max_size_mb"),
            (11, 39, "gates.model.signature"),
            (13, 3, "stages.production"),
            (14, 22, "stages.prod.approvals"),
            (15, 18, "serving.port"));
        errors.Should().OnlyContain(e => e.File == "models/x/model.yaml");
        errors[2].Message.Should().Contain("did you mean 'auc'");
        errors[3].Message.Should().Contain("unknown operator '=>'");
        errors[4].Message.Should().Contain("not a finite number");
        errors[5].Message.Should().Contain("use max_increase");
        errors[10].Message.Should().Contain("did you mean 'compatible'");
        errors[11].Message.Should().Contain("did you mean 'prod'");
        errors[12].Message.Should().Contain("3 approvals are needed but only 1 approver(s)");
    }

    [Fact]
    public void Parse_UnknownField_SuggestsTheClosestName()
    {
        var errors = Errors("""
            apiVersion: toolkit/v1
            kind: Model
            name: m
            task: regression
            gates:
              thresolds: ["rmse <= 70"]
            """);

        var error = errors.Should().ContainSingle().Which;
        error.Should().BeEquivalentTo(new { Line = 6, Column = 3, Field = "gates.thresolds" });
        error.Message.Should().Contain("unknown field 'thresolds'").And.Contain("did you mean 'thresholds'");
        error.ToString().Should().StartWith("models/x/model.yaml:6:3: gates.thresolds: ");
    }

    [Fact]
    public void Parse_MissingRequiredFieldsAndUnknownTask_NameEach()
    {
        var errors = Errors("""
            apiVersion: toolkit/v1
            kind: Modle
            task: regresion
            """);

        errors.Select(e => e.Field).Should().BeEquivalentTo("kind", "name", "task");
        errors.Single(e => e.Field == "name").Message.Should().Contain("required field 'name' is missing");
        errors.Single(e => e.Field == "task").Message.Should().Contain("did you mean 'regression'");
        errors.Single(e => e.Field == "kind").Message.Should().Contain("kind must be 'Model'");
    }

    [Fact]
    public void Parse_MetricOfTheOtherTask_IsRefused()
    {
        var errors = Errors("""
            apiVersion: toolkit/v1
            kind: Model
            name: m
            task: regression
            primary_metric: auc
            gates:
              data: { min_class_fraction: 0.1 }
            """);

        errors.Should().HaveCount(2);
        errors[0].Message.Should().Contain("'auc' is not a regression metric");
        errors[1].Field.Should().Be("gates.data.min_class_fraction");
    }

    [Fact]
    public void Parse_RegressionRuleWithTwoTolerances_IsRefused()
    {
        var errors = Errors("""
            apiVersion: toolkit/v1
            kind: Model
            name: m
            task: regression
            gates:
              regression:
                - { metric: rmse, max_increase: 1, max_increase_relative: 0.1 }
                - { metric: rmse }
            """);

        errors.Select(e => (e.Line, e.Field)).Should().Equal((7, "gates.regression[0]"), (8, "gates.regression[1]"));
        errors[0].Message.Should().Contain("give one tolerance, not 2");
    }

    [Fact]
    public void Parse_BrokenYaml_ReportsPosition()
    {
        var errors = Errors("apiVersion: toolkit/v1\nkind: Model\nname: \"x\n");

        var error = errors.Should().ContainSingle().Which;
        error.Field.Should().Be("(yaml)");
        error.Line.Should().Be(3);
        error.Message.Should().StartWith("not valid YAML");
    }

    [Fact]
    public void Parse_UnclosedFlowSequence_IsAPolicyErrorNotACrash()
    {
        // YamlDotNet 16.3 throws InvalidOperationException on this input rather than a YamlException.
        Errors("apiVersion: toolkit/v1\nkind: [Model\nname: x\n").Should().ContainSingle().Which.Field.Should().Be("(yaml)");
    }

    [Fact]
    public void Parse_DuplicateKey_IsReported()
    {
        var errors = Errors("apiVersion: toolkit/v1\nkind: Model\nname: a\nname: b\ntask: regression\n");

        errors.Should().ContainSingle().Which.Line.Should().Be(4);
    }

    [Theory]
    [InlineData("diabetes", ModelTask.BinaryClassification)]
    [InlineData("housing", ModelTask.Regression)]
    public void Load_ReferencePolicies_AreValid(string name, ModelTask task)
    {
        var policy = ModelPolicy.Load(Path.Combine(TestData.RepoRoot(), "models", name, "model.yaml"));

        policy.Name.Should().Be(name);
        policy.Task.Should().Be(task);
        policy.Pipeline.Should().Be($"pipelines/{name}.yaml");
        File.Exists(Path.Combine(TestData.RepoRoot(), policy.Pipeline!)).Should().BeTrue();
        policy.Thresholds.Should().NotBeEmpty();
        policy.Regression.Should().NotBeEmpty();
        policy.Stage("dev").Approvals.Should().Be(0);
        policy.Stage("preprod").Approvals.Should().BeGreaterThanOrEqualTo(1);
        policy.Stage("prod").Approvals.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public void Parse_ServingSection_ReadsPortsSloLoadTestAndPredictionLog()
    {
        var policy = ModelPolicy.Parse("""
            apiVersion: toolkit/v1
            kind: Model
            name: diabetes
            task: binary-classification
            serving:
              max_batch: 200
              smoke_rows: 7
              ports: { dev: 9001, prod: 9003 }
              slo: { p99_ms: 25, min_rps: 300, max_error_rate: 0.01 }
              load_test: { duration_s: 2.5, concurrency: 4, rows: 10 }
              prediction_log: { sample_rate: 0.25, max_mb: 2, files: 3 }
            """, "m.yaml");

        var serving = policy.Serving!;
        serving.MaxBatch.Should().Be(200);
        serving.SmokeRows.Should().Be(7);
        serving.PortOf("dev").Should().Be(9001);
        serving.PortOf("preprod").Should().Be(8082, "a stage the file leaves out keeps its default port");
        serving.PortOf("prod").Should().Be(9003);
        serving.Slo.Should().Be(new ServiceLevelObjective { P99Ms = 25, MinRps = 300, MaxErrorRate = 0.01 });
        serving.LoadTest.Should().Be(new LoadTestPolicy { DurationSeconds = 2.5, Concurrency = 4, Rows = 10 });
        serving.PredictionLog.Should().Be(new PredictionLogPolicy { SampleRate = 0.25, MaxMb = 2, Files = 3 });
    }

    [Fact]
    public void Parse_ServingWithoutSlo_ChecksNothingAndUsesDefaultPorts()
    {
        var serving = ModelPolicy.Parse("apiVersion: toolkit/v1\nkind: Model\nname: m\ntask: regression\nserving: { max_batch: 10 }\n", "m.yaml").Serving!;

        serving.Slo.Should().Be(new ServiceLevelObjective());
        serving.PortOf("dev").Should().Be(8081);
        serving.PortOf("prod").Should().Be(8083);
    }

    [Fact]
    public void Parse_BadServingValues_NameEachFieldAndLine()
    {
        var errors = Errors("""
            apiVersion: toolkit/v1
            kind: Model
            name: x
            task: regression
            serving:
              ports: { dev: 8081, preprod: 8081, staging: 9000 }
              slo: { p99_ms: 0, min_rps: -3, max_error_rate: 2, p95_ms: 4 }
              load_test: { duration_s: 9000, concurrency: 0 }
              prediction_log: { sample_rate: 1.5 }
            """);

        errors.Select(e => e.Field).Should().Contain(
        [
            "serving.ports", "serving.ports.staging", "serving.slo.p99_ms", "serving.slo.min_rps",
            "serving.slo.max_error_rate", "serving.slo.p95_ms", "serving.load_test.duration_s",
            "serving.load_test.concurrency", "serving.prediction_log.sample_rate",
        ]);
        errors.Single(e => e.Field == "serving.ports.staging").Line.Should().Be(6);
        errors.Single(e => e.Field == "serving.prediction_log.sample_rate").Line.Should().Be(9);
        errors.Single(e => e.Field == "serving.ports").Message.Should().Contain("dev and preprod share port 8081");
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("model: { signature_required: true }\n", true)]
    [InlineData("model:\n  signature_required: false\n", false)]
    public void Parse_SignatureRequired_ReadFromTheModelSection(string section, bool expected)
    {
        var policy = ModelPolicy.Parse(Valid + "\n" + section, "model.yaml");

        policy.SignatureRequired.Should().Be(expected);
    }

    [Theory]
    [InlineData("model: { signature_required: yes-please }", "model.signature_required", "expected true or false, not 'yes-please'")]
    [InlineData("model: { signature_requried: true }", "model.signature_requried", "did you mean 'signature_required'?")]
    [InlineData("model: [signature_required]", "model", "a mapping such as { signature_required: true }")]
    [InlineData("model: { signature_required: [true] }", "model.signature_required", "expected a single value")]
    public void Parse_BadSignatureRequired_OneErrorNamingLineAndField(string section, string field, string message)
    {
        var yaml = Valid + "\n" + section + "\n";
        var line = yaml.Split('\n').Length - 1;

        var error = Errors(yaml).Should().ContainSingle().Subject;

        error.Field.Should().Be(field);
        error.Line.Should().Be(line);
        error.Message.Should().Contain(message);
        error.File.Should().Be("models/x/model.yaml");
    }

    [Fact]
    public void Load_NameDiffersFromFolder_RefusedNamingBoth()
    {
        var folder = Path.Combine(Path.GetTempPath(), "toolkit-policy-tests", Guid.NewGuid().ToString("N"), "models", "churn");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "model.yaml");
        File.WriteAllText(path, "apiVersion: toolkit/v1\nkind: Model\nname: diabetes\ntask: regression\n");
        try
        {
            var act = () => ModelPolicy.Load(path);

            var error = act.Should().Throw<ModelPolicyException>().Which.Diagnostics.Should().ContainSingle().Subject;
            error.Field.Should().Be("name");
            error.Line.Should().Be(3);
            error.Message.Should().Contain("'diabetes'").And.Contain("churn");
            File.WriteAllText(path, "apiVersion: toolkit/v1\nkind: Model\nname: churn\ntask: regression\n");
            ModelPolicy.Load(path).Name.Should().Be("churn");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(folder))!, recursive: true);
        }
    }
}
