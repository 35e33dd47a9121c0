using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Models;

public sealed class ModelFormatsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolkit-format-tests", Guid.NewGuid().ToString("N"));

    public ModelFormatsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string SavedModel()
    {
        var model = ModelTrainer.Train(ModelFileTests.Classification(300, 3), new TrainRequest { Algorithm = "logistic-regression", Label = "outcome" }, new TrainContext { Seed = 1 });
        var path = Path.Combine(_dir, "model.bin");
        ModelFile.Save(model, path);
        return path;
    }

    [Fact]
    public void Load_TkmFileWithAnyName_ReadsItAsTheSameModelAsModelFile()
    {
        var path = SavedModel();

        var loaded = ModelFormats.TkmOnly.Load(path);

        Assert.Equal(ModelFlavors.Tkm, loaded.Flavor);
        Assert.Equal(ModelFile.Load(path).Digest, loaded.Digest);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), loaded.Digest);
        Assert.Equal("outcome", loaded.Label);
    }

    [Fact]
    public void Read_StreamGivingOneByteAtATime_ReplaysTheSniffedHeadExactly()
    {
        var bytes = File.ReadAllBytes(SavedModel());
        using var trickle = new TrickleStream(bytes);

        var loaded = ModelFormats.TkmOnly.Read(trickle, "trickle");

        Assert.Equal(ModelFile.Read(new MemoryStream(bytes), "whole").Digest, loaded.Digest);
    }

    [Theory]
    [InlineData("PK\u0003\u0004not a tkm")]
    [InlineData("")]
    [InlineData("TKM")]
    public void Read_BytesOfNoKnownFlavor_NamesTheSourceAndTheFlavorsRead(string content)
    {
        using var stream = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(content));

        var ex = Assert.Throws<ModelFileException>(() => ModelFormats.TkmOnly.Read(stream, "upload.bin"));

        Assert.Contains("'upload.bin'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tkm (.tkm)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Directory_IsRefusedAsNotAModelFile()
    {
        var ex = Assert.Throws<ModelFileException>(() => ModelFormats.TkmOnly.Load(_dir));

        Assert.Contains("is a directory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_UnknownFlavor_ListsTheFlavorsThisProgramReads()
    {
        var ex = Assert.Throws<ModelFileException>(() => ModelFormats.TkmOnly.Get("pickle"));

        Assert.Contains("'pickle' is not a model flavor; flavors: tkm", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SameFlavorTwice_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new ModelFormats([TkmFormat.Instance, TkmFormat.Instance]));

    /// <summary>A stream that returns one byte per read, as a slow pipe might.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 1)]);
    }
}
