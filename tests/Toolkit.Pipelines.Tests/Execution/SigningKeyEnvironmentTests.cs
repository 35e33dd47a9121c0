using System.Collections;
using Toolkit.Pipelines.Execution;

namespace Toolkit.Pipelines.Tests.Execution;

/// <summary>The model signing key reaches no <c>run:</c> step: not as a <c>TOOLKIT_*</c> variable, not when the step names it.</summary>
public sealed class SigningKeyEnvironmentTests
{
    [Fact]
    public void InheritedEnvironment_SigningKey_NeverPassed_OtherToolkitVariablesAre()
    {
        var caller = new Hashtable
        {
            ["PATH"] = "/usr/bin",
            ["TOOLKIT_SIGNING_KEY"] = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----",
            ["TOOLKIT_VERIFY_KEY"] = "public",
            ["TOOLKIT_STORE"] = ".toolkit",
        };

        var plain = StepProtocol.InheritedEnvironment(caller, []);
        var named = StepProtocol.InheritedEnvironment(caller, [new KeyValuePair<string, string?>("TOOLKIT_SIGNING_KEY", null)]);

        plain.Should().ContainKeys("PATH", "TOOLKIT_VERIFY_KEY", "TOOLKIT_STORE").And.NotContainKey("TOOLKIT_SIGNING_KEY");
        named.Should().NotContainKey("TOOLKIT_SIGNING_KEY", "naming the variable in env: does not hand a step the signing key");
    }
}
