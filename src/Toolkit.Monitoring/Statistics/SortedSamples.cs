using System.Buffers;
using System.Runtime.InteropServices;

namespace Toolkit.Monitoring.Statistics;

/// <summary>
/// Sorting for the statistics, which work on ascending arrays without missing values. Large arrays are
/// sorted by an LSD radix sort on the doubles' order-preserving bit patterns (six 11-bit passes, passes
/// whose digit is the same for every value skipped): several times faster than a comparison sort at
/// drift sizes (hundreds of thousands of values per feature) and the same order, -0 before +0 apart.
/// </summary>
internal static class SortedSamples
{
    private const int RadixThreshold = 4_096;

    /// <summary>The non-NaN values of <paramref name="values"/>, ascending (a new array).</summary>
    public static double[] From(ReadOnlySpan<double> values)
    {
        var n = 0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                n++;
            }
        }

        // One allocation: the keys are sorted in the result's own memory, then turned back into doubles there.
        var result = new double[n];
        var keys = MemoryMarshal.Cast<double, ulong>(result.AsSpan());
        var at = 0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                keys[at++] = Key(v);
            }
        }

        Finish(keys);
        return result;
    }

    /// <inheritdoc cref="From(ReadOnlySpan{double})"/>
    public static double[] From(ReadOnlySpan<float> values)
    {
        var n = 0;
        foreach (var v in values)
        {
            if (!float.IsNaN(v))
            {
                n++;
            }
        }

        var result = new double[n];
        var keys = MemoryMarshal.Cast<double, ulong>(result.AsSpan());
        var at = 0;
        foreach (var v in values)
        {
            if (!float.IsNaN(v))
            {
                keys[at++] = Key(v);
            }
        }

        Finish(keys);
        return result;
    }

    private static void Finish(Span<ulong> keys)
    {
        if (keys.Length < RadixThreshold)
        {
            keys.Sort();
        }
        else
        {
            RadixSort(keys);
        }

        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = Bits(keys[i]);
        }
    }

    /// <summary>Maps a double to an unsigned key with the same order: flip all bits of negatives, the sign bit of positives.</summary>
    private static ulong Key(double v)
    {
        var bits = (ulong)BitConverter.DoubleToInt64Bits(v);
        return (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits | 0x8000_0000_0000_0000UL;
    }

    /// <summary>The double's bit pattern back from its key.</summary>
    private static ulong Bits(ulong key) => (key & 0x8000_0000_0000_0000UL) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFUL : ~key;

    private static void RadixSort(Span<ulong> keys)
    {
        // Six 11-bit digits: each pass's 2,048 counters stay in the L1 cache. All histograms in one read.
        const int bits = 11, passes = 6, radix = 1 << bits, mask = radix - 1;
        var counts = new int[passes * radix];
        foreach (var k in keys)
        {
            for (var p = 0; p < passes; p++)
            {
                counts[(p * radix) + (int)((k >> (p * bits)) & mask)]++;
            }
        }

        var buffer = ArrayPool<ulong>.Shared.Rent(keys.Length);
        var source = keys;
        Span<ulong> target = buffer.AsSpan(0, keys.Length);
        var inBuffer = false;
        for (var p = 0; p < passes; p++)
        {
            var shift = p * bits;
            var histogram = counts.AsSpan(p * radix, radix);

            // A digit every key shares moves nothing.
            if (histogram[(int)((source[0] >> shift) & mask)] == source.Length)
            {
                continue;
            }

            var sum = 0;
            for (var d = 0; d < radix; d++)
            {
                var c = histogram[d];
                histogram[d] = sum;
                sum += c;
            }

            foreach (var k in source)
            {
                target[histogram[(int)((k >> shift) & mask)]++] = k;
            }

            var swap = source;
            source = target;
            target = swap;
            inBuffer = !inBuffer;
        }

        if (inBuffer)
        {
            source.CopyTo(keys);
        }

        ArrayPool<ulong>.Shared.Return(buffer);
    }
}
