namespace Toolkit.Ml.Features;

/// <summary>
/// A read-only view of numeric values held as float or double, so hot loops read the column's own
/// array without converting it. Non-finite values count as missing everywhere in the pipeline.
/// </summary>
internal readonly struct NumericValues
{
    public NumericValues(float[] floats)
    {
        Floats = floats;
        Length = floats.Length;
    }

    public NumericValues(double[] doubles)
    {
        Doubles = doubles;
        Length = doubles.Length;
    }

    public float[]? Floats { get; }

    public double[]? Doubles { get; }

    public int Length { get; }

    /// <summary>The value as a double; NaN for missing and for infinities.</summary>
    public double this[int row]
    {
        get
        {
            var v = Floats is not null ? Floats[row] : Doubles![row];
            return double.IsFinite(v) ? v : double.NaN;
        }
    }
}
