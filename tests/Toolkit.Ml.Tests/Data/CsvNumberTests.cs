using System.Globalization;
using System.Text;
using Toolkit.Ml.Data.Csv;

namespace Toolkit.Ml.Tests.Data;

/// <summary>The fast path must agree bit for bit with the runtime's (correctly rounded) parser.</summary>
public sealed class CsvNumberTests
{
    private static IEnumerable<string> RandomDecimals(int seed, int count)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var digits = rng.Next(1, 20);
            var sb = new StringBuilder();
            if (rng.Next(3) == 0)
            {
                sb.Append('-');
            }

            for (var k = 0; k < digits; k++)
            {
                sb.Append((char)('0' + rng.Next(10)));
            }

            if (rng.Next(2) == 0)
            {
                sb.Insert(rng.Next(sb[0] == '-' ? 1 : 0, sb.Length + 1), '.');
            }

            if (rng.Next(4) == 0)
            {
                sb.Append(rng.Next(2) == 0 ? 'e' : 'E').Append(rng.Next(-30, 31).ToString(CultureInfo.InvariantCulture));
            }

            var s = sb.ToString();
            if (s is "." or "-.")
            {
                s += "5";
            }

            yield return s;
        }
    }

    [Fact]
    public void TryParseFloat_RandomDecimals_MatchesRuntimeParser()
    {
        foreach (var s in RandomDecimals(1, 100_000))
        {
            var expected = float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

            CsvNumber.TryParseFloat(Encoding.ASCII.GetBytes(s), out var actual).Should().BeTrue(s);
            BitConverter.SingleToInt32Bits(actual).Should().Be(BitConverter.SingleToInt32Bits(expected), s);
        }
    }

    [Fact]
    public void TryParseDouble_RandomDecimals_MatchesRuntimeParser()
    {
        foreach (var s in RandomDecimals(2, 100_000))
        {
            var expected = double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

            CsvNumber.TryParseDouble(Encoding.ASCII.GetBytes(s), out var actual).Should().BeTrue(s);
            BitConverter.DoubleToInt64Bits(actual).Should().Be(BitConverter.DoubleToInt64Bits(expected), s);
        }
    }

    [Theory]
    // 1 + 2^-24 = 1.000000059604644775390625 is exactly halfway between the floats 1 and 1 + 2^-23.
    // These short decimals lie just above / just below it, but both round to that midpoint as doubles, so a
    // naive (float)double.Parse would give 1 for both (ties to even). Correct rounding decides by the side.
    // Which side each string lies on was checked with exact rationals (Python fractions.Fraction).
    [InlineData("1.0000000596046448", 1.00000011920928955078125)] // above: 1 + 2^-23
    [InlineData("1.0000000596046447", 1.0)] // below: 1
    [InlineData("1.000000059604644775390625", 1.0)] // exactly the midpoint: ties to even, 1
    // 1 + 3 * 2^-24 = 1.000000178813934326171875 is halfway between 1 + 2^-23 and 1 + 2^-22.
    [InlineData("1.0000001788139344", 1.0000002384185791015625)] // above: 1 + 2^-22
    [InlineData("1.0000001788139343", 1.00000011920928955078125)] // below: 1 + 2^-23
    public void TryParseFloat_NearFloatMidpoints_RoundsCorrectly(string text, double expected)
    {
        CsvNumber.TryParseFloat(Encoding.ASCII.GetBytes(text), out var actual).Should().BeTrue();

        actual.Should().Be((float)expected);
    }

    [Theory]
    [InlineData(" 1.5 ", 1.5)]
    [InlineData("1e3", 1000)]
    [InlineData("Infinity", double.PositiveInfinity)]
    [InlineData("-0", -0.0)]
    [InlineData(".25", 0.25)]
    [InlineData("5.", 5)]
    public void TryParseDouble_OtherInvariantSyntax_IsAccepted(string text, double expected)
    {
        CsvNumber.TryParseDouble(Encoding.ASCII.GetBytes(text), out var actual).Should().BeTrue();
        actual.Should().Be(expected);
    }

    [Theory]
    [InlineData("1,5")]
    [InlineData("abc")]
    [InlineData("1.2.3")]
    [InlineData("e5")]
    [InlineData("0x10")]
    [InlineData("-")]
    public void TryParseDouble_NotANumber_IsRejected(string text)
    {
        CsvNumber.TryParseDouble(Encoding.ASCII.GetBytes(text), out _).Should().BeFalse();
    }
}
