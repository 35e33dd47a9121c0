using System.Numerics;
using System.Runtime.InteropServices;

namespace Toolkit.Ml.Linear;

/// <summary>
/// sklearn's L2 logistic objective, 0.5·||w||² + C·Σᵢ [log(1 + e^{zᵢ}) - yᵢzᵢ] with zᵢ = xᵢ·w + b, and
/// its gradient and Hessian, evaluated in one pass over the rows. Each block of rows is copied (with a
/// column of ones for the intercept) into a buffer that stays in cache while scores, loss, gradient and
/// Hessian are accumulated from it, so an evaluation reads the data from memory once instead of once
/// per kernel. The Hessian and gradient come from one register-tiled kernel: the gradient is the row
/// of the residuals against the columns, the Hessian the curvature-weighted columns against them.
/// </summary>
internal sealed class LogisticObjective
{
    // Rows per block: (left + right rows) x Block doubles stay within a 512 KB L2 cache for ~60 features.
    private const int Block = 512;

    private readonly float[][] _x;
    private readonly double[] _y;
    private readonly double _c;
    private readonly int _p;
    private readonly int _m;
    private readonly int _n;

    // Right operand: the block's columns (m of them, then zero padding to a multiple of 4).
    private readonly int _right;

    // Left operand: curvature-weighted columns (m), the residual row, then zero padding to an even count.
    private readonly int _left;
    private readonly double[] _columns;
    private readonly double[] _weighted;
    private readonly double[] _z;
    private readonly double[] _curvature;
    private readonly double[] _products;

    public LogisticObjective(float[][] x, double[] y, double c, bool fitIntercept)
    {
        _x = x;
        _y = y;
        _c = c;
        _p = x.Length;
        _m = _p + (fitIntercept ? 1 : 0);
        _n = y.Length;
        _right = (_m + 3) / 4 * 4;
        _left = (_m + 2) / 2 * 2;
        _columns = new double[_right * Block];
        _weighted = new double[_left * Block];
        _z = new double[Block];
        _curvature = new double[Block];
        _products = new double[_left * _right];
        Gradient = new double[_m];
        Hessian = new double[_m * _m];
    }

    /// <summary>Number of feature columns (coefficients).</summary>
    public int Features => _p;

    /// <summary>Number of parameters: the coefficients, then the intercept when it is fitted.</summary>
    public int Size => _m;

    /// <summary>The penalized gradient at the last point evaluated with derivatives.</summary>
    public double[] Gradient { get; }

    /// <summary>The lower triangle (row-major, Size x Size) of the penalized Hessian at that point.</summary>
    public double[] Hessian { get; }

    /// <summary>
    /// The objective at <paramref name="beta"/> (coefficients, then intercept); with
    /// <paramref name="derivatives"/> also <see cref="Gradient"/> and <see cref="Hessian"/>.
    /// </summary>
    public double Evaluate(double[] beta, bool derivatives)
    {
        var lanes = Vector<double>.Count;
        var intercept = _m > _p ? beta[_p] : 0.0;
        Array.Clear(_products);
        var loss = 0.0;
        for (var start = 0; start < _n; start += Block)
        {
            var length = Math.Min(Block, _n - start);
            var padded = (length + lanes - 1) / lanes * lanes;
            CopyBlock(start, length, padded);

            var z = _z.AsSpan(0, padded);
            z.Fill(intercept);
            for (var j = 0; j < _p; j++)
            {
                LinearAlgebra.Axpy(beta[j], _columns.AsSpan(j * Block, padded), z);
            }

            var residual = _weighted.AsSpan(_m * Block, padded);
            loss += BlockLoss(_y.AsSpan(start, length), z[..length], residual, _curvature);
            if (derivatives)
            {
                var curvature = MemoryMarshal.Cast<double, Vector<double>>(_curvature.AsSpan(0, padded));
                for (var a = 0; a < _m; a++)
                {
                    var column = MemoryMarshal.Cast<double, Vector<double>>(_columns.AsSpan(a * Block, padded));
                    var target = MemoryMarshal.Cast<double, Vector<double>>(_weighted.AsSpan(a * Block, padded));
                    for (var k = 0; k < curvature.Length; k++)
                    {
                        target[k] = curvature[k] * column[k];
                    }
                }

                // Padding rows have zero columns (ones column included), so they add nothing here.
                AccumulateProducts(padded);
            }
        }

        var penalty = 0.0;
        for (var j = 0; j < _p; j++)
        {
            penalty += beta[j] * beta[j];
        }

        if (derivatives)
        {
            for (var a = 0; a < _m; a++)
            {
                Gradient[a] = (a < _p ? beta[a] : 0.0) + (_c * _products[(_m * _right) + a]);
                for (var b = 0; b <= a; b++)
                {
                    Hessian[(a * _m) + b] = _c * _products[(a * _right) + b];
                }

                // The penalty's Hessian: identity on the coefficients, nothing on the intercept.
                if (a < _p)
                {
                    Hessian[(a * _m) + a] += 1.0;
                }
            }
        }

        return (0.5 * penalty) + (_c * loss);
    }

    private void CopyBlock(int start, int length, int padded)
    {
        for (var j = 0; j < _m; j++)
        {
            var target = _columns.AsSpan(j * Block, padded);
            if (j < _p)
            {
                Widen(_x[j].AsSpan(start, length), target);
            }
            else
            {
                target[..length].Fill(1.0);
            }

            target[length..].Clear();
        }
    }

    private static void Widen(ReadOnlySpan<float> source, Span<double> target)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<float>.Count)
        {
            var vs = MemoryMarshal.Cast<float, Vector<float>>(source);
            var vt = MemoryMarshal.Cast<double, Vector<double>>(target);
            for (var k = 0; k < vs.Length; k++)
            {
                Vector.Widen(vs[k], out vt[2 * k], out vt[(2 * k) + 1]);
            }

            i = vs.Length * Vector<float>.Count;
        }

        for (; i < source.Length; i++)
        {
            target[i] = source[i];
        }
    }

    /// <summary>
    /// Σ log(1 + e^z) - y·z over the block, and per row the residual σ(z) - y and curvature σ(z)(1 - σ(z)),
    /// all from one e^{-|z|} and one log per row (finite for any z).
    /// </summary>
    private static double BlockLoss(ReadOnlySpan<double> y, ReadOnlySpan<double> z, Span<double> residual, Span<double> curvature)
    {
        var n = z.Length;
        var i = 0;
        var sum = 0.0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            var vz = MemoryMarshal.Cast<double, Vector<double>>(z);
            var vr = MemoryMarshal.Cast<double, Vector<double>>(residual);
            var vc = MemoryMarshal.Cast<double, Vector<double>>(curvature);
            var acc = Vector<double>.Zero;
            for (var k = 0; k < vz.Length; k++)
            {
                var s = vz[k];
                var e = Vector.Exp(-Vector.Abs(s));
                var onePlus = Vector<double>.One + e;
                var inverse = Vector<double>.One / onePlus;
                acc += Vector.Max(s, Vector<double>.Zero) + Vector.Log(onePlus) - (vy[k] * s);
                var probability = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(s, Vector<double>.Zero), inverse, e * inverse);
                vr[k] = probability - vy[k];
                vc[k] = e * inverse * inverse;
            }

            sum = Vector.Sum(acc);
            i = vz.Length * Vector<double>.Count;
        }

        for (; i < n; i++)
        {
            var s = z[i];
            var e = Math.Exp(-Math.Abs(s));
            var inverse = 1.0 / (1.0 + e);
            sum += Math.Max(s, 0.0) + Math.Log(1.0 + e) - (y[i] * s);
            residual[i] = (s >= 0 ? inverse : e * inverse) - y[i];
            curvature[i] = e * inverse * inverse;
        }

        return sum;
    }

    /// <summary>
    /// products[a, b] += Σᵢ left[a, i]·right[b, i] over the lower part b &lt;= a + 1, in 2 x 4 tiles: eight
    /// independent fused multiply-add chains per tile keep the FMA units busy instead of waiting on one sum.
    /// </summary>
    private void AccumulateProducts(int padded)
    {
        var vectors = padded / Vector<double>.Count;
        var left = MemoryMarshal.Cast<double, Vector<double>>(_weighted.AsSpan());
        var right = MemoryMarshal.Cast<double, Vector<double>>(_columns.AsSpan());
        var stride = Block / Vector<double>.Count;
        for (var a = 0; a < _left; a += 2)
        {
            var l0 = left.Slice(a * stride, vectors);
            var l1 = left.Slice((a + 1) * stride, vectors);
            for (var b = 0; b < _right && b <= a + 1; b += 4)
            {
                var r0 = right.Slice(b * stride, vectors);
                var r1 = right.Slice((b + 1) * stride, vectors);
                var r2 = right.Slice((b + 2) * stride, vectors);
                var r3 = right.Slice((b + 3) * stride, vectors);
                Vector<double> s00 = default, s01 = default, s02 = default, s03 = default;
                Vector<double> s10 = default, s11 = default, s12 = default, s13 = default;
                for (var k = 0; k < vectors; k++)
                {
                    var x0 = l0[k];
                    var x1 = l1[k];
                    var y0 = r0[k];
                    var y1 = r1[k];
                    var y2 = r2[k];
                    var y3 = r3[k];
                    s00 = Vector.FusedMultiplyAdd(x0, y0, s00);
                    s01 = Vector.FusedMultiplyAdd(x0, y1, s01);
                    s02 = Vector.FusedMultiplyAdd(x0, y2, s02);
                    s03 = Vector.FusedMultiplyAdd(x0, y3, s03);
                    s10 = Vector.FusedMultiplyAdd(x1, y0, s10);
                    s11 = Vector.FusedMultiplyAdd(x1, y1, s11);
                    s12 = Vector.FusedMultiplyAdd(x1, y2, s12);
                    s13 = Vector.FusedMultiplyAdd(x1, y3, s13);
                }

                var row0 = a * _right;
                var row1 = row0 + _right;
                _products[row0 + b] += Vector.Sum(s00);
                _products[row0 + b + 1] += Vector.Sum(s01);
                _products[row0 + b + 2] += Vector.Sum(s02);
                _products[row0 + b + 3] += Vector.Sum(s03);
                _products[row1 + b] += Vector.Sum(s10);
                _products[row1 + b + 1] += Vector.Sum(s11);
                _products[row1 + b + 2] += Vector.Sum(s12);
                _products[row1 + b + 3] += Vector.Sum(s13);
            }
        }
    }
}
