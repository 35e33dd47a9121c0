using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Pipelines.Components;

namespace Toolkit.Sdk.Tests;

/// <summary>Multiplies column x by a factor; reports the row count.</summary>
internal sealed class ScaleComponent : IComponent
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "test/scale",
        Version = "1",
        Description = "x times factor",
        Inputs = [new ComponentPort("dataset", "dataset", "rows with x")],
        Outputs = [new ComponentPort("scaled", "dataset", "rows with x_scaled"), new ComponentPort("note", "report", "a text note")],
        Parameters = [new ComponentParameter("factor", ParameterType.Number, "the factor") { Default = "2", Minimum = 0, MinimumExclusive = true }],
        Values = ["rows"],
    };

    public bool SkipNote { get; init; }

    public async Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        var table = CsvReader.Read(context.Input("dataset"), ct: cancellationToken);
        var factor = double.Parse(context.Parameter("factor")!, CultureInfo.InvariantCulture);
        var x = table["x"];
        var scaled = new double[x.Length];
        for (var i = 0; i < scaled.Length; i++)
        {
            scaled[i] = x.GetDouble(i) * factor;
        }

        CsvWriter.Write(table.With(new Float64Column("x_scaled", scaled)), context.Output("scaled"), cancellationToken);
        if (!SkipNote)
        {
            await File.WriteAllTextAsync(context.Output("note"), "factor " + context.Parameter("factor"), cancellationToken);
        }

        await context.Log.WriteLineAsync("scaled " + table.RowCount);
        return new ComponentResult { Values = new Dictionary<string, double> { ["rows"] = table.RowCount } };
    }
}

/// <summary>Fills missing x with the training mean (or, when <see cref="Batch"/>, wrongly with the mean of the rows given).</summary>
internal sealed class MeanFillTransform : FeatureTransform
{
    public bool Batch { get; init; }

    public bool ForgetfulRead { get; init; }

    public override string Name => "test/mean-fill";

    public override string Version => "1";

    public override IReadOnlyList<string> Inputs => ["x"];

    public override IReadOnlyList<ComponentParameter> Parameters =>
        [new ComponentParameter("offset", ParameterType.Number, "added to the mean") { Default = "0" }];

    public override FittedTransform Fit(DataTable train, IReadOnlyDictionary<string, string> parameters)
    {
        var x = train["x"];
        var values = Enumerable.Range(0, x.Length).Select(x.GetDouble).Where(v => !double.IsNaN(v)).ToList();
        return new Fitted(values.Average() + double.Parse(parameters["offset"], CultureInfo.InvariantCulture), Batch);
    }

    public override FittedTransform Read(JsonElement state) =>
        new Fitted(ForgetfulRead ? 0 : state.GetProperty("mean").GetDouble(), Batch);

    internal sealed class Fitted(double mean, bool batch) : FittedTransform
    {
        public double Mean => mean;

        public override DataTable Transform(DataTable rows)
        {
            var x = rows["x"];
            var fill = batch ? Enumerable.Range(0, x.Length).Select(x.GetDouble).Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Average() : mean;
            var filled = new double[x.Length];
            for (var i = 0; i < filled.Length; i++)
            {
                filled[i] = x.IsMissing(i) ? fill : x.GetDouble(i);
            }

            // The batch variant also ranks rows: a value that depends on the other rows.
            if (batch)
            {
                for (var i = 0; i < filled.Length; i++)
                {
                    filled[i] += i;
                }
            }

            return rows.With(new Float64Column("x_filled", filled));
        }

        public override void Write(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartObject();
            writer.WriteNumber("mean", mean);
            writer.WriteEndObject();
        }
    }
}

internal static class Tables
{
    public static DataTable X(params double[] values) => new([new Float64Column("x", values)]);
}
