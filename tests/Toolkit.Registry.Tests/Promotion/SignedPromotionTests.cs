using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Toolkit.Registry.Embedded;
using Toolkit.Registry.Promotion;
using Toolkit.Registry.Signing;

namespace Toolkit.Registry.Tests.Promotion;

/// <summary>Signatures stored in the embedded registry, and promotion under <c>model.signature_required</c>.</summary>
public sealed class SignedPromotionTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly RegistryTestFolder _folder = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private EmbeddedRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    public void Dispose()
    {
        _key.Dispose();
        _otherKey.Dispose();
        _folder.Dispose();
    }

    private PromotionService Service(bool required, VerifyKey? key) => new(
        _registry,
        new PromotionPolicy([new StagePolicy(Stages.Dev, 0, [])]) { SignatureRequired = required, VerifyKey = key, Source = "models/diabetes/model.yaml" });

    private async Task<ModelVersion> RegisterAsync(int seed) =>
        (await _registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(seed), GatePassed = true, Actor = "ci" })).Version;

    private async Task SignAsync(ModelVersion v, ECDsa key) =>
        await _registry.SetSignatureAsync(v.Model, v.Version, ModelSignatures.Sign(key, v.Model, v.Version, v.Digest, At));

    private static AuditInfo Ci => new("ci", "release");

    [Fact]
    public async Task SetSignatureAsync_ReadBackWithTheVersion_AndVerifies()
    {
        var v = await RegisterAsync(1);
        (await _registry.GetVersionAsync("diabetes", 1))!.Signature.Should().BeNull();

        await SignAsync(v, _key);

        var read = (await _registry.GetVersionAsync("diabetes", 1))!;
        read.Signature!.KeyId.Should().Be(ModelSignatures.PublicOf(_key).KeyId);
        read.Signature.SignedAt.Should().Be(At);
        ModelSignatures.PublicOf(_key).Verifies(read.Signature, "diabetes", 1, read.Digest).Should().BeTrue();
        (await _registry.ListVersionsAsync("diabetes")).Single().Signature.Should().Be(read.Signature);
    }

    [Fact]
    public async Task OpenAsync_DatabaseFromBeforeSignatures_GainsTheTableAndKeepsItsVersions()
    {
        await RegisterAsync(1);
        await _registry.DisposeAsync();
        var before = Array.FindIndex(RegistrySchema.Migrations, m => m.Contains("version_signatures", StringComparison.Ordinal));
        await using (var raw = new SqliteConnection($"Data Source={Path.Combine(_folder.RegistryRoot, EmbeddedRegistry.DatabaseFileName)};Pooling=False"))
        {
            await raw.OpenAsync();
            await using var command = raw.CreateCommand();
            command.CommandText = $"DROP TABLE version_signatures; UPDATE schema_version SET version = {before}";
            await command.ExecuteNonQueryAsync();
        }

        _registry = await EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

        (await _registry.SchemaVersionAsync()).Should().Be(RegistrySchema.Migrations.Length);
        var v = (await _registry.GetVersionAsync("diabetes", 1))!;
        v.Signature.Should().BeNull();
        await SignAsync(v, _key);
        (await _registry.GetVersionAsync("diabetes", 1))!.Signature.Should().NotBeNull();
    }

    [Fact]
    public async Task Verifies_SignatureMovedToAnotherVersionOrDigest_IsFalse()
    {
        var v = await RegisterAsync(1);
        var signature = ModelSignatures.Sign(_key, v.Model, v.Version, v.Digest, At);
        var key = ModelSignatures.PublicOf(_key);

        key.Verifies(signature, "diabetes", 1, v.Digest).Should().BeTrue();
        key.Verifies(signature, "diabetes", 2, v.Digest).Should().BeFalse("the version number is signed");
        key.Verifies(signature, "housing", 1, v.Digest).Should().BeFalse("the model name is signed");
        key.Verifies(signature, "diabetes", 1, "sha256:" + new string('0', 64)).Should().BeFalse("the digest is signed");
        ModelSignatures.PublicOf(_otherKey).Verifies(signature, "diabetes", 1, v.Digest).Should().BeFalse("another key");
    }

    [Fact]
    public async Task PromoteAsync_SignatureRequired_UnsignedVersion_IsRefused()
    {
        var v = await RegisterAsync(1);

        var act = () => Service(required: true, ModelSignatures.PublicOf(_key)).PromoteAsync("diabetes", v.Version, Stages.Dev, Ci);

        var refused = (await act.Should().ThrowAsync<PromotionRefusedException>()).Which;
        refused.Reason.Should().Be(PromotionRefusalReason.SignatureMissing);
        refused.Message.Should().Contain("is not signed").And.Contain("models/diabetes/model.yaml").And.Contain("mlops model sign --model diabetes --model-version 1");
        (await _registry.GetByAliasAsync("diabetes", Stages.Dev)).Should().BeNull();
    }

    [Fact]
    public async Task PromoteAsync_SignatureRequired_SignedVersion_IsPromoted()
    {
        var v = await RegisterAsync(1);
        await SignAsync(v, _key);

        var result = await Service(required: true, ModelSignatures.PublicOf(_key)).PromoteAsync("diabetes", v.Version, Stages.Dev, Ci);

        result.ToVersion.Should().Be(1);
        (await _registry.GetByAliasAsync("diabetes", Stages.Dev))!.Version.Should().Be(1);
    }

    [Fact]
    public async Task PromoteAsync_SignatureRequired_SignedWithAnotherKey_IsRefused()
    {
        var v = await RegisterAsync(1);
        await SignAsync(v, _otherKey);

        var act = () => Service(required: true, ModelSignatures.PublicOf(_key)).PromoteAsync("diabetes", v.Version, Stages.Dev, Ci);

        (await act.Should().ThrowAsync<PromotionRefusedException>()).Which.Message
            .Should().Contain($"signed with key {ModelSignatures.PublicOf(_otherKey).KeyId}").And.Contain("not with the verify key");
    }

    [Fact]
    public async Task PromoteAsync_SignatureRequired_TamperedSignature_IsRefused()
    {
        var v = await RegisterAsync(1);
        var good = ModelSignatures.Sign(_key, v.Model, v.Version, v.Digest, At);
        var bytes = Convert.FromBase64String(good.Value);
        bytes[5] ^= 0x40;
        await _registry.SetSignatureAsync("diabetes", 1, good with { Value = Convert.ToBase64String(bytes) });

        var act = () => Service(required: true, ModelSignatures.PublicOf(_key)).PromoteAsync("diabetes", v.Version, Stages.Dev, Ci);

        (await act.Should().ThrowAsync<PromotionRefusedException>()).Which.Message.Should().Contain("does not verify");
    }

    [Fact]
    public async Task PromoteAsync_SignatureRequired_SignatureOfAnotherVersion_IsRefused()
    {
        var v1 = await RegisterAsync(1);
        var v2 = await RegisterAsync(2);
        await _registry.SetSignatureAsync("diabetes", 2, ModelSignatures.Sign(_key, v1.Model, v1.Version, v1.Digest, At));

        var act = () => Service(required: true, ModelSignatures.PublicOf(_key)).PromoteAsync("diabetes", v2.Version, Stages.Dev, Ci);

        (await act.Should().ThrowAsync<PromotionRefusedException>()).Which.Message.Should().Contain("does not verify");
    }

    [Fact]
    public async Task PromoteAsync_SignatureRequired_NoVerifyKey_IsRefusedNamingTheVariable()
    {
        var v = await RegisterAsync(1);
        await SignAsync(v, _key);

        var act = () => Service(required: true, key: null).PromoteAsync("diabetes", v.Version, Stages.Dev, Ci);

        (await act.Should().ThrowAsync<PromotionRefusedException>()).Which.Message.Should().Contain("TOOLKIT_VERIFY_KEY is not set");
    }

    [Fact]
    public async Task PromoteAsync_SignatureNotRequired_UnsignedVersion_IsPromoted()
    {
        var v = await RegisterAsync(1);

        var result = await Service(required: false, key: null).PromoteAsync("diabetes", v.Version, Stages.Dev, Ci);

        result.ToVersion.Should().Be(1);
    }

    [Fact]
    public void VerifyKey_FromPem_RoundTripsAndRefusesAPrivateKeyAsSigningKeyOnlyInPkcs8()
    {
        var publicPem = _key.ExportSubjectPublicKeyInfoPem();
        var privatePem = _key.ExportPkcs8PrivateKeyPem();

        VerifyKey.FromPem(publicPem, "TOOLKIT_VERIFY_KEY").KeyId.Should().Be(ModelSignatures.PublicOf(_key).KeyId);
        using (var signing = ModelSignatures.SigningKeyFromPem(privatePem, "TOOLKIT_SIGNING_KEY"))
        {
            ModelSignatures.PublicOf(signing).KeyId.Should().Be(ModelSignatures.PublicOf(_key).KeyId);
        }

        var asSigning = () => ModelSignatures.SigningKeyFromPem(publicPem, "TOOLKIT_SIGNING_KEY");
        asSigning.Should().Throw<SigningKeyException>().WithMessage("TOOLKIT_SIGNING_KEY is a public key*");
        var garbage = () => VerifyKey.FromPem("-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----", "TOOLKIT_VERIFY_KEY");
        garbage.Should().Throw<SigningKeyException>().Which.Message.Should().NotContain("not base64", "a key's text never reaches a message");
    }

    [Fact]
    public void SigningKeyFromPem_KeyOnAnotherCurve_IsRefused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var act = () => ModelSignatures.SigningKeyFromPem(p384.ExportPkcs8PrivateKeyPem(), "TOOLKIT_SIGNING_KEY");

        act.Should().Throw<SigningKeyException>().WithMessage("*model signatures use P-256*");
    }
}
