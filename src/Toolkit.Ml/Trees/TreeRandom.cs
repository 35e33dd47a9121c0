namespace Toolkit.Ml.Trees;

/// <summary>
/// Small, fast PRNG (SplitMix64) so that every tree or round gets its own stream derived from
/// (seed, purpose, index): results then do not depend on which thread builds what.
/// </summary>
internal struct TreeRandom
{
    private ulong _state;

    public TreeRandom(int seed, int stream, int index)
    {
        _state = Mix(((ulong)(uint)seed << 32) ^ ((ulong)(uint)stream * 0x9E3779B97F4A7C15UL) ^ (ulong)(uint)index);
        _state = Mix(_state + (ulong)(uint)index);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform integer in [0, bound) (Lemire's multiply-shift; the tiny bias is irrelevant here).</summary>
    public int NextInt(int bound) => (int)(((NextUInt64() >> 32) * (ulong)(uint)bound) >> 32);

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
