namespace Toolkit.Gates.Tests;

public sealed class GateEvaluatorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gates-" + Guid.NewGuid().ToString("N"));

    public GateEvaluatorTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static GateReport Judge(ModelPolicy policy, EvaluatedModel candidate, ChampionInfo? champion = null, string task = "binary-classification") =>
        GateEvaluator.Evaluate(policy, new GateInputs { Evaluation = TestData.Evaluation(task, candidate), Champion = champion });

    private static ChampionInfo Champion(params (string Name, double Value)[] metrics) => new()
    {
        Version = 3,
        Digest = "sha256:prod",
        Metrics = metrics.ToDictionary(m => m.Name, m => m.Value),
    };

    [Theory]
    [InlineData(0.85, CheckStatus.Passed)]
    [InlineData(0.80, CheckStatus.Passed)] // the bound itself meets ">="
    [InlineData(0.79, CheckStatus.Failed)]
    public void Threshold_HigherIsBetter(double auc, CheckStatus expected)
    {
        var policy = TestData.Policy("""thresholds: ["auc >= 0.80"]""");

        var check = Judge(policy, TestData.Evaluated("sha256:c", ("auc", auc))).Checks.Single(c => c.Kind == CheckKind.Threshold);

        check.Should().BeEquivalentTo(new { Name = "threshold:auc", Kind = CheckKind.Threshold, Value = auc, Op = ">=", Threshold = 0.80, Status = expected });
    }

    [Theory]
    [InlineData(0.30, CheckStatus.Passed)]
    [InlineData(0.40, CheckStatus.Failed)]
    public void Threshold_LowerIsBetter(double logLoss, CheckStatus expected)
    {
        var policy = TestData.Policy("""thresholds: ["log_loss <= 0.35"]""");

        var report = Judge(policy, TestData.Evaluated("sha256:c", ("log_loss", logLoss)));

        report.Checks.Single(c => c.Kind == CheckKind.Threshold).Status.Should().Be(expected);
        report.Passed.Should().Be(expected == CheckStatus.Passed);
    }

    [Fact]
    public void Threshold_MetricMissingFromReport_Fails()
    {
        var policy = TestData.Policy("""thresholds: ["auc > 0.5"]""");

        var check = Judge(policy, TestData.Evaluated("sha256:c", ("auc", null))).Checks.Single(c => c.Kind == CheckKind.Threshold);

        check.Status.Should().Be(CheckStatus.Failed);
        check.Note.Should().Contain("no value for 'auc'");
    }

    // Tolerance 0.005 on auc with prod at 0.870: a drop of 0.004 is within, 0.010 is not, a rise always passes.
    [Theory]
    [InlineData(0.866, CheckStatus.Passed)]
    [InlineData(0.865, CheckStatus.Passed)] // exactly the tolerance
    [InlineData(0.860, CheckStatus.Failed)]
    [InlineData(0.900, CheckStatus.Passed)]
    public void Regression_AbsoluteDrop_HigherIsBetter(double auc, CheckStatus expected)
    {
        var policy = TestData.Policy("regression: [{ metric: auc, max_drop: 0.005 }]");

        var check = Judge(policy, TestData.Evaluated("sha256:c", ("auc", auc)), Champion(("auc", 0.870))).Checks.Single(c => c.Kind == CheckKind.Regression);

        check.Status.Should().Be(expected);
        check.ChampionValue.Should().Be(0.870);
        check.Delta.Should().BeApproximately(auc - 0.870, 1e-12);
        check.Op.Should().Be("max_drop");
    }

    // Prod rmse 50, max_increase 3: 52 is within, 54 is not, 45 is better.
    [Theory]
    [InlineData(52.0, CheckStatus.Passed)]
    [InlineData(54.0, CheckStatus.Failed)]
    [InlineData(45.0, CheckStatus.Passed)]
    public void Regression_AbsoluteIncrease_LowerIsBetter(double rmse, CheckStatus expected)
    {
        var policy = TestData.Policy("regression: [{ metric: rmse, max_increase: 3 }]", "regression");

        var check = Judge(policy, TestData.Evaluated("sha256:c", ("rmse", rmse)), Champion(("rmse", 50.0)), "regression").Checks.Single(c => c.Kind == CheckKind.Regression);

        check.Status.Should().Be(expected);
        check.Delta.Should().Be(rmse - 50.0);
    }

    // Prod log_loss 0.30, 5% allowed: 0.314 is +4.7%, 0.320 is +6.7%.
    [Theory]
    [InlineData(0.314, CheckStatus.Passed)]
    [InlineData(0.320, CheckStatus.Failed)]
    [InlineData(0.200, CheckStatus.Passed)]
    public void Regression_RelativeIncrease_LowerIsBetter(double logLoss, CheckStatus expected)
    {
        var policy = TestData.Policy("regression: [{ metric: log_loss, max_increase_relative: 0.05 }]");

        var check = Judge(policy, TestData.Evaluated("sha256:c", ("log_loss", logLoss)), Champion(("log_loss", 0.30))).Checks.Single(c => c.Kind == CheckKind.Regression);

        check.Status.Should().Be(expected);
    }

    // Prod r2 0.90, 5% relative drop allowed: 0.86 is -4.4%, 0.85 is -5.6%.
    [Theory]
    [InlineData(0.86, CheckStatus.Passed)]
    [InlineData(0.85, CheckStatus.Failed)]
    public void Regression_RelativeDrop_HigherIsBetter(double r2, CheckStatus expected)
    {
        var policy = TestData.Policy("regression: [{ metric: r2, max_drop_relative: 0.05 }]", "regression");

        var check = Judge(policy, TestData.Evaluated("sha256:c", ("r2", r2)), Champion(("r2", 0.90)), "regression").Checks.Single(c => c.Kind == CheckKind.Regression);

        check.Status.Should().Be(expected);
        check.Note.Should().Contain(expected == CheckStatus.Passed ? "4.44%" : "5.56%");
    }

    [Fact]
    public void Regression_NoChampion_IsSkipped_AndTheReportStillPasses()
    {
        var policy = TestData.Policy("""
            thresholds: ["auc >= 0.8"]
            regression: [{ metric: auc, max_drop: 0.005 }]
            """);

        var report = Judge(policy, TestData.Evaluated("sha256:c", ("auc", 0.85)));

        report.Checks.Single(c => c.Kind == CheckKind.Regression).Should().BeEquivalentTo(
            new { Status = CheckStatus.Skipped, Note = "no version in prod", ChampionValue = (double?)null });
        report.Passed.Should().BeTrue();
        report.HasChampion.Should().BeFalse();
    }

    [Fact]
    public void Regression_ChampionWithoutTheMetric_IsSkippedWithNote()
    {
        var policy = TestData.Policy("regression: [{ metric: auc, max_drop: 0.005 }]");

        var check = Judge(policy, TestData.Evaluated("sha256:c", ("auc", 0.85)), Champion(("accuracy", 0.9))).Checks.Single(c => c.Kind == CheckKind.Regression);

        check.Status.Should().Be(CheckStatus.Skipped);
        check.Note.Should().Contain("no recorded 'auc'");
    }

    // A validation report in the shape data/validate writes (hand-written: rows 1200, b is 25% empty, rarer class 4%).
    private const string ValidationJson = """
        {
          "rows": 1200,
          "passed": false,
          "checks": [
            { "check": "row_count", "subject": "rows", "value": 1200, "op": "\u003E=", "limit": 100, "passed": true },
            { "check": "null_fraction", "subject": "a", "value": 0.05, "op": "\u003C=", "limit": 0.5, "passed": true },
            { "check": "null_fraction", "subject": "b", "value": 0.25, "op": "\u003C=", "limit": 0.5, "passed": true },
            { "check": "label_missing", "subject": "y", "value": 0, "op": "\u003C=", "limit": 0, "passed": true },
            { "check": "class_balance", "subject": "y", "value": 0.04, "op": "\u003E=", "limit": 0.01, "passed": true }
          ]
        }
        """;

    [Fact]
    public void DataChecks_ReadTheValidationReport()
    {
        var policy = TestData.Policy("data: { min_rows: 1000, max_null_fraction: 0.2, min_class_fraction: 0.05 }");
        var inputs = new GateInputs
        {
            Evaluation = TestData.Evaluation("binary-classification", TestData.Evaluated("sha256:c", ("auc", 0.9))),
            Validation = ValidationReportData.Parse(ValidationJson, "validate.json"),
        };

        var checks = GateEvaluator.Evaluate(policy, inputs).Checks.Where(c => c.Kind == CheckKind.Data);

        checks.Select(c => (c.Name, c.Subject, c.Value, c.Threshold, c.Status)).Should().Equal(
            ("data:min_rows", "rows", 1200.0, 1000.0, CheckStatus.Passed),
            ("data:max_null_fraction", "b", 0.25, 0.2, CheckStatus.Failed),
            ("data:min_class_fraction", "y", 0.04, 0.05, CheckStatus.Failed));
    }

    [Fact]
    public void DataChecks_NoValidationReport_AreSkipped()
    {
        var policy = TestData.Policy("data: { min_rows: 1000, max_null_fraction: 0.2 }");

        var checks = Judge(policy, TestData.Evaluated("sha256:c", ("auc", 0.9))).Checks.Where(c => c.Kind == CheckKind.Data);

        checks.Should().HaveCount(2).And.OnlyContain(c => c.Status == CheckStatus.Skipped && c.Note == "no validation report");
    }

    [Fact]
    public void Candidate_ByDigest_JudgesThatModel_UnknownDigestIsAnError()
    {
        var policy = TestData.Policy("""thresholds: ["auc >= 0.8"]""");
        var evaluation = TestData.Evaluation(
            "binary-classification",
            TestData.Evaluated("sha256:best", ("auc", 0.9)),
            TestData.Evaluated("sha256:weak", ("auc", 0.7)));

        var byDefault = GateEvaluator.Evaluate(policy, new GateInputs { Evaluation = evaluation });
        var chosen = GateEvaluator.Evaluate(policy, new GateInputs { Evaluation = evaluation, CandidateDigest = "sha256:weak" });
        var unknown = () => GateEvaluator.Evaluate(policy, new GateInputs { Evaluation = evaluation, CandidateDigest = "sha256:none" });

        byDefault.Should().BeEquivalentTo(new { CandidateDigest = "sha256:best", Passed = true });
        chosen.Should().BeEquivalentTo(new { CandidateDigest = "sha256:weak", Passed = false });
        unknown.Should().Throw<GateInputException>().WithMessage("*no model sha256:none*");
    }

    [Fact]
    public void Evaluate_ReportOfAnotherTask_IsAnError()
    {
        var policy = TestData.Policy("""thresholds: ["rmse <= 70"]""", "regression");

        var act = () => Judge(policy, TestData.Evaluated("sha256:c", ("auc", 0.9)));

        act.Should().Throw<GateInputException>().WithMessage("*regression model*evaluation report is for binary-classification*");
    }

    [Fact]
    public void ModelChecks_SizeAgainstTheFile()
    {
        var (path, digest) = TestData.SaveModel(TestData.Table(1), _dir, "m");
        var sizeMb = new FileInfo(path).Length / (1024.0 * 1024.0);

        GateReport Run(string limit) => GateEvaluator.Evaluate(
            TestData.Policy($"model: {{ max_size_mb: {limit}, signature: off }}", "regression"),
            new GateInputs { Evaluation = TestData.Evaluation("regression", TestData.Evaluated(digest, ("rmse", 1))), CandidateModelPath = path });

        var roomy = Run("50");
        var tight = Run("0.000001");

        roomy.Checks.Select(c => (c.Name, c.Status)).Should().Equal(("model:digest", CheckStatus.Passed), ("model:max_size_mb", CheckStatus.Passed));
        roomy.Checks[1].Value.Should().Be(sizeMb);
        tight.Checks[1].Status.Should().Be(CheckStatus.Failed);
    }

    [Fact]
    public void ModelChecks_FileThatIsNotTheEvaluatedModel_Fails()
    {
        var (path, _) = TestData.SaveModel(TestData.Table(1), _dir, "m");

        var report = GateEvaluator.Evaluate(
            TestData.Policy("model: { signature: off }", "regression"),
            new GateInputs { Evaluation = TestData.Evaluation("regression", TestData.Evaluated("sha256:other", ("rmse", 1))), CandidateModelPath = path });

        report.Checks.Single().Should().BeEquivalentTo(new { Name = "model:digest", Status = CheckStatus.Failed });
        report.Passed.Should().BeFalse();
    }

    private GateCheck Signature(string rule, Toolkit.Ml.Data.DataTable champion, Toolkit.Ml.Data.DataTable candidate)
    {
        var prod = TestData.SaveModel(champion, _dir, "prod");
        var next = TestData.SaveModel(candidate, _dir, "next");
        var report = GateEvaluator.Evaluate(
            TestData.Policy($"model: {{ signature: {rule} }}", "regression"),
            new GateInputs
            {
                Evaluation = TestData.Evaluation("regression", TestData.Evaluated(next.Digest, ("rmse", 1))),
                CandidateModelPath = next.Path,
                Champion = new ChampionInfo { Version = 1, Digest = prod.Digest, ModelPath = prod.Path },
            });
        return report.Checks.Single(c => c.Name == "model:signature");
    }

    /// <summary>The candidate as an ONNX file (our exporter's output of the ridge model), against a .tkm champion.</summary>
    private GateReport OnnxCandidate(Toolkit.Ml.Data.DataTable champion, Toolkit.Ml.Data.DataTable candidate)
    {
        var prod = TestData.SaveModel(champion, _dir, "prod");
        var next = TestData.SaveModel(candidate, _dir, "next");
        var onnx = Path.Combine(_dir, "next.onnx");
        File.WriteAllBytes(onnx, Toolkit.Ml.Onnx.OnnxExporter.Export(Toolkit.Ml.Models.ModelFile.Load(next.Path)));
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(onnx)));
        return GateEvaluator.Evaluate(
            TestData.Policy("model: { signature: compatible }", "regression"),
            new GateInputs
            {
                Evaluation = TestData.Evaluation("regression", TestData.Evaluated(digest, ("rmse", 1))),
                CandidateModelPath = onnx,
                Champion = new ChampionInfo { Version = 1, Digest = prod.Digest, ModelPath = prod.Path },
            });
    }

    [Fact]
    public void ModelChecks_OnnxCandidate_DigestAndSignatureJudgedOnTheOnnxFile()
    {
        var same = OnnxCandidate(TestData.Table(1), TestData.Table(2));
        var dropped = OnnxCandidate(TestData.Table(1), TestData.Table(1, withB: false));

        same.Checks.Select(c => (c.Name, c.Status)).Should().Equal(("model:digest", CheckStatus.Passed), ("model:signature", CheckStatus.Passed));
        dropped.Checks.Single(c => c.Name == "model:signature").Should().BeEquivalentTo(new { Status = CheckStatus.Failed, Note = "input 'b' was dropped" });
    }

    [Fact]
    public void Signature_SameInputsOtherData_IsCompatible()
    {
        var check = Signature("compatible", TestData.Table(1), TestData.Table(2));

        check.Status.Should().Be(CheckStatus.Passed);
    }

    [Fact]
    public void Signature_CategoriesGrow_IsCompatibleButNotIdentical()
    {
        var before = TestData.Table(1, groups: ["north", "south"]);
        var after = TestData.Table(1, groups: ["north", "south", "west"]);

        Signature("compatible", before, after).Status.Should().Be(CheckStatus.Passed);
        Signature("identical", before, after).Status.Should().Be(CheckStatus.Failed);
        Signature("compatible", after, before).Note.Should().Contain("input 'group' no longer knows category west");
    }

    [Fact]
    public void Signature_DroppedInput_IsIncompatible()
    {
        var check = Signature("compatible", TestData.Table(1), TestData.Table(1, withB: false));

        check.Status.Should().Be(CheckStatus.Failed);
        check.Note.Should().Be("input 'b' was dropped");
    }

    [Fact]
    public void Signature_NewRequiredInput_IsIncompatible()
    {
        var check = Signature("compatible", TestData.Table(1), TestData.Table(1, extra: "c"));

        check.Status.Should().Be(CheckStatus.Failed);
        check.Note.Should().Contain("new required input 'c'");
    }

    [Fact]
    public void Signature_TypeChange_IsIncompatible()
    {
        var check = Signature("compatible", TestData.Table(1), TestData.Table(1, bAsText: true));

        check.Status.Should().Be(CheckStatus.Failed);
        check.Note.Should().Be("input 'b' changed from numeric to categorical");
    }

    [Fact]
    public void Signature_NoChampion_IsSkipped()
    {
        var (path, digest) = TestData.SaveModel(TestData.Table(1), _dir, "m");

        var report = GateEvaluator.Evaluate(
            TestData.Policy("model: { signature: compatible }", "regression"),
            new GateInputs { Evaluation = TestData.Evaluation("regression", TestData.Evaluated(digest, ("rmse", 1))), CandidateModelPath = path });

        report.Checks.Single(c => c.Name == "model:signature").Should().BeEquivalentTo(new { Status = CheckStatus.Skipped, Note = "no version in prod" });
    }
}
