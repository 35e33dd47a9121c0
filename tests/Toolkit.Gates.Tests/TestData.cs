using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Gates.Tests;

/// <summary>Small real model files and reports for gate tests.</summary>
internal static class TestData
{
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Toolkit.sln not found above the test directory.");
    }

    /// <summary>A regression table y = 2a - b + noise, with optional extra columns.</summary>
    public static DataTable Table(int seed, bool withB = true, string? extra = null, string[]? groups = null, bool bAsText = false)
    {
        const int Rows = 120;
        var random = new Random(seed);
        var a = new float[Rows];
        var b = new float[Rows];
        var e = new float[Rows];
        var y = new double[Rows];
        var codes = new int[Rows];
        for (var i = 0; i < Rows; i++)
        {
            a[i] = (float)random.NextDouble();
            b[i] = (float)random.NextDouble();
            e[i] = (float)random.NextDouble();
            codes[i] = groups is null ? 0 : i % groups.Length;
            y[i] = (2 * a[i]) - b[i] + codes[i] + (random.NextDouble() * 0.01);
        }

        var columns = new List<Column> { new Float32Column("a", a) };
        if (withB)
        {
            columns.Add(bAsText
                ? new CategoricalColumn("b", [.. Enumerable.Range(0, Rows).Select(i => i % 2)], ["low", "high"])
                : new Float32Column("b", b));
        }

        if (extra is not null)
        {
            columns.Add(new Float32Column(extra, e));
        }

        if (groups is not null)
        {
            columns.Add(new CategoricalColumn("group", codes, groups));
        }

        columns.Add(new Float64Column("y", y));
        return new DataTable(columns);
    }

    /// <summary>Trains ridge on <paramref name="table"/>, saves it under <paramref name="dir"/>, returns the path and digest.</summary>
    public static (string Path, string Digest) SaveModel(DataTable table, string dir, string name)
    {
        var model = ModelTrainer.Train(table, new TrainRequest { Algorithm = "ridge", Label = "y" }, new TrainContext { Seed = 1 });
        var path = Path.Combine(dir, name + ".tkm");
        ModelFile.Save(model, path);
        return (path, model.Digest!);
    }

    public static EvaluationReport Evaluation(string task, params EvaluatedModel[] models) => new()
    {
        Task = task,
        Rows = 300,
        PrimaryMetric = task == ModelTaskNames.Regression ? "rmse" : "auc",
        DataDigest = "sha256:data",
        Models = models,
        Best = 0,
    };

    public static EvaluatedModel Evaluated(string digest, params (string Name, double? Value)[] metrics) => new()
    {
        Index = 0,
        Algorithm = "ridge",
        Digest = digest,
        Metrics = metrics.ToDictionary(m => m.Name, m => m.Value),
    };

    public static ModelPolicy Policy(string gates, string task = "binary-classification") =>
        ModelPolicy.Parse($"""
            apiVersion: toolkit/v1
            kind: Model
            name: test
            task: {task}
            gates:
            {Indent(gates)}
            """, "model.yaml");

    private static string Indent(string text) =>
        string.Join("\n", text.Split('\n').Select(l => "  " + l));
}
