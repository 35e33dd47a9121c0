using System.Security.Cryptography;
using System.Text.Json;
using Toolkit.Ml.Models;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// <c>mlops model register --file F --flavor onnx --data held-out.csv</c> with an ONNX file trained elsewhere (no
/// toolkit metadata): the importer adds label, task and classes, the registered version scores like the graph.
/// </summary>
public sealed class OnnxImportCommandsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public OnnxImportCommandsTests()
    {
        _temp.CopyReferenceProject();
    }

    public void Dispose()
    {
        // The registry stores its files read-only.
        foreach (var file in Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task ModelRegister_OnnxWithoutToolkitMetadata_ImportsItAndTheVersionScoresLikeTheGraph()
    {
        await ExportAsync();
        var bare = _temp.File("team-model.onnx");
        await File.WriteAllBytesAsync(bare, WithoutMetadata(await File.ReadAllBytesAsync(_temp.File("model.onnx"))));
        (await Mlops("predict", "--model", bare, "--data", "heldout.csv", "--out", "x.csv")).ExitCode.Should().Be(2, "without metadata the file says nothing of its label");

        using var registered = await JsonAsync("model", "register", "--model", "diabetes", "--file", bare, "--flavor", "onnx", "--data", "heldout.csv", "--json");
        using var show = await JsonAsync("model", "show", "diabetes", "--json");
        using var evaluated = await JsonAsync("evaluate", "--model", "model.onnx", "--data", "heldout.csv", "--json");
        var fromRegistry = await Mlops("predict", "--model", "diabetes", "--model-version", "1", "--data", "heldout.csv", "--out", "registered.csv");
        var fromExport = await Mlops("predict", "--model", "model.onnx", "--data", "heldout.csv", "--out", "export.csv");

        registered.RootElement.GetProperty("flavor").GetString().Should().Be(ModelFlavors.Onnx);
        var version = show.RootElement.GetProperty("versions")[0];
        version.GetProperty("parameters").GetProperty("imported_from").GetString().Should().Be(Sha256(bare));
        version.GetProperty("digest").GetString().Should().NotBe(Sha256(bare), "the registered file is the graph plus our metadata");
        version.GetProperty("metrics").GetProperty("auc").GetDouble().Should().Be(evaluated.RootElement.GetProperty("auc").GetDouble());
        fromRegistry.ExitCode.Should().Be(0, fromRegistry.Error);
        fromExport.ExitCode.Should().Be(0, fromExport.Error);
        File.ReadAllText(_temp.File("registered.csv")).Should().Be(File.ReadAllText(_temp.File("export.csv")));
    }

    [Fact]
    public async Task ModelRegister_OnnxWithoutMetadataAndTwoCandidateLabels_Exit2AskingForLabel()
    {
        await ExportAsync();
        var bare = _temp.File("team-model.onnx");
        await File.WriteAllBytesAsync(bare, WithoutMetadata(await File.ReadAllBytesAsync(_temp.File("model.onnx"))));
        var lines = await File.ReadAllLinesAsync(_temp.File("heldout.csv"));
        await File.WriteAllLinesAsync(_temp.File("two.csv"), lines.Select((l, i) => l + (i == 0 ? ",batch" : ",1")));

        var result = await Mlops("model", "register", "--model", "diabetes", "--file", bare, "--flavor", "onnx", "--data", "two.csv");

        result.ExitCode.Should().Be(2, result.Error);
        result.Error.Should().Contain("two.csv").And.Contain("diabetes, batch").And.Contain("give --label");
        (await Mlops("model", "show", "diabetes")).ExitCode.Should().NotBe(0, "nothing was registered");
    }

    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);

    private async Task<JsonDocument> JsonAsync(params string[] args)
    {
        var result = await Mlops(args);
        result.ExitCode.Should().Be(0, result.Error);
        return JsonDocument.Parse(result.Output);
    }

    /// <summary>A gradient-boosting diabetes model exported to model.onnx, and held-out rows in heldout.csv.</summary>
    private async Task ExportAsync()
    {
        foreach (var args in new[]
        {
            new[] { "data", "synth", "--generator", "diabetes", "--rows", "2000", "--seed", "5", "--out", "train.csv" },
            ["data", "synth", "--generator", "diabetes", "--rows", "500", "--seed", "6", "--out", "heldout.csv"],
            ["train", "--data", "train.csv", "--label", "diabetes", "--algorithm", "gradient-boosting", "--param", "rounds=20", "--out", "model.tkm"],
            ["model", "export", "--file", "model.tkm", "--format", "onnx", "-o", "model.onnx"],
        })
        {
            var result = await Mlops(args);
            result.ExitCode.Should().Be(0, result.Error);
        }
    }

    /// <summary>The ModelProto without its metadata_props (field 14): as a tool other than ours writes it.</summary>
    private static byte[] WithoutMetadata(byte[] onnx)
    {
        var kept = new List<byte>();
        var p = 0;
        while (p < onnx.Length)
        {
            var start = p;
            var tag = Varint(onnx, ref p);
            if ((tag & 7) == 2)
            {
                var length = (int)Varint(onnx, ref p);
                p += length;
            }
            else
            {
                Varint(onnx, ref p);
            }

            if (tag >> 3 != 14)
            {
                kept.AddRange(onnx[start..p]);
            }
        }

        return [.. kept];
    }

    private static ulong Varint(byte[] bytes, ref int p)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[p++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private static string Sha256(string path) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
