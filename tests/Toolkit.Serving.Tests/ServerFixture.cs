using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Serving.Tests;

/// <summary>A real model trained here, saved and loaded back, served by a real Kestrel on 127.0.0.1 port 0.</summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private readonly string _generator;
    private readonly string _algorithm;

    protected ServerFixture(string generator, string algorithm)
    {
        _generator = generator;
        _algorithm = algorithm;
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "toolkit-serving-tests", Guid.NewGuid().ToString("N"));

    public string ModelPath => Path.Combine(Folder, "model.tkm");

    public Model Model { get; private set; } = null!;

    /// <summary>Rows the model did not see, without the label.</summary>
    public DataTable Rows { get; private set; } = null!;

    public ModelServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var label = SyntheticData.LabelOf(_generator);
        var train = SyntheticData.Generate(_generator, 400, 7);
        var trained = ModelTrainer.Train(train, new TrainRequest { Algorithm = _algorithm, Label = label }, new TrainContext { Seed = 1 });
        Directory.CreateDirectory(Folder);
        ModelFile.Save(trained, ModelPath);
        Model = ModelFile.Load(ModelPath);
        var fresh = SyntheticData.Generate(_generator, 60, 99);
        Rows = new DataTable(fresh.Columns.Where(c => c.Name != label));
        Server = await ModelServer.StartAsync(
            new ServedModel { Model = Model, Name = "demo", Version = 3 },
            new ServerOptions { Port = 0, MaxRows = 1000, MaxBodyBytes = 1024 * 1024 });
        Http = new HttpClient { BaseAddress = Server.Url };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>One row's values as JSON (floats in their shortest round-trip text, missing as null).</summary>
    public static void WriteValue(Utf8JsonWriter w, Column column, int row)
    {
        switch (column)
        {
            case Float32Column f when !float.IsNaN(f[row]):
                w.WriteNumberValue(f[row]);
                break;
            case Float64Column d when !double.IsNaN(d[row]):
                w.WriteNumberValue(d[row]);
                break;
            case CategoricalColumn c when c[row] is { } text:
                w.WriteStringValue(text);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    /// <summary>The rows as CSV text, floats in their shortest round-trip form, missing values empty.</summary>
    public static string Csv(DataTable rows)
    {
        var csv = new StringBuilder();
        csv.Append(string.Join(',', rows.Columns.Select(c => c.Name))).Append('\n');
        for (var r = 0; r < rows.RowCount; r++)
        {
            csv.Append(string.Join(',', rows.Columns.Select(c => c switch
            {
                Float32Column f => float.IsNaN(f[r]) ? "" : f[r].ToString("R", CultureInfo.InvariantCulture),
                CategoricalColumn k => k[r] ?? "",
                _ => c.IsMissing(r) ? "" : c.GetDouble(r).ToString("R", CultureInfo.InvariantCulture),
            }))).Append('\n');
        }

        return csv.ToString();
    }

    public static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public string DataframeSplit(DataTable rows) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("dataframe_split");
        w.WriteStartArray("columns");
        foreach (var c in rows.Columns)
        {
            w.WriteStringValue(c.Name);
        }

        w.WriteEndArray();
        w.WriteStartArray("data");
        for (var r = 0; r < rows.RowCount; r++)
        {
            w.WriteStartArray();
            foreach (var c in rows.Columns)
            {
                WriteValue(w, c, r);
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static string Records(DataTable rows, string field) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray(field);
        for (var r = 0; r < rows.RowCount; r++)
        {
            w.WriteStartObject();
            foreach (var c in rows.Columns)
            {
                w.WritePropertyName(c.Name);
                WriteValue(w, c, r);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static string ByColumn(DataTable rows, string field) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject(field);
        foreach (var c in rows.Columns)
        {
            w.WriteStartArray(c.Name);
            for (var r = 0; r < rows.RowCount; r++)
            {
                WriteValue(w, c, r);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteEndObject();
    });

    /// <summary>An OIP v2 request: one tensor per column, shape [n] or [n, 1] (nested data).</summary>
    public static string Infer(DataTable rows, bool nested) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", "req-1");
        w.WriteStartArray("inputs");
        foreach (var c in rows.Columns)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteStartArray("shape");
            w.WriteNumberValue(rows.RowCount);
            if (nested)
            {
                w.WriteNumberValue(1);
            }

            w.WriteEndArray();
            w.WriteString("datatype", c.Type switch { ColumnType.Float32 => "FP32", ColumnType.Float64 => "FP64", _ => "BYTES" });
            w.WriteStartArray("data");
            for (var r = 0; r < rows.RowCount; r++)
            {
                if (nested)
                {
                    w.WriteStartArray();
                }

                WriteValue(w, c, r);
                if (nested)
                {
                    w.WriteEndArray();
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });
}

public sealed class ClassifierServer() : ServerFixture("diabetes", "logistic-regression");

public sealed class RegressionServer() : ServerFixture("housing", "ridge");
