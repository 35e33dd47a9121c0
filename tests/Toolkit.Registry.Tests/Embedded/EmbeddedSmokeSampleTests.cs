using Microsoft.Data.Sqlite;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Tests.Embedded;

public sealed class EmbeddedSmokeSampleTests : IDisposable
{
    private readonly RegistryTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<EmbeddedRegistry> OpenAsync() => EmbeddedRegistry.OpenAsync(_folder.RegistryRoot);

    private static SmokeSample SampleOf(string file, int rows, int seed) => SmokeSample.Take(ModelFile.Load(file), RegistryTestFolder.Table(), rows, seed);

    private static RegisterRequest Request(string file, SmokeSample? sample) => new()
    {
        Model = "diabetes",
        ModelFile = file,
        Actor = "alice",
        SmokeSample = sample,
    };

    private async Task ExecuteRawAsync(string sql)
    {
        await using var raw = new SqliteConnection($"Data Source={Path.Combine(_folder.RegistryRoot, EmbeddedRegistry.DatabaseFileName)};Pooling=False");
        await raw.OpenAsync();
        await using var command = raw.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task RegisterAsync_WithSmokeSample_StoresItWithTheVersion()
    {
        var file = _folder.ModelFile(1);
        var sample = SampleOf(file, 12, seed: 3);
        await using var registry = await OpenAsync();

        var result = await registry.RegisterAsync(Request(file, sample));

        result.Version.SmokeRows.Should().Be(12);
        (await registry.GetVersionAsync("diabetes", 1))!.SmokeRows.Should().Be(12);
        (await registry.ListVersionsAsync("diabetes")).Single().SmokeRows.Should().Be(12);
        var stored = await registry.GetSmokeSampleAsync("diabetes", 1);
        stored!.ToJson().Should().Be(sample.ToJson());
        stored.Columns.Should().Equal("a", "b", "colour");
    }

    [Fact]
    public async Task RegisterAsync_SameFileWithAnotherSample_KeepsTheFirstSample()
    {
        var file = _folder.ModelFile(1);
        var first = SampleOf(file, 5, seed: 1);
        var second = SampleOf(file, 8, seed: 2);
        await using var registry = await OpenAsync();

        await registry.RegisterAsync(Request(file, first));
        var again = await registry.RegisterAsync(Request(file, second));

        again.Created.Should().BeFalse();
        again.Version.SmokeRows.Should().Be(5);
        (await registry.GetSmokeSampleAsync("diabetes", 1))!.ToJson().Should().Be(first.ToJson());
    }

    [Fact]
    public async Task GetSmokeSampleAsync_VersionRegisteredWithoutOne_IsNull()
    {
        await using var registry = await OpenAsync();
        var result = await registry.RegisterAsync(Request(_folder.ModelFile(1), null));

        result.Version.SmokeRows.Should().Be(0);
        (await registry.GetSmokeSampleAsync("diabetes", 1)).Should().BeNull();
    }

    [Fact]
    public async Task OpenAsync_DatabaseWithoutSmokeSamples_GainsTheTableAndKeepsItsVersions()
    {
        await using (var registry = await OpenAsync())
        {
            await registry.RegisterAsync(Request(_folder.ModelFile(1), null));
        }

        // What a toolkit before smoke samples left behind: every migration before the one that adds them.
        var before = Array.FindIndex(RegistrySchema.Migrations, m => m.Contains("CREATE TABLE smoke_samples", StringComparison.Ordinal));
        await ExecuteRawAsync($"DROP TABLE smoke_samples; UPDATE schema_version SET version = {before}");

        await using var reopened = await OpenAsync();
        (await reopened.SchemaVersionAsync()).Should().Be(RegistrySchema.Migrations.Length);
        (await reopened.GetVersionAsync("diabetes", 1))!.SmokeRows.Should().Be(0);
        var file = _folder.ModelFile(2);
        var sample = SampleOf(file, 4, seed: 1);
        await reopened.RegisterAsync(Request(file, sample));
        (await reopened.GetSmokeSampleAsync("diabetes", 2))!.ToJson().Should().Be(sample.ToJson());
    }

    [Fact]
    public async Task GetSmokeSampleAsync_DamagedJson_NamesTheVersionAndTheField()
    {
        var file = _folder.ModelFile(1);
        await using var registry = await OpenAsync();
        await registry.RegisterAsync(Request(file, SampleOf(file, 3, seed: 1)));
        await ExecuteRawAsync("""UPDATE smoke_samples SET sample_json = '{"columns":["a"],"rows":[[1]],"predictions":["x"]}'""");

        var act = () => registry.GetSmokeSampleAsync("diabetes", 1);

        (await act.Should().ThrowAsync<DataFormatException>()).Which.Message.Should()
            .Contain("the smoke sample of 'diabetes' v1 in ").And.Contain("field 'rows[0][0]' must be a string or null");
    }
}
