using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Registry.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset start) => _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>A temporary folder for one test, with small real model files trained in it.</summary>
internal sealed class RegistryTestFolder : IDisposable
{
    public RegistryTestFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "toolkit-registry-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string RegistryRoot => System.IO.Path.Combine(Path, "registry");

    /// <summary>
    /// Trains a small ridge model and saves it; the seed is stored in the file, so each seed gives a file
    /// with its own digest.
    /// </summary>
    public string ModelFile(int seed, string? name = null)
    {
        var model = Train(seed);
        var path = System.IO.Path.Combine(Path, "models", name ?? $"model-{seed}.tkm");
        Toolkit.Ml.Models.ModelFile.Save(model, path);
        return path;
    }

    public static Model Train(int seed) =>
        ModelTrainer.Train(Table(), new TrainRequest { Algorithm = "ridge", Label = "y" }, new TrainContext { Seed = seed });

    /// <summary>y = 2·a − b + 3 with a categorical column, 40 rows.</summary>
    public static DataTable Table()
    {
        const int Rows = 40;
        var a = new float[Rows];
        var b = new double[Rows];
        var colour = new string?[Rows];
        var y = new double[Rows];
        for (var i = 0; i < Rows; i++)
        {
            a[i] = i * 0.25f;
            b[i] = (i * 7 % 11) - 5;
            colour[i] = (i % 3) switch { 0 => "red", 1 => "green", _ => "blue" };
            y[i] = (2 * a[i]) - b[i] + 3 + (colour[i] == "red" ? 0.5 : 0);
        }

        return new DataTable([new Float32Column("a", a), new Float64Column("b", b), CategoricalColumn.FromValues("colour", colour), new Float64Column("y", y)]);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail a test.
        }
    }
}
