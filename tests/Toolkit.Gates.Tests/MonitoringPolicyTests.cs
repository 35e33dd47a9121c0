namespace Toolkit.Gates.Tests;

public sealed class MonitoringPolicyTests
{
    private const string Head = "apiVersion: toolkit/v1\nkind: Model\nname: diabetes\ntask: binary-classification\n";

    [Fact]
    public void Parse_NoMonitoringSection_DriftDefaults()
    {
        var monitoring = ModelPolicy.Parse(Head, "m.yaml").Monitoring;

        monitoring.Should().Be(new MonitoringPolicy());
        (monitoring.KsPValue, monitoring.SmallSampleRows, monitoring.WassersteinNorm, monitoring.Psi, monitoring.DatasetShare)
            .Should().Be((0.05, 1000, 0.1, 0.2, 0.5));
    }

    [Fact]
    public void Parse_MonitoringSection_OverridesEachValue()
    {
        var monitoring = ModelPolicy.Parse(Head + """
            monitoring:
              thresholds: { ks_p_value: 0.01, small_sample_rows: 500, wasserstein_norm: 0.25, psi: 0.1, dataset_share: 1 }
              max_drop: 0.02
              reference_sample: 2000
            """, "m.yaml").Monitoring;

        monitoring.Should().Be(new MonitoringPolicy
        {
            KsPValue = 0.01,
            SmallSampleRows = 500,
            WassersteinNorm = 0.25,
            Psi = 0.1,
            DatasetShare = 1,
            MaxDrop = 0.02,
            ReferenceSample = 2000,
        });
    }

    [Fact]
    public void Parse_PartialThresholds_KeepTheOtherDefaults()
    {
        var monitoring = ModelPolicy.Parse(Head + "monitoring: { thresholds: { psi: 0.3 } }\n", "m.yaml").Monitoring;

        monitoring.Psi.Should().Be(0.3);
        monitoring.KsPValue.Should().Be(0.05);
        monitoring.MaxDrop.Should().Be(new MonitoringPolicy().MaxDrop);
    }

    [Fact]
    public void Parse_BadMonitoringValues_NameFileLineAndField()
    {
        var act = () => ModelPolicy.Parse(Head + """
            monitoring:
              thresholds:
                ks_p_value: 1.5
                small_sample_rows: 0
                wasserstein_norm: -0.1
                psi: zero
                dataset_share: 0
                kss: 3
              max_drop: -0.01
              reference_sample: 10
              window: 7
            """, "models/diabetes/model.yaml");

        var errors = act.Should().Throw<ModelPolicyException>().Which.Diagnostics;
        errors.Select(e => (e.Line, e.Field)).Should().Equal(
            (7, "monitoring.thresholds.ks_p_value"),
            (8, "monitoring.thresholds.small_sample_rows"),
            (9, "monitoring.thresholds.wasserstein_norm"),
            (10, "monitoring.thresholds.psi"),
            (11, "monitoring.thresholds.dataset_share"),
            (12, "monitoring.thresholds.kss"),
            (13, "monitoring.max_drop"),
            (14, "monitoring.reference_sample"),
            (15, "monitoring.window"));
        errors.Should().OnlyContain(e => e.File == "models/diabetes/model.yaml");
        errors.Single(e => e.Field == "monitoring.thresholds.psi").Message.Should().Contain("'zero' is not a finite number");
        errors.Single(e => e.Field == "monitoring.thresholds.kss").Message.Should().Contain("ks_p_value");
    }

    [Fact]
    public void Parse_MonitoringNotAMapping_OneErrorNamingIt()
    {
        var act = () => ModelPolicy.Parse(Head + "monitoring: [psi]\n", "m.yaml");

        var error = act.Should().Throw<ModelPolicyException>().Which.Diagnostics.Should().ContainSingle().Subject;
        error.Field.Should().Be("monitoring");
        error.Line.Should().Be(5);
    }
}
