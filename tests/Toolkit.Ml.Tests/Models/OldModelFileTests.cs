using System.Globalization;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;

namespace Toolkit.Ml.Tests.Models;

/// <summary>Model files written before team transforms existed (Fixtures/README.md) read, write and predict as they did.</summary>
public sealed class OldModelFileTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Models", "Fixtures");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolkit-old-model-tests", Guid.NewGuid().ToString("N"));

    public OldModelFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("logistic")]
    [InlineData("boosting")]
    public void LoadSave_OldModel_SameBytesAndDigest(string name)
    {
        var path = Path.Combine(Fixtures, name + ".tkm");
        var copy = Path.Combine(_dir, name + ".tkm");

        var model = ModelFile.Load(path);
        ModelFile.Save(model, copy);

        File.ReadAllBytes(copy).Should().Equal(File.ReadAllBytes(path));
        model.Features.Transforms.Should().BeEmpty();
        model.Digest.Should().Be("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))));
    }

    [Theory]
    [InlineData("logistic")]
    [InlineData("boosting")]
    public void Predict_OldModel_SameProbabilitiesAsTheBuildThatWroteIt(string name)
    {
        var model = ModelFile.Load(Path.Combine(Fixtures, name + ".tkm"));
        var data = CsvReader.Read(Path.Combine(Fixtures, "diabetes-300.csv"));
        var expected = File.ReadAllLines(Path.Combine(Fixtures, name + "-predictions.csv")).Skip(1)
            .Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();

        var scores = model.Predict(data).Scores;

        expected.Should().HaveCount(300);
        scores.Should().Equal(expected);
    }
}
