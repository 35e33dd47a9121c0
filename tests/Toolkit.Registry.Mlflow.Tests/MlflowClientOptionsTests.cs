namespace Toolkit.Registry.Mlflow.Tests;

public sealed class MlflowClientOptionsTests
{
    [Theory]
    [InlineData("ftp://mlflow:5000", "http or https")]
    [InlineData("file:///tmp/mlruns", "http or https")]
    [InlineData("http://user:pw@mlflow:5000", "must not carry credentials")]
    [InlineData("http://mlflow:5000/?x=1", "query")]
    public void Validate_BadTrackingUri_ThrowsNamingTheProblem(string uri, string expected)
    {
        var options = new MlflowClientOptions { TrackingUri = new Uri(uri) };

        var act = options.Validate;

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(expected).And.NotContain(":pw@");
    }

    [Fact]
    public void Constructor_RelativeUri_FailsBeforeAnyRequest()
    {
        var act = () => new MlflowClient(new MlflowClientOptions { TrackingUri = new Uri("mlflow/x", UriKind.Relative) });

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("absolute");
    }

    [Fact]
    public void Validate_TokenAndPassword_AreExclusive()
    {
        var options = new MlflowClientOptions { TrackingUri = new Uri("http://m:5000"), Token = "t0k", Username = "u", Password = "p4ss" };

        var act = options.Validate;

        act.Should().Throw<ArgumentException>().Which.Message.Should().NotContain("t0k").And.NotContain("p4ss");
    }

    [Fact]
    public void Validate_UsernameWithoutPassword_Throws()
    {
        var act = new MlflowClientOptions { TrackingUri = new Uri("http://m:5000"), Username = "u" }.Validate;

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("together");
    }

    [Fact]
    public void FromEnvironment_StandardVariables_AreRead()
    {
        var env = new Dictionary<string, string>
        {
            ["MLFLOW_TRACKING_URI"] = "https://mlflow.example.com/prefix",
            ["MLFLOW_TRACKING_TOKEN"] = "tok-123",
            ["MLFLOW_EXPERIMENT_NAME"] = "churn",
        };

        var options = MlflowClientOptions.FromEnvironment(getVariable: k => env.GetValueOrDefault(k));

        options.TrackingUri.Should().Be(new Uri("https://mlflow.example.com/prefix"));
        options.Token.Should().Be("tok-123");
        options.ExperimentName.Should().Be("churn");
        options.ToString().Should().NotContain("tok-123");
    }

    [Fact]
    public void FromEnvironment_NoUri_SaysWhichVariable()
    {
        var act = () => MlflowClientOptions.FromEnvironment(getVariable: _ => null);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("MLFLOW_TRACKING_URI");
    }

    [Fact]
    public void FromEnvironment_DefaultExperiment_IsToolkit()
    {
        var options = MlflowClientOptions.FromEnvironment("http://127.0.0.1:5000", _ => null);

        options.ExperimentName.Should().Be("toolkit");
        options.Token.Should().BeNull();
    }
}
