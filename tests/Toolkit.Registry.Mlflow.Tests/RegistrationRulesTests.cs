using System.Security.Cryptography;
using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;
using Toolkit.Registry.ModelCards;

namespace Toolkit.Registry.Mlflow.Tests;

/// <summary>
/// The registration rules hold the same on both backends: the embedded registry and MLflow (a fake
/// MLflow server on 127.0.0.1) get the same default card, data digest, actor, digest and name refusals.
/// </summary>
public sealed class RegistrationRulesTests
{
    public static TheoryData<string> Backends => new() { "embedded", "mlflow" };

    public static TheoryData<string, string> BackendsAndBadNames
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var backend in new[] { "embedded", "mlflow" })
            {
                foreach (var name in new[] { "Diabetes", "1-model", "risk_model", "a" + new string('b', ModelNames.MaxLength) })
                {
                    data.Add(backend, name);
                }
            }

            return data;
        }
    }

    private static async Task<IModelRegistry> OpenAsync(MlflowFixture f, string backend) =>
        backend == "mlflow" ? f.Registry : await EmbeddedRegistry.OpenAsync(Path.Combine(f.Directory, "registry"));

    private static RegisterRequest Bare(string file, string model = "diabetes") => new() { Model = model, ModelFile = file };

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RegisterAsync_NoCardGiven_StoresTheDefaultCardOfThatVersion(string backend)
    {
        await using var f = new MlflowFixture();
        await using var registry = await OpenAsync(f, backend);
        var file = f.ModelFile(2);

        var result = await registry.RegisterAsync(Bare(file) with { Actor = "ci", RunId = "run-7" });

        var card = await registry.GetModelCardAsync("diabetes", 1);
        card.Should().Be(ModelCard.Render(result.Version, ModelFile.Load(file), null));
        card.Should().StartWith("# diabetes v1").And.Contain(result.Version.Digest).And.Contain("run-7");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RegisterAsync_NoDataDigestGiven_RecordsTheOneTheModelFileHolds(string backend)
    {
        await using var f = new MlflowFixture();
        await using var registry = await OpenAsync(f, backend);
        var file = f.ModelFile(2);

        await registry.RegisterAsync(Bare(file));

        var expected = ModelFile.Load(file).Training.DataDigest;
        expected.Should().StartWith("sha256:");
        (await registry.GetVersionAsync("diabetes", 1))!.DataDigest.Should().Be(expected);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RegisterAsync_NoActorGiven_RecordedAsUnknownInVersionAndAudit(string backend)
    {
        await using var f = new MlflowFixture();
        await using var registry = await OpenAsync(f, backend);

        await registry.RegisterAsync(Bare(f.ModelFile(2)) with { Actor = "  " });

        (await registry.GetVersionAsync("diabetes", 1))!.CreatedBy.Should().Be("unknown");
        (await registry.HistoryAsync("diabetes")).Should().ContainSingle().Which.Actor.Should().Be("unknown");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RegisterAsync_AnyFile_TheVersionDigestIsTheSha256OfTheFile(string backend)
    {
        await using var f = new MlflowFixture();
        await using var registry = await OpenAsync(f, backend);
        var file = f.ModelFile(3);

        var result = await registry.RegisterAsync(Bare(file));

        var fileDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file)));
        result.Version.Digest.Should().Be(fileDigest);
        ModelFile.Load(file).Digest.Should().Be(fileDigest);
    }

    [Theory]
    [MemberData(nameof(BackendsAndBadNames))]
    public async Task RegisterAsync_NameBreaksTheRule_RefusedAlikeAndNothingStored(string backend, string name)
    {
        await using var f = new MlflowFixture();
        await using var registry = await OpenAsync(f, backend);

        var act = () => registry.RegisterAsync(Bare(f.ModelFile(2), name));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Be(
            $"model name '{name}' is invalid: use lowercase letters, digits and dashes, starting with a letter, at most {ModelNames.MaxLength} characters (e.g. 'diabetes-risk')");
        (await registry.ListModelsAsync()).Should().BeEmpty();
        f.Server.RequestsTo("registered-models/create").Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RegisterAsync_FileChangedAfterWriting_RefusedAlikeAndNothingStored(string backend)
    {
        await using var f = new MlflowFixture();
        await using var registry = await OpenAsync(f, backend);
        var file = f.ModelFile(2);
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[^3] ^= 0x01;
        await File.WriteAllBytesAsync(file, bytes);

        var act = () => registry.RegisterAsync(Bare(file));

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().StartWith($"cannot register '{file}'").And.Contain("was changed after it was written");
        (await registry.ListModelsAsync()).Should().BeEmpty();
        f.Server.Artifacts.Should().BeEmpty();
    }
}
