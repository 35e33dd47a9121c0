using System.Collections;
using Toolkit.Secrets;

namespace Toolkit.Core.Tests;

public sealed class SecretMaskTests
{
    private static SecretMask Of(params (string Name, string Value)[] variables) =>
        SecretMask.FromVariables(new Hashtable(variables.ToDictionary(v => v.Name, v => v.Value)));

    [Fact]
    public void FromVariables_SecretLookingNames_MaskedOthersNot()
    {
        var mask = Of(("GITHUB_TOKEN", "ghp_abc123"), ("MLFLOW_TRACKING_PASSWORD", "hunter22"), ("AWS_SECRET_ACCESS_KEY", "wJalrXUtn"), ("HOME", "/root"));

        mask.Mask("push with ghp_abc123 as hunter22, key wJalrXUtn, in /root").Should().Be("push with *** as ***, key ***, in /root");
    }

    [Fact]
    public void FromVariables_PemSigningKey_EveryKeyLineMaskedArmourKept()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var pem = key.ExportPkcs8PrivateKeyPem();
        var mask = Of(("TOOLKIT_SIGNING_KEY", pem));
        var body = pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();

        // Output is masked a line at a time, so each line of the key must be masked on its own.
        foreach (var line in body)
        {
            mask.Mask($"leaked: {line}").Should().Be("leaked: ***");
        }

        mask.Mask(pem).Should().NotContain(body[0]);
        SecretMask.IsSecretName("TOOLKIT_SIGNING_KEY").Should().BeTrue();
        SecretMask.NeverInherited.Should().Contain("TOOLKIT_SIGNING_KEY");
    }

    [Fact]
    public void Mask_ShortValues_LeftAlone_LongestSecretReplacedWhole()
    {
        var mask = new SecretMask(["abc", "secret-value", "secret-value-longer"]);

        mask.Mask("abc secret-value-longer secret-value").Should().Be("abc *** ***");
    }

    [Fact]
    public void Wrap_SecretSplitAcrossWritesOfOneLine_StillMasked()
    {
        var inner = new StringWriter();
        using (var writer = new SecretMask(["s3cr3t-token"]).Wrap(inner))
        {
            writer.Write("token: s3c");
            writer.Write("r3t-tok");
            writer.WriteLine("en done");
            writer.Write("tail s3cr3t-token");
        }

        inner.ToString().Should().Be($"token: *** done{Environment.NewLine}tail ***");
    }
}
