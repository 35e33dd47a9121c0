using System.Text;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;

namespace Toolkit.Registry.Mlflow.Tests;

public sealed class MlflowSmokeSampleTests
{
    /// <summary>Rows of the fixture models' inputs (a, b), a few missing.</summary>
    private static DataTable Rows(int count)
    {
        var a = new double[count];
        var b = new double[count];
        for (var i = 0; i < count; i++)
        {
            a[i] = i * 0.5;
            b[i] = i % 7 == 0 ? double.NaN : (i * 3) % 5;
        }

        return new DataTable([new Float64Column("a", a), new Float64Column("b", b)]);
    }

    private static SmokeSample SampleOf(string file, int rows, int seed) => SmokeSample.Take(ModelFile.Load(file), Rows(40), rows, seed);

    private static RegisterRequest Request(string file, SmokeSample? sample) => new() { Model = "diabetes", ModelFile = file, Actor = "ci", SmokeSample = sample };

    [Fact]
    public async Task RegisterAsync_WithSmokeSample_StoresItAsAnArtifactNamedByATag()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);
        var sample = SampleOf(file, 15, seed: 1);

        var result = await f.Registry.RegisterAsync(Request(file, sample));

        result.Version.SmokeRows.Should().Be(15);
        var tags = f.Server.VersionTags("diabetes", 1);
        tags[MlflowRegistry.SmokeRowsTag].Should().Be("15");
        var hex = ModelFile.Load(file).Digest!["sha256:".Length..];
        var artifact = $"toolkit/models/diabetes/{hex}/{tags[MlflowRegistry.SmokeSampleTag]}";
        tags[MlflowRegistry.SmokeSampleTag].Should().MatchRegex(@"^smoke_sample\.[0-9a-f]{16}\.json$");
        Encoding.UTF8.GetString(f.Server.Artifacts[artifact]).Should().Be(sample.ToJson());
        (await f.Registry.GetSmokeSampleAsync("diabetes", 1))!.ToJson().Should().Be(sample.ToJson());
        (await f.Registry.GetVersionAsync("diabetes", 1))!.SmokeRows.Should().Be(15);
        (await f.Registry.ListVersionsAsync("diabetes")).Single().SmokeRows.Should().Be(15);
    }

    [Fact]
    public async Task RegisterAsync_SameFileWithAnotherSample_KeepsTheFirstSample()
    {
        await using var f = new MlflowFixture();
        var file = f.ModelFile(2);
        var first = SampleOf(file, 6, seed: 1);

        await f.Registry.RegisterAsync(Request(file, first));
        var again = await f.Registry.RegisterAsync(Request(file, SampleOf(file, 9, seed: 2)));

        again.Created.Should().BeFalse();
        again.Version.SmokeRows.Should().Be(6);
        (await f.Registry.GetSmokeSampleAsync("diabetes", 1))!.ToJson().Should().Be(first.ToJson());
        f.Server.Artifacts.Keys.Count(k => k.Contains("smoke_sample", StringComparison.Ordinal)).Should().Be(1);
    }

    [Fact]
    public async Task GetSmokeSampleAsync_VersionRegisteredWithoutOne_IsNull()
    {
        await using var f = new MlflowFixture();
        var result = await f.Registry.RegisterAsync(Request(f.ModelFile(2), null));

        result.Version.SmokeRows.Should().Be(0);
        f.Server.VersionTags("diabetes", 1).Should().NotContainKey(MlflowRegistry.SmokeSampleTag);
        (await f.Registry.GetSmokeSampleAsync("diabetes", 1)).Should().BeNull();
    }

    [Fact]
    public async Task GetSmokeSampleAsync_UnknownVersion_IsARegistryError()
    {
        await using var f = new MlflowFixture();
        await f.Registry.RegisterAsync(Request(f.ModelFile(2), null));

        var act = () => f.Registry.GetSmokeSampleAsync("diabetes", 4);

        (await act.Should().ThrowAsync<RegistryException>()).Which.Message.Should().Contain("no version 4");
    }
}
