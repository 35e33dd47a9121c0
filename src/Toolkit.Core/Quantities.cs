using System.Globalization;

namespace Toolkit;

/// <summary>Parses durations (<c>90s</c>, <c>10m</c>, <c>1h</c>, <c>250ms</c>) and memory sizes (<c>512Mi</c>, <c>2Gi</c>, <c>1G</c>).</summary>
internal static class Quantities
{
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        // A duration beyond TimeSpan's range is not a duration anyone means: refused, never an overflow.
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || !double.IsFinite(n)
            || n * scale >= TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(n * scale);
        return true;
    }

    public static bool TryParseMemory(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        string[] suffixes = ["Ki", "Mi", "Gi", "Ti", "K", "M", "G", "T"];
        double[] scales = [1L << 10, 1L << 20, 1L << 30, 1L << 40, 1e3, 1e6, 1e9, 1e12];
        var scale = 1.0;
        for (var i = 0; i < suffixes.Length; i++)
        {
            if (text.EndsWith(suffixes[i], StringComparison.Ordinal))
            {
                text = text[..^suffixes[i].Length];
                scale = scales[i];
                break;
            }
        }

        // At most a pebibyte (far beyond any machine) and at least a byte: (long) of a larger double is undefined.
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || !double.IsFinite(n)
            || n * scale < 1 || n * scale > (double)(1L << 50))
        {
            return false;
        }

        bytes = (long)(n * scale);
        return true;
    }
}
