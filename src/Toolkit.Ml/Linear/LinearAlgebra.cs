using System.Numerics;
using System.Runtime.InteropServices;

namespace Toolkit.Ml.Linear;

/// <summary>Dense double-precision kernels over column-major data, vectorized with <see cref="Vector{T}"/>.</summary>
internal static class LinearAlgebra
{
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var n = x.Length;
        var i = 0;
        var acc = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y[..n]);
            for (var k = 0; k < vx.Length; k++)
            {
                acc += vx[k] * vy[k];
            }

            i = vx.Length * Vector<double>.Count;
        }

        var sum = Vector.Sum(acc);
        for (; i < n; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>y += a * x.</summary>
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        var n = x.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var va = new Vector<double>(a);
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y[..n]);
            for (var k = 0; k < vx.Length; k++)
            {
                vy[k] += va * vx[k];
            }

            i = vx.Length * Vector<double>.Count;
        }

        for (; i < n; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>
    /// The lower triangle of Xᵀ·diag(weight)·X (row-major m x m, m = columns), or XᵀX without
    /// weights. Rows are processed in blocks so that each block's columns stay in cache while every
    /// pair is accumulated, instead of streaming the whole matrix once per pair.
    /// </summary>
    public static void Gram(double[][] columns, ReadOnlySpan<double> weight, double[] output)
    {
        const int Block = 1024;
        var m = columns.Length;
        Array.Clear(output, 0, m * m);
        var n = m == 0 ? 0 : columns[0].Length;
        var weighted = new double[Math.Min(Block, n)];
        for (var start = 0; start < n; start += Block)
        {
            var length = Math.Min(Block, n - start);
            for (var a = 0; a < m; a++)
            {
                var xa = columns[a].AsSpan(start, length);
                ReadOnlySpan<double> left = xa;
                if (!weight.IsEmpty)
                {
                    var w = weight.Slice(start, length);
                    var buffer = weighted.AsSpan(0, length);
                    for (var i = 0; i < length; i++)
                    {
                        buffer[i] = w[i] * xa[i];
                    }

                    left = buffer;
                }

                for (var b = 0; b <= a; b++)
                {
                    output[(a * m) + b] += Dot(left, columns[b].AsSpan(start, length));
                }
            }
        }
    }

    public static double Mean(ReadOnlySpan<double> x)
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += v;
        }

        return x.Length == 0 ? 0.0 : sum / x.Length;
    }

    /// <summary>
    /// Solves A x = b for a symmetric positive definite A (row-major, n x n, lower triangle used) by
    /// Cholesky factorization in place. Returns false when A is not numerically positive definite.
    /// </summary>
    public static bool TryCholeskySolve(double[] a, int n, Span<double> b)
    {
        for (var j = 0; j < n; j++)
        {
            var d = a[(j * n) + j];
            for (var k = 0; k < j; k++)
            {
                d -= a[(j * n) + k] * a[(j * n) + k];
            }

            // Relative pivot floor: a pivot lost to cancellation means a (near) singular system.
            if (!(d > 1e-12 * Math.Max(1.0, Math.Abs(a[(j * n) + j]))))
            {
                return false;
            }

            var l = Math.Sqrt(d);
            a[(j * n) + j] = l;
            for (var i = j + 1; i < n; i++)
            {
                var s = a[(i * n) + j];
                for (var k = 0; k < j; k++)
                {
                    s -= a[(i * n) + k] * a[(j * n) + k];
                }

                a[(i * n) + j] = s / l;
            }
        }

        // Forward then back substitution with L and L^T.
        for (var i = 0; i < n; i++)
        {
            var s = b[i];
            for (var k = 0; k < i; k++)
            {
                s -= a[(i * n) + k] * b[k];
            }

            b[i] = s / a[(i * n) + i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var s = b[i];
            for (var k = i + 1; k < n; k++)
            {
                s -= a[(k * n) + i] * b[k];
            }

            b[i] = s / a[(i * n) + i];
        }

        return true;
    }
}
