using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Sdk;

/// <summary>
/// Fits and applies a feature transform the way training and serving do, and checks the contract on the
/// way: the fitted state survives a write/read round trip with identical bytes and identical output, the
/// output has one row per input row, and it is row-wise (the rows in another order give the same rows).
/// A broken contract throws <see cref="TransformContractException"/> naming what differs.
/// </summary>
public static class TransformTest
{
    /// <summary>
    /// Fits on <paramref name="train"/> only, then transforms <paramref name="apply"/> (default: the training
    /// rows) with the fitted state as a model file would hold it (written and read back).
    /// </summary>
    public static DataTable FitTransform(
        FeatureTransform transform, DataTable train, DataTable? apply = null, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var fitted = Fit(transform, train, parameters);
        var rows = apply ?? train;
        var direct = Apply(transform, fitted, rows);
        var restored = Apply(transform, RoundTrip(fitted, transform), rows);
        if (TableDifference.Of(direct, restored) is { } difference)
        {
            throw new TransformContractException($"{transform.Reference}: after a write/read round trip of its fitted state the output differs: {difference}");
        }

        if (rows.RowCount > 1)
        {
            // Row-wise: serving transforms one row at a time, so no row may depend on the others.
            var reversed = Enumerable.Range(0, rows.RowCount).Reverse().ToArray();
            var backwards = Apply(transform, fitted, rows.Take(reversed));
            if (TableDifference.Of(direct.Take(reversed), backwards) is { } notRowWise)
            {
                throw new TransformContractException($"{transform.Reference}: the output of a row depends on the other rows (rows given in reverse order differ: {notRowWise})");
            }
        }

        return restored;
    }

    /// <summary>Fits on the training rows, with the declared parameters' defaults and checks.</summary>
    public static FittedTransform Fit(FeatureTransform transform, DataTable train, IReadOnlyDictionary<string, string>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(transform);
        ArgumentNullException.ThrowIfNull(train);
        foreach (var input in transform.Inputs.Where(i => !train.Contains(i)))
        {
            throw new ArgumentException($"{transform.Reference} reads column '{input}', which the training rows lack; columns: {ColumnNames.List(train)}", nameof(train));
        }

        var resolved = ParameterCheck.Resolve(transform.Name, transform.Parameters, open: false, parameters);
        return transform.Fit(train, resolved);
    }

    /// <summary>
    /// Writes the fitted state, reads it back with <paramref name="transform"/>, and checks that the read
    /// state writes the same bytes. Returns the read-back transform.
    /// </summary>
    public static FittedTransform RoundTrip(FittedTransform fitted, FeatureTransform transform)
    {
        ArgumentNullException.ThrowIfNull(fitted);
        ArgumentNullException.ThrowIfNull(transform);
        var first = State(fitted);
        using var document = JsonDocument.Parse(first);
        var restored = transform.Read(document.RootElement.Clone());
        var second = State(restored);
        if (!first.AsSpan().SequenceEqual(second))
        {
            throw new TransformContractException(
                $"{transform.Reference}: its fitted state does not write the same bytes after a round trip:\n  written: {System.Text.Encoding.UTF8.GetString(first)}\n  re-read: {System.Text.Encoding.UTF8.GetString(second)}");
        }

        if (!first.AsSpan().SequenceEqual(State(fitted)))
        {
            throw new TransformContractException($"{transform.Reference}: writing its fitted state twice gives different bytes");
        }

        return restored;
    }

    /// <summary>The fitted state's JSON bytes, as a model file holds them.</summary>
    public static byte[] State(FittedTransform fitted)
    {
        ArgumentNullException.ThrowIfNull(fitted);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            fitted.Write(writer);
        }

        return buffer.ToArray();
    }

    private static DataTable Apply(FeatureTransform transform, FittedTransform fitted, DataTable rows)
    {
        var output = fitted.Transform(rows);
        return output.RowCount == rows.RowCount || output.ColumnCount == 0
            ? output
            : throw new TransformContractException($"{transform.Reference}: transformed {rows.RowCount} rows into {output.RowCount}; a transform keeps one row per row");
    }
}

/// <summary>A feature transform broke its contract (not row-wise, state not round-tripping, rows lost).</summary>
public sealed class TransformContractException : Exception
{
    public TransformContractException()
    {
    }

    public TransformContractException(string message)
        : base(message)
    {
    }

    public TransformContractException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
