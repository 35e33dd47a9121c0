using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Toolkit.Ml.Models;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>The signing keys live in process-wide variables: these tests run alone, never beside another test.</summary>
[CollectionDefinition(nameof(SigningEnvironment), DisableParallelization = true)]
public sealed class SigningEnvironment;

/// <summary>
/// <c>mlops model keygen</c>, <c>sign</c>, <c>verify</c>, signed promotion and registry authenticity, through the
/// command line on a real project folder with the embedded registry.
/// </summary>
[Collection(nameof(SigningEnvironment))]
public sealed class ModelSigningCommandsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ModelSigningCommandsTests()
    {
        _temp.CopyReferenceProject();
    }

    public void Dispose() => _temp.Dispose();

    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);

    /// <summary>Runs <paramref name="args"/> with the key variables set (null: unset), restoring them after.</summary>
    private async Task<CliResult> WithKeys(string? signing, string? verify, params string[] args)
    {
        var before = (Environment.GetEnvironmentVariable("TOOLKIT_SIGNING_KEY"), Environment.GetEnvironmentVariable("TOOLKIT_VERIFY_KEY"));
        Environment.SetEnvironmentVariable("TOOLKIT_SIGNING_KEY", signing);
        Environment.SetEnvironmentVariable("TOOLKIT_VERIFY_KEY", verify);
        try
        {
            return await Mlops(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TOOLKIT_SIGNING_KEY", before.Item1);
            Environment.SetEnvironmentVariable("TOOLKIT_VERIFY_KEY", before.Item2);
        }
    }

    private async Task<(string Private, string Public, string KeyId)> KeygenAsync(string folder)
    {
        var result = await Mlops("model", "keygen", "--out", folder, "--json");
        result.ExitCode.Should().Be(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        return (root.GetProperty("private_key").GetString()!, root.GetProperty("public_key").GetString()!, root.GetProperty("key_id").GetString()!);
    }

    private async Task<string> TrainAsync(string file, int rows = 300)
    {
        var data = _temp.File($"housing-{rows}.csv");
        if (!File.Exists(data))
        {
            (await Mlops("data", "synth", "--generator", "housing", "--rows", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", data)).ExitCode.Should().Be(0);
        }

        var path = _temp.File(file);
        (await Mlops("train", "--data", data, "--label", "price", "--algorithm", "ridge", "--out", path)).ExitCode.Should().Be(0);
        return path;
    }

    private async Task RegisterFileAsync(string file)
    {
        var result = await Mlops("model", "register", "--model", "housing", "--file", file, "--actor", "ci");
        result.ExitCode.Should().Be(0, result.Error);
    }

    private static string KeyLine(string pemPath) =>
        File.ReadAllLines(pemPath).First(l => !l.StartsWith("-----", StringComparison.Ordinal));

    [Fact]
    public async Task Keygen_WritesOwnerOnlyPrivateKey_PrintsNoKey_NeverOverwrites()
    {
        var folder = _temp.File("keys");

        var result = await Mlops("model", "keygen", "--out", folder);

        result.ExitCode.Should().Be(0, result.Error);
        var privateKey = Path.Combine(folder, "toolkit-signing-key.pem");
        var publicKey = Path.Combine(folder, "toolkit-verify-key.pem");
        File.ReadAllText(privateKey).Should().StartWith("-----BEGIN PRIVATE KEY-----");
        File.ReadAllText(publicKey).Should().StartWith("-----BEGIN PUBLIC KEY-----");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(privateKey).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        (result.Output + result.Error).Should().NotContain(KeyLine(privateKey));
        var again = await Mlops("model", "keygen", "--out", folder);
        again.ExitCode.Should().Be(2);
        again.Error.Should().Contain("already exists");
    }

    [Fact]
    public async Task SignVerify_RegisteredVersion_RoundTrip_ShowSaysSigned_KeyNeverPrinted()
    {
        var (privateKey, publicKey, keyId) = await KeygenAsync(_temp.File("keys"));
        await RegisterFileAsync(await TrainAsync("m.tkm"));
        var pem = await File.ReadAllTextAsync(privateKey);

        // The variable may hold the PEM text itself (as a CI secret does) or a key file's path.
        var signed = await WithKeys(pem, null, "model", "sign", "--model", "housing", "--model-version", "1", "--json");
        var verified = await WithKeys(null, publicKey, "model", "verify", "--model", "housing", "--model-version", "1");
        var show = await Mlops("model", "show", "housing", "--version", "1", "--json");

        signed.ExitCode.Should().Be(0, signed.Error);
        using (var json = JsonDocument.Parse(signed.Output))
        {
            json.RootElement.GetProperty("key_id").GetString().Should().Be(keyId);
        }

        (signed.Output + signed.Error).Should().NotContain(KeyLine(privateKey));
        verified.ExitCode.Should().Be(0, verified.Error);
        verified.Output.Should().Contain($"verified housing v1").And.Contain(keyId);
        show.ExitCode.Should().Be(0, show.Error);
        using var shown = JsonDocument.Parse(show.Output);
        var version = shown.RootElement.GetProperty("versions")[0];
        version.GetProperty("signed").GetBoolean().Should().BeTrue();
        version.GetProperty("signature_key_id").GetString().Should().Be(keyId);
    }

    [Fact]
    public async Task Verify_WrongKeyTamperedOrMissingSignature_ExitsTwo()
    {
        var (privateKey, publicKey, _) = await KeygenAsync(_temp.File("keys"));
        var (_, otherPublic, otherId) = await KeygenAsync(_temp.File("other"));
        await RegisterFileAsync(await TrainAsync("m.tkm"));

        var unsigned = await WithKeys(null, publicKey, "model", "verify", "--model", "housing", "--model-version", "1");
        (await WithKeys(privateKey, null, "model", "sign", "--model", "housing", "--model-version", "1")).ExitCode.Should().Be(0);
        var wrongKey = await WithKeys(null, otherPublic, "model", "verify", "--model", "housing", "--model-version", "1");
        await EditSignatureAsync(s =>
        {
            var bytes = Convert.FromBase64String(s);
            bytes[^1] ^= 0x01;
            return Convert.ToBase64String(bytes);
        });
        var tampered = await WithKeys(null, publicKey, "model", "verify", "--model", "housing", "--model-version", "1");
        var noKey = await WithKeys(null, null, "model", "verify", "--model", "housing", "--model-version", "1");

        unsigned.ExitCode.Should().Be(2);
        unsigned.Error.Should().Contain("housing v1 is not signed");
        wrongKey.ExitCode.Should().Be(2);
        wrongKey.Error.Should().Contain($"not with the verify key {otherId}");
        tampered.ExitCode.Should().Be(2);
        tampered.Error.Should().Contain("does not verify");
        noKey.ExitCode.Should().Be(2);
        noKey.Error.Should().Contain("TOOLKIT_VERIFY_KEY is not set");
    }

    [Fact]
    public async Task SignVerify_File_SignatureBesideIt_MovedToAnotherFileRefused()
    {
        var (privateKey, publicKey, _) = await KeygenAsync(_temp.File("keys"));
        var first = await TrainAsync("a.tkm");
        var second = await TrainAsync("b.tkm", rows: 400);

        var signed = await WithKeys(privateKey, null, "model", "sign", "--file", first);
        var verified = await WithKeys(null, publicKey, "model", "verify", "--file", first);
        File.Copy(first + ".sig", second + ".sig");
        var moved = await WithKeys(null, publicKey, "model", "verify", "--file", second);

        signed.ExitCode.Should().Be(0, signed.Error);
        File.Exists(first + ".sig").Should().BeTrue();
        verified.ExitCode.Should().Be(0, verified.Error);
        moved.ExitCode.Should().Be(2);
        moved.Error.Should().Contain("does not verify");
    }

    [Fact]
    public async Task Sign_BadKeyVariable_ExitsTwo_WithoutEchoingIt()
    {
        await RegisterFileAsync(await TrainAsync("m.tkm"));
        const string Bogus = "-----BEGIN PRIVATE KEY-----\nTUlHSEFnRUFNQk1HQnlxR1NNNDlBZ0VHQ0NxR1NNNDlBd0VIQkcwd2F3SUJBUVFn\n-----END PRIVATE KEY-----";

        var result = await WithKeys(Bogus, null, "model", "sign", "--model", "housing", "--model-version", "1");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("TOOLKIT_SIGNING_KEY is not a PEM private key");
        result.Error.Should().NotContain("TUlHSEFn");
    }

    [Fact]
    public async Task Promote_SignatureRequired_RefusedUnsigned_AllowedSigned()
    {
        var policy = _temp.File("models/housing/model.yaml");
        await File.AppendAllTextAsync(policy, "\nmodel: { signature_required: true }\n");
        var (privateKey, publicKey, _) = await KeygenAsync(_temp.File("keys"));
        var run = await Mlops("pipeline", "run", "pipelines/housing.yaml", "--json", "--param", "rows=1500");
        run.ExitCode.Should().Be(0, run.Error);
        string runId;
        using (var json = JsonDocument.Parse(run.Output))
        {
            runId = json.RootElement.GetProperty("run_id").GetString()!;
        }

        (await Mlops("model", "register", "--model", "housing", "--run", runId)).ExitCode.Should().Be(0);

        var unsigned = await WithKeys(null, publicKey, "model", "promote", "housing", "--version", "1", "--to", "dev", "--actor", "ci");
        (await WithKeys(privateKey, null, "model", "sign", "--model", "housing", "--model-version", "1")).ExitCode.Should().Be(0);
        var withoutKey = await WithKeys(null, null, "model", "promote", "housing", "--version", "1", "--to", "dev", "--actor", "ci");
        var signed = await WithKeys(null, publicKey, "model", "promote", "housing", "--version", "1", "--to", "dev", "--actor", "ci");

        unsigned.ExitCode.Should().Be(2, "a refused promotion is exit 2, like the other refusals");
        unsigned.Error.Should().Contain("version 1 of 'housing' is not signed").And.Contain("model.signature_required");
        withoutKey.ExitCode.Should().Be(2);
        withoutKey.Error.Should().Contain("TOOLKIT_VERIFY_KEY is not set");
        signed.ExitCode.Should().Be(0, signed.Error);
        signed.Output.Should().Contain("housing: dev -> v1");
    }

    [Fact]
    public async Task Export_StoredFileReplacedByCraftedFileWithValidHeader_ExitsTwo()
    {
        await RegisterFileAsync(await TrainAsync("m.tkm"));
        using var shown = JsonDocument.Parse((await Mlops("model", "show", "housing", "--json")).Output);
        var digest = shown.RootElement.GetProperty("versions")[0].GetProperty("digest").GetString()!;
        var hex = digest["sha256:".Length..];
        var stored = _temp.File($".toolkit/registry/models/sha256/{hex[..2]}/{hex}.tkm");
        File.Exists(stored).Should().BeTrue();

        // An attacker with write access to the store edits the model and re-frames it: its own header checks out.
        var bytes = await File.ReadAllBytesAsync(stored);
        var newline = Array.IndexOf(bytes, (byte)'\n');
        var body = JsonNode.Parse(bytes.AsSpan(newline + 1))!;
        body["predictor"]!["intercept"] = 1e6;
        File.SetAttributes(stored, FileAttributes.Normal);
        await using (var stream = File.Create(stored))
        {
            ModelFile.WriteFramed(Encoding.UTF8.GetBytes(body.ToJsonString()), stream);
        }

        ModelFile.Load(stored).Digest.Should().NotBe(digest, "the crafted file is itself a loadable model");
        var export = await Mlops("model", "export", "--model", "housing", "--model-version", "1", "--out", _temp.File("m.onnx"));
        var predict = await Mlops("predict", "--model", "housing", "--model-version", "1", "--data", _temp.File("housing-300.csv"), "--out", _temp.File("p.csv"));
        var evaluate = await Mlops("evaluate", "--model", "housing", "--model-version", "1", "--data", _temp.File("housing-300.csv"));

        foreach (var refused in new[] { export, predict, evaluate })
        {
            refused.ExitCode.Should().Be(2);
            refused.Error.Should().Contain($"not the registered {digest}").And.Contain("refusing it");
        }

        File.Exists(_temp.File("m.onnx")).Should().BeFalse();
        File.Exists(_temp.File("p.csv")).Should().BeFalse();
    }

    [Fact]
    public async Task PredictEvaluate_RegisteredVersion_ScoreLikeTheFile()
    {
        var file = await TrainAsync("m.tkm");
        await RegisterFileAsync(file);
        var data = _temp.File("housing-300.csv");

        var byName = await Mlops("predict", "--model", "housing", "--model-version", "1", "--data", data, "--out", _temp.File("by-name.csv"));
        var byFile = await Mlops("predict", "--model", file, "--data", data, "--out", _temp.File("by-file.csv"));
        var evaluated = await Mlops("evaluate", "--model", "housing", "--model-version", "1", "--data", data, "--json");
        var missing = await Mlops("predict", "--model", "housing", "--model-version", "7", "--data", data, "--out", _temp.File("none.csv"));

        byName.ExitCode.Should().Be(0, byName.Error);
        byFile.ExitCode.Should().Be(0, byFile.Error);
        File.ReadAllBytes(_temp.File("by-name.csv")).Should().Equal(File.ReadAllBytes(_temp.File("by-file.csv")));
        evaluated.ExitCode.Should().Be(0, evaluated.Error);
        using var json = JsonDocument.Parse(evaluated.Output);
        json.RootElement.GetProperty("model_digest").GetString().Should().Be(ModelFile.Load(file).Digest);
        missing.ExitCode.Should().Be(2);
        missing.Error.Should().Contain("has no version 7");
    }

    private async Task EditSignatureAsync(Func<string, string> edit)
    {
        var database = _temp.File(".toolkit/registry/registry.db");
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        string value;
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT signature FROM version_signatures WHERE model = 'housing' AND version = 1";
            value = (string)(await read.ExecuteScalarAsync())!;
        }

        await using var write = connection.CreateCommand();
        write.CommandText = "UPDATE version_signatures SET signature = $s WHERE model = 'housing' AND version = 1";
        write.Parameters.AddWithValue("$s", edit(value));
        (await write.ExecuteNonQueryAsync()).Should().Be(1);
    }
}
