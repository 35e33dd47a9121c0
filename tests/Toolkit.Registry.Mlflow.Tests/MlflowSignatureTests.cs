using System.Security.Cryptography;
using Toolkit.Registry.Promotion;
using Toolkit.Registry.Signing;

namespace Toolkit.Registry.Mlflow.Tests;

/// <summary>Version signatures in MLflow (one version tag), and promotion under <c>model.signature_required</c>.</summary>
public sealed class MlflowSignatureTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => _key.Dispose();

    private static async Task<ModelVersion> RegisterAsync(MlflowFixture f, double slope = 2) =>
        (await f.Registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = f.ModelFile(slope), GatePassed = true, Actor = "ci" })).Version;

    private PromotionService Service(MlflowFixture f) => new(
        f.Registry,
        new PromotionPolicy([new StagePolicy(Stages.Dev, 0, [])]) { SignatureRequired = true, VerifyKey = ModelSignatures.PublicOf(_key), Source = "models/diabetes/model.yaml" });

    [Fact]
    public async Task SetSignatureAsync_StoredAsAVersionTag_ReadBackWithTheVersion()
    {
        await using var f = new MlflowFixture();
        var v = await RegisterAsync(f);
        v.Signature.Should().BeNull();
        var signature = ModelSignatures.Sign(_key, v.Model, v.Version, v.Digest, At);

        await f.Registry.SetSignatureAsync("diabetes", 1, signature);

        f.Server.VersionTags("diabetes", 1)[MlflowRegistry.SignatureTag].Should().StartWith(signature.KeyId + " " + signature.Value + " ");
        var read = (await f.Registry.GetVersionAsync("diabetes", 1))!.Signature;
        read.Should().Be(signature);
        ModelSignatures.PublicOf(_key).Verifies(read!, "diabetes", 1, v.Digest).Should().BeTrue();
    }

    [Fact]
    public async Task PromoteAsync_SignatureRequired_UnsignedRefused_SignedPromoted()
    {
        await using var f = new MlflowFixture();
        var v = await RegisterAsync(f);

        var unsigned = () => Service(f).PromoteAsync("diabetes", 1, Stages.Dev, new AuditInfo("ci", null));
        (await unsigned.Should().ThrowAsync<PromotionRefusedException>()).Which.Reason.Should().Be(PromotionRefusalReason.SignatureMissing);
        (await f.Registry.GetByAliasAsync("diabetes", Stages.Dev)).Should().BeNull();

        await f.Registry.SetSignatureAsync("diabetes", 1, ModelSignatures.Sign(_key, v.Model, v.Version, v.Digest, At));
        var result = await Service(f).PromoteAsync("diabetes", 1, Stages.Dev, new AuditInfo("ci", null));

        result.ToVersion.Should().Be(1);
        (await f.Registry.GetByAliasAsync("diabetes", Stages.Dev))!.Version.Should().Be(1);
    }

    [Fact]
    public async Task PromoteAsync_SignatureTagEditedInMlflow_IsRefused()
    {
        await using var f = new MlflowFixture();
        var v1 = await RegisterAsync(f, 2);
        await RegisterAsync(f, 3);

        // Someone with write access to MLflow copies v1's signature onto v2: it does not cover v2.
        await f.Registry.SetSignatureAsync("diabetes", 1, ModelSignatures.Sign(_key, v1.Model, v1.Version, v1.Digest, At));
        await f.Client.ModelVersions.SetTagAsync("diabetes", "2", MlflowRegistry.SignatureTag, f.Server.VersionTags("diabetes", 1)[MlflowRegistry.SignatureTag]);

        var act = () => Service(f).PromoteAsync("diabetes", 2, Stages.Dev, new AuditInfo("ci", null));

        (await act.Should().ThrowAsync<PromotionRefusedException>()).Which.Message.Should().Contain("does not verify");
    }
}
