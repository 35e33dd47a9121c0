using System.Globalization;

namespace Toolkit.Ml.Data.Csv;

/// <summary>
/// Number parsing for CSV fields. Plain decimals (the vast majority of fields) take an exact fast path;
/// everything else goes to the runtime's parser, so the accepted syntax is exactly invariant-culture
/// <see cref="NumberStyles.Float"/> and results are always correctly rounded.
/// </summary>
internal static class CsvNumber
{
    private const NumberStyles Styles = NumberStyles.Float;

    // The smallest normal float, 2^-126; below it a float keeps fewer bits and the midpoint test does not hold.
    private const double MinNormalFloat = 1.1754943508222875e-38;

    // Powers of ten that are exact in a double (10^22 is the largest).
    private static readonly double[] Pow10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    public static bool TryParseFloat(ReadOnlySpan<byte> s, out float value)
    {
        if (TryFastDouble(s, out var d))
        {
            var a = Math.Abs(d);
            // Converting the correctly rounded double to float is correct unless the double sits exactly on a
            // float rounding midpoint (then the decimal may lie just above or below it) or is outside the
            // normal float range; those rare cases go to the exact parser.
            if (a == 0 || (a >= MinNormalFloat && a <= float.MaxValue && !IsFloatMidpoint(d)))
            {
                value = (float)d;
                return true;
            }
        }

        return float.TryParse(s, Styles, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value) =>
        TryFastDouble(s, out value) || double.TryParse(s, Styles, CultureInfo.InvariantCulture, out value);

    private static bool IsFloatMidpoint(double d)
    {
        // A double has 52 fraction bits, a float 23: the 29 dropped bits are exactly "half" at a midpoint.
        var bits = BitConverter.DoubleToInt64Bits(d) & ((1L << 29) - 1);
        return bits == 1L << 28;
    }

    /// <summary>
    /// Clinger's fast path: [sign] digits [. digits] [e [sign] digits] with at most 19 significant digits whose
    /// integer fits in 53 bits and a decimal exponent within ±22 is one exact multiply or divide, which IEEE
    /// arithmetic rounds correctly. Returns false (not "not a number") for anything else.
    /// </summary>
    private static bool TryFastDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        var i = 0;
        if (s.Length == 0)
        {
            return false;
        }

        var negative = s[0] == (byte)'-';
        if (negative || s[0] == (byte)'+')
        {
            i++;
        }

        // Leading zeros are accumulated too (they do not change the integer); more than 19 digits in all
        // goes to the general parser, so the integer cannot overflow.
        ulong mantissa = 0;
        var intStart = i;
        uint digit;
        while (i < s.Length && (digit = (uint)(s[i] - '0')) <= 9)
        {
            mantissa = (mantissa * 10) + digit;
            i++;
        }

        var digits = i - intStart;
        var exponent = 0;
        if (i < s.Length && s[i] == (byte)'.')
        {
            i++;
            var fracStart = i;
            while (i < s.Length && (digit = (uint)(s[i] - '0')) <= 9)
            {
                mantissa = (mantissa * 10) + digit;
                i++;
            }

            exponent = fracStart - i;
            digits -= exponent;
        }

        if (digits == 0 || digits > 19)
        {
            return false;
        }

        if (i < s.Length && (s[i] | 0x20) == (byte)'e')
        {
            i++;
            var expNegative = false;
            if (i < s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+'))
            {
                expNegative = s[i] == (byte)'-';
                i++;
            }

            var expStart = i;
            var e = 0;
            while (i < s.Length && (digit = (uint)(s[i] - '0')) <= 9)
            {
                if (e > 10000)
                {
                    return false;
                }

                e = (e * 10) + (int)digit;
                i++;
            }

            if (i == expStart)
            {
                return false;
            }

            exponent += expNegative ? -e : e;
        }

        if (i != s.Length)
        {
            return false;
        }

        if (mantissa == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }

        if (mantissa > (1UL << 53) || exponent < -22 || exponent > 22)
        {
            return false;
        }

        var m = (double)mantissa;
        var result = exponent >= 0 ? m * Pow10[exponent] : m / Pow10[-exponent];
        value = negative ? -result : result;
        return true;
    }
}
