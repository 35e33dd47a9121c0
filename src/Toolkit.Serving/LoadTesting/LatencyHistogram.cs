namespace Toolkit.Serving.LoadTesting;

/// <summary>
/// Latencies in log-spaced buckets 1% apart, from 1 µs to well over an hour: fixed memory however
/// long the test runs, and percentiles within 1% of the exact value.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Growth = 1.01;
    private static readonly double LogGrowth = Math.Log(Growth);
    private const int BucketCount = 2400; // 1.01^2400 µs ≈ 7e10 µs

    private readonly long[] _counts = new long[BucketCount];
    private double _max;

    public long Count { get; private set; }

    public double MaxMs => _max * 1e3;

    public void Add(double seconds)
    {
        var micros = Math.Max(seconds * 1e6, 1);
        var index = Math.Min((int)(Math.Log(micros) / LogGrowth), BucketCount - 1);
        _counts[index]++;
        Count++;
        _max = Math.Max(_max, seconds);
    }

    public void Merge(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        _max = Math.Max(_max, other._max);
    }

    /// <summary>The latency at quantile <paramref name="q"/> (0..1), in milliseconds: the bucket's upper edge, capped at the maximum seen.</summary>
    public double PercentileMs(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var upperMicros = Math.Pow(Growth, i + 1);
                return Math.Min(upperMicros / 1e3, MaxMs);
            }
        }

        return MaxMs;
    }
}
