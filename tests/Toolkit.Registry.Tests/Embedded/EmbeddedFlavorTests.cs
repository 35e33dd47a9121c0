using Microsoft.Data.Sqlite;
using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;

namespace Toolkit.Registry.Tests.Embedded;

/// <summary>The flavor recorded with every version in the embedded registry's SQLite file (migration 6).</summary>
public sealed class EmbeddedFlavorTests : IDisposable
{
    private readonly RegistryTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string DatabasePath => Path.Combine(_folder.RegistryRoot, EmbeddedRegistry.DatabaseFileName);

    private Task<EmbeddedRegistry> OpenAsync() => EmbeddedRegistry.OpenAsync(_folder.RegistryRoot, TimeProvider.System);

    private async Task<string?> RawFlavorAsync(string model, int version)
    {
        await using var raw = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await raw.OpenAsync();
        await using var query = raw.CreateCommand();
        query.CommandText = "SELECT flavor FROM version_flavors WHERE model = $model AND version = $version";
        query.Parameters.AddWithValue("$model", model);
        query.Parameters.AddWithValue("$version", version);
        return (string?)await query.ExecuteScalarAsync();
    }

    [Fact]
    public async Task RegisterAsync_TkmFile_RecordsFlavorInTheDatabaseAndReturnsIt()
    {
        await using (var registry = await OpenAsync())
        {
            var result = await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(1), Actor = "alice" });
            result.Version.Flavor.Should().Be(ModelFlavors.Tkm);
        }

        (await RawFlavorAsync("diabetes", 1)).Should().Be(ModelFlavors.Tkm);
        await using var reopened = await OpenAsync();
        (await reopened.GetVersionAsync("diabetes", 1))!.Flavor.Should().Be(ModelFlavors.Tkm);
        (await reopened.ListVersionsAsync("diabetes")).Single().Flavor.Should().Be(ModelFlavors.Tkm);
    }

    [Fact]
    public async Task RegisterAsync_OnnxFile_RecordsOnnxStoresItUnderItsExtensionAndDownloadsItByteForByte()
    {
        // A real ONNX graph: our exporter's output for a trained ridge model (with the toolkit.* metadata).
        var onnx = Path.Combine(_folder.Path, "model.onnx");
        await File.WriteAllBytesAsync(onnx, Toolkit.Ml.Onnx.OnnxExporter.Export(RegistryTestFolder.Train(4)));
        await using var registry = await OpenAsync();

        var result = await registry.RegisterAsync(new RegisterRequest { Model = "housing", ModelFile = onnx });
        var destination = Path.Combine(_folder.Path, "out", ModelFileNames.Of(result.Version));
        await registry.DownloadModelAsync("housing", 1, destination);

        result.Version.Flavor.Should().Be(ModelFlavors.Onnx);
        (await RawFlavorAsync("housing", 1)).Should().Be(ModelFlavors.Onnx);
        registry.StoredPathOf(result.Version.Digest, ModelFlavors.Onnx).Should().EndWith(".onnx");
        File.Exists(registry.StoredPathOf(result.Version.Digest, ModelFlavors.Onnx)).Should().BeTrue();
        destination.Should().EndWith("housing-v1.onnx");
        (await File.ReadAllBytesAsync(destination)).Should().Equal(await File.ReadAllBytesAsync(onnx));
        (await registry.GetModelCardAsync("housing", 1)).Should().Contain("| Flavor | onnx |").And.Contain("| Training rows | unknown |");
    }

    [Fact]
    public async Task OpenAsync_SchemaVersionFiveDatabase_OldVersionsReadAsTkmAndNewOnesRecordTheirs()
    {
        // A registry written before flavors: migrations 1-5, one version row.
        Directory.CreateDirectory(_folder.RegistryRoot);
        await using (var raw = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await raw.OpenAsync();
            await Toolkit.Storage.Sql.MigrateAsync(raw, RegistrySchema.Migrations[..5], (f, k) => new InvalidOperationException(), CancellationToken.None);
            await using var insert = raw.CreateCommand();
            insert.CommandText = $"""
                INSERT INTO models (name, created_at) VALUES ('old', '2026-01-01T00:00:00.0000000Z');
                INSERT INTO versions (model, version, digest, created_at, params_json, metrics_json)
                VALUES ('old', 1, 'sha256:{new string('e', 64)}', '2026-01-01T00:00:00.0000000Z', '{"{}"}', '{"{}"}');
                """;
            await insert.ExecuteNonQueryAsync();
        }

        await using (var registry = await OpenAsync())
        {
            (await registry.SchemaVersionAsync()).Should().Be(RegistrySchema.Migrations.Length);
            var old = await registry.GetVersionAsync("old", 1);
            old!.Flavor.Should().Be(ModelFlavors.Tkm);
            old.Digest.Should().Be("sha256:" + new string('e', 64));

            // New versions beside the old one still record theirs.
            (await registry.RegisterAsync(new RegisterRequest { Model = "diabetes", ModelFile = _folder.ModelFile(2) })).Version.Flavor.Should().Be(ModelFlavors.Tkm);
        }

        (await RawFlavorAsync("old", 1)).Should().BeNull("an old version is not rewritten; no row reads as tkm");
        (await RawFlavorAsync("diabetes", 1)).Should().Be(ModelFlavors.Tkm);
    }
}
