using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;

namespace Toolkit.Components.Tests;

/// <summary>data/load-csv records the content digest of what it read, so a run says which data it trained on.</summary>
public sealed class LoadCsvDigestTests : IDisposable
{
    private readonly ComponentHarness _h = new();

    public void Dispose() => _h.Dispose();

    private async Task<string> LoadAsync(string text)
    {
        var path = _h.File("in.csv");
        await File.WriteAllTextAsync(path, text);
        var result = await _h.RunAsync("data/load-csv", new Dictionary<string, string> { ["path"] = path }, null, "dataset=out.csv");
        return result.Labels["data_digest"];
    }

    [Fact]
    public async Task RunAsync_SameValuesWrittenDifferently_SameDataDigest()
    {
        var plain = await LoadAsync("age,city\n41,Oslo\n7.5,Rome\n");
        var other = await LoadAsync("age,city\r\n41.0,\"Oslo\"\r\n7.50,Rome\r\n");

        other.Should().Be(plain, "the digest is of the content, not of the bytes");
        plain.Should().Be(DataDigest.Compute(CsvReader.Read(_h.File("out.csv"))), "it is the digest of the stored dataset");
    }

    [Fact]
    public async Task RunAsync_OneValueChanged_OtherDataDigest()
    {
        var before = await LoadAsync("age,city\n41,Oslo\n7.5,Rome\n");
        var after = await LoadAsync("age,city\n41,Oslo\n7.5,Roma\n");

        before.Should().StartWith("sha256:");
        after.Should().NotBe(before);
    }
}
