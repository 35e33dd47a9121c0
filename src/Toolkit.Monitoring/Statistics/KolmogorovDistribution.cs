namespace Toolkit.Monitoring.Statistics;

/// <summary>
/// The distribution of the two-sided one-sample KS statistic D_n (scipy's <c>kstwo</c>), whose survival
/// function is the asymptotic two-sample p-value: <c>kstwo.sf(d, round(n1·n2/(n1+n2)))</c>. The method for
/// each (n, x) region is Simard and L'Ecuyer's (2011) choice as scipy makes it: Ruben–Gambino's closed forms
/// at the ends, the exact one-sided Smirnov sum (doubled) in the tail, Durbin's matrix (Marsaglia–Tsang–Wang),
/// Pomeranz's recursion for small n, and the Pelz–Good series for large n.
/// </summary>
internal static class KolmogorovDistribution
{
    private const double Scale = 3.4028236692093846e38; // 2^128
    private const double InverseScale = 2.9387358770557188e-39; // 2^-128

    /// <summary>P(D_n ≥ x).</summary>
    public static double Sf(double n, double x)
    {
        if (double.IsNaN(n) || double.IsNaN(x) || n < 1 || n != Math.Floor(n))
        {
            return double.NaN;
        }

        // scipy's support is (0.5/n, 1): sf is 1 at or below it and 0 at or above 1.
        if (x <= 0.5 / n)
        {
            return 1.0;
        }

        if (x >= 1.0)
        {
            return 0.0;
        }

        var size = (int)n;
        var t = n * x;
        if (t <= 1.0)
        {
            double prob;
            if (size <= 140)
            {
                prob = 1.0;
                for (var i = 1; i <= size; i++)
                {
                    prob *= i * (1.0 / n) * ((2 * t) - 1);
                }
            }
            else
            {
                prob = Math.Exp(LogFactorialOverPower(n) + (n * Math.Log((2 * t) - 1)));
            }

            return Clip(1.0 - prob);
        }

        if (t >= n - 1)
        {
            return Clip(2 * Math.Pow(1.0 - x, n));
        }

        if (x >= 0.5)
        {
            return Clip(2 * Smirnov.Sf(size, x));
        }

        var nxSquared = t * x;
        if (size <= 140)
        {
            if (nxSquared <= 0.754693)
            {
                return Clip(1.0 - Clip(DurbinCdf(size, x)));
            }

            if (nxSquared <= 4)
            {
                return Clip(1.0 - Clip(PomeranzCdf(size, x)));
            }

            return Clip(2 * Smirnov.Sf(size, x));
        }

        if (nxSquared >= 370.0)
        {
            return 0.0;
        }

        if (nxSquared >= 2.2)
        {
            return Clip(2 * Smirnov.Sf(size, x));
        }

        var cdf = size <= 100_000 && n * Math.Pow(x, 1.5) <= 1.4
            ? Clip(DurbinCdf(size, x))
            : PelzGoodCdf(n, x);
        return Clip(1.0 - cdf);
    }

    private static double Clip(double p) => Math.Clamp(p, 0.0, 1.0);

    /// <summary>log(n!/n^n) by Stirling's series with the n·log n term taken out first.</summary>
    private static double LogFactorialOverPower(double n)
    {
        ReadOnlySpan<double> stirling =
        [
            -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
            -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ];
        var rn = 1.0 / n;
        var u = rn / n;
        var poly = 0.0;
        foreach (var c in stirling)
        {
            poly = (poly * u) + c;
        }

        return (Math.Log(n) / 2) - n + (Math.Log(2 * Math.PI) / 2) + (rn * poly);
    }

    /// <summary>
    /// P(D_n ≤ d) by Durbin's matrix: write d = (k − h)/n; the k-th diagonal entry of H^n times n!/n^n, with
    /// H the (2k−1)² matrix of Marsaglia, Tsang and Wang, squared repeatedly and rescaled by powers of two.
    /// </summary>
    internal static double DurbinCdf(int n, double d)
    {
        if (d >= 1.0)
        {
            return 1.0;
        }

        var nd = n * d;
        if (nd <= 0.5)
        {
            return 0.0;
        }

        var k = (int)Math.Ceiling(nd);
        var h = k - nd;
        var m = (2 * k) - 1;
        var v = new double[m];
        var w = new double[m];
        var fac = 1.0;
        for (var j = 1; j <= m; j++)
        {
            v[j - 1] = 1.0 - Math.Pow(h, j);
            w[j - 1] = fac;
            fac /= j;
            v[j - 1] *= fac;
        }

        var tt = Math.Pow(Math.Max((2 * h) - 1.0, 0), m) - (2 * Math.Pow(h, m));
        v[m - 1] = (1.0 + tt) * fac;

        var matrix = new double[m * m];
        for (var i = 1; i < m; i++)
        {
            for (var r = i - 1; r < m; r++)
            {
                matrix[(r * m) + i] = w[r - (i - 1)];
            }
        }

        for (var r = 0; r < m; r++)
        {
            matrix[r * m] = v[r];
        }

        for (var c = 0; c < m; c++)
        {
            matrix[((m - 1) * m) + c] = v[m - 1 - c];
        }

        var power = new double[m * m];
        for (var i = 0; i < m; i++)
        {
            power[(i * m) + i] = 1.0;
        }

        var scratch = new double[m * m];
        var exponent = 0;
        var matrixExponent = 0;
        var remaining = n;
        while (remaining > 0)
        {
            if ((remaining & 1) != 0)
            {
                Multiply(power, matrix, scratch, m);
                (power, scratch) = (scratch, power);
                exponent += matrixExponent;
            }

            Multiply(matrix, matrix, scratch, m);
            (matrix, scratch) = (scratch, matrix);
            matrixExponent *= 2;
            if (Math.Abs(matrix[((k - 1) * m) + k - 1]) > Scale)
            {
                for (var i = 0; i < matrix.Length; i++)
                {
                    matrix[i] *= InverseScale;
                }

                matrixExponent += 128;
            }

            remaining /= 2;
        }

        var p = power[((k - 1) * m) + k - 1];
        for (var i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < InverseScale)
            {
                p *= Scale;
                exponent -= 128;
            }
        }

        return exponent != 0 ? Math.ScaleB(p, exponent) : p;
    }

    private static void Multiply(double[] a, double[] b, double[] result, int m)
    {
        Array.Clear(result);
        for (var i = 0; i < m; i++)
        {
            var row = i * m;
            for (var k = 0; k < m; k++)
            {
                var aik = a[row + k];
                if (aik == 0)
                {
                    continue;
                }

                var brow = k * m;
                for (var j = 0; j < m; j++)
                {
                    result[row + j] += aik * b[brow + j];
                }
            }
        }
    }

    /// <summary>
    /// P(D_n ≤ x) by Pomeranz's recursion (1974): 2n+1 rows, each the previous convolved with one of three
    /// truncated Poisson weight sequences, only a short window of each row non-zero; times n! at the end.
    /// </summary>
    internal static double PomeranzCdf(int n, double x)
    {
        var t = n * x;
        var ll = (int)Math.Floor(t);
        var f = t - ll;
        var g = Math.Min(f, 1.0 - f);
        var ceilf = f > 0 ? 1 : 0;
        var roundf = f > 0.5 ? 1 : 0;
        var npwrs = 2 * (ll + 1);
        var gpower = new double[npwrs];
        var twogpower = new double[npwrs];
        var onem2gpower = new double[npwrs];
        gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
        double gOverN = g / n, twoGOverN = 2 * g / n, oneMinusTwoGOverN = (1 - (2 * g)) / n;
        for (var m = 1; m < npwrs; m++)
        {
            gpower[m] = gpower[m - 1] * gOverN / m;
            twogpower[m] = twogpower[m - 1] * twoGOverN / m;
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / m;
        }

        var v0 = new double[npwrs];
        var v1 = new double[npwrs];
        var conv = new double[2 * npwrs];
        v1[0] = 1;
        int v0s = 0, v1s = 0;
        var exponent = 0;
        var (j1, j2) = PomeranzBounds(0, n, ll, ceilf, roundf);
        for (var i = 1; i < (2 * n) + 2; i++)
        {
            var k1 = j1;
            (v0, v1) = (v1, v0);
            (v0s, v1s) = (v1s, v0s);
            Array.Clear(v1);
            (j1, j2) = PomeranzBounds(i, n, ll, ceilf, roundf);
            var pwrs = i == 1 || i == (2 * n) + 1 ? gpower : (i % 2 != 0 ? twogpower : onem2gpower);
            var ln2 = j2 - k1 + 1;
            if (ln2 > 0)
            {
                // Full convolution of V0[k1 - V0s ..][..ln2] with pwrs[..ln2], both clipped to their arrays like slices.
                var start = k1 - v0s;
                var lenA = Math.Clamp(npwrs - start, 0, ln2);
                var lenB = Math.Min(ln2, npwrs);
                var convLength = lenA + lenB - 1;
                Array.Clear(conv, 0, Math.Max(convLength, 0));
                for (var a = 0; a < lenA; a++)
                {
                    var va = v0[start + a];
                    if (va == 0)
                    {
                        continue;
                    }

                    for (var b = 0; b < lenB; b++)
                    {
                        conv[a + b] += va * pwrs[b];
                    }
                }

                var convStart = j1 - k1;
                var convLen = j2 - j1 + 1;
                for (var c = 0; c < convLen; c++)
                {
                    v1[c] = conv[convStart + c];
                }

                var max = 0.0;
                foreach (var value in v1)
                {
                    max = Math.Max(max, value);
                }

                if (max > 0 && max < InverseScale)
                {
                    for (var c = 0; c < v1.Length; c++)
                    {
                        v1[c] *= Scale;
                    }

                    exponent -= 128;
                }

                v1s = v0s + j1 - k1;
            }
        }

        var answer = v1[n - v1s];
        for (var m = 1; m <= n; m++)
        {
            if (Math.Abs(answer) > Scale)
            {
                answer *= InverseScale;
                exponent += 128;
            }

            answer *= m;
        }

        if (exponent != 0)
        {
            answer = Math.ScaleB(answer, exponent);
        }

        return Clip(answer);
    }

    private static (int J1, int J2) PomeranzBounds(int i, int n, int ll, int ceilf, int roundf)
    {
        int j1, j2;
        if (i == 0)
        {
            j1 = -ll - ceilf - 1;
            j2 = ll + ceilf - 1;
        }
        else
        {
            var half = (i + 1) / 2;
            if ((i + 1) % 2 == 0)
            {
                if (half == n + 1)
                {
                    j1 = n - ll - ceilf - 1;
                    j2 = n + ll + ceilf - 1;
                }
                else
                {
                    j1 = half - 1 - ll - roundf - 1;
                    j2 = half + ll - 1 + ceilf - 1;
                }
            }
            else
            {
                j1 = half - 1 - ll - 1;
                j2 = half + ll + roundf - 1;
            }
        }

        return (Math.Max(j1 + 2, 0), Math.Min(j2, n));
    }

    /// <summary>
    /// P(D_n ≤ x) by Pelz and Good (1976): Li-Chien/Korolyuk's expansion K0 + K1/√n + K2/n + K3/n^1.5 in z = x√n,
    /// each term rewritten through Jacobi theta identities into fast-converging sums for small z.
    /// </summary>
    internal static double PelzGoodCdf(double n, double x)
    {
        if (x <= 0.0)
        {
            return 0.0;
        }

        if (x >= 1.0)
        {
            return 1.0;
        }

        const double pi2 = Math.PI * Math.PI;
        const double pi4 = pi2 * pi2;
        const double pi6 = pi4 * pi2;
        var sqrt2Pi = Math.Sqrt(2 * Math.PI);
        var z = Math.Sqrt(n) * x;
        var z2 = z * z;
        var z3 = z2 * z;
        var z4 = z2 * z2;
        var z6 = z4 * z2;
        var qlog = -pi2 / 8 / z2;
        if (qlog < -708)
        {
            return 0.0;
        }

        var q = Math.Exp(qlog);
        var k1a = -z2;
        var k1b = pi2 / 4;
        var k2a = (6 * z6) + (2 * z4);
        var k2b = ((2 * z4) - (5 * z2)) * pi2 / 4;
        var k2c = pi4 * (1 - (2 * z2)) / 16;
        var k3d = pi6 * (5 - (30 * z2)) / 64;
        var k3c = pi4 * ((-60 * z2) + (212 * z4)) / 16;
        var k3b = pi2 * ((135 * z4) - (96 * z6)) / 4;
        var k3a = (-30 * z6) - (90 * Math.Pow(z, 8));

        double k0 = 0, kk1 = 0, kk2 = 0, kk3 = 0;
        var maxk = (int)Math.Ceiling(16 * z / Math.PI);
        for (var k = maxk; k > 0; k--)
        {
            double m = (2 * k) - 1;
            var m2 = m * m;
            var m4 = m2 * m2;
            var m6 = m4 * m2;
            var qpower = Math.Pow(q, 8 * k);
            k0 = (k0 * qpower) + 1.0;
            kk1 = (kk1 * qpower) + (k1a + (k1b * m2));
            kk2 = (kk2 * qpower) + (k2a + (k2b * m2) + (k2c * m4));
            kk3 = (kk3 * qpower) + (k3a + (k3b * m2) + (k3c * m4) + (k3d * m6));
        }

        k0 = k0 * q * sqrt2Pi / z;
        kk1 = kk1 * q * sqrt2Pi / (6 * z4);
        kk2 = kk2 * q * sqrt2Pi / (72 * Math.Pow(z, 7));
        kk3 = kk3 * q * sqrt2Pi / (6480 * Math.Pow(z, 10));

        q = Math.Exp(-pi2 / 2 / z2);
        var sqrt3z = Math.Sqrt(3) * z;
        double k2extra = 0, k3extra = 0;
        for (var k = maxk; k > 0; k--)
        {
            double ks = k;
            var ks2 = ks * ks;
            var kspi = Math.PI * ks;
            var qp = Math.Pow(q, ks2);
            k2extra += ks2 * qp;
            k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
        }

        kk2 += k2extra * pi2 * sqrt2Pi / (-36 * z3);
        kk3 += k3extra * pi2 * sqrt2Pi / (216 * z6);
        return k0 + (kk1 / Math.Sqrt(n)) + (kk2 / n) + (kk3 / Math.Pow(n, 1.5));
    }
}
