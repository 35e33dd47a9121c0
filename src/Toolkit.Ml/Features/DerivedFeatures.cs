namespace Toolkit.Ml.Features;

/// <summary>Computes derived features from raw values, in double; any missing operand or non-finite result gives NaN.</summary>
internal static class DerivedFeatures
{
    public static bool IsBinary(DerivedOp op) => op is DerivedOp.Product or DerivedOp.Ratio or DerivedOp.Difference;

    public static double[] Compute(DerivedFeatureSpec spec, NumericValues left, NumericValues right)
    {
        var n = left.Length;
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            var a = left[i];
            var v = spec.Op switch
            {
                DerivedOp.Product => a * right[i],
                DerivedOp.Ratio => Ratio(a, right[i]),
                DerivedOp.Difference => a - right[i],
                DerivedOp.Log1p => Log1p(a),
                DerivedOp.Square => a * a,
                _ => double.NaN,
            };
            result[i] = double.IsFinite(v) ? v : double.NaN;
        }

        return result;
    }

    /// <summary>ln(1 + a), accurate for small a (log(u) * a / (u - 1) cancels the rounding of 1 + a).</summary>
    private static double Log1p(double a)
    {
        if (!(a > -1))
        {
            return double.NaN;
        }

        var u = 1 + a;
        return u == 1 ? a : Math.Log(u) * a / (u - 1);
    }

    // Division by zero has no useful value (and 0/0 is NaN anyway): treat it as missing.
    private static double Ratio(double a, double b) => b == 0 ? double.NaN : a / b;
}
