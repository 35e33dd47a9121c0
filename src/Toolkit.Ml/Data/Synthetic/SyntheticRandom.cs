namespace Toolkit.Ml.Data.Synthetic;

/// <summary>Draws from common distributions on top of one seeded <see cref="Random"/>, in a fixed order.</summary>
internal sealed class SyntheticRandom
{
    private readonly Random _random;

    public SyntheticRandom(int seed)
    {
        _random = new Random(seed);
    }

    public double Uniform() => _random.NextDouble();

    public double Uniform(double low, double high) => low + ((high - low) * _random.NextDouble());

    public int Next(int exclusiveMax) => _random.Next(exclusiveMax);

    public bool Bernoulli(double p) => _random.NextDouble() < p;

    /// <summary>A standard normal draw (Box-Muller; one uniform pair per draw keeps the sequence simple).</summary>
    public double Normal()
    {
        var u1 = 1.0 - _random.NextDouble(); // (0, 1]: log is finite
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public double Normal(double mean, double sd) => mean + (sd * Normal());

    public double LogNormal(double mu, double sigma) => Math.Exp(Normal(mu, sigma));

    /// <summary>An index drawn with the given (unnormalised) weights.</summary>
    public int Choose(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        var u = _random.NextDouble() * total;
        for (var i = 0; i < weights.Length - 1; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    /// <summary>A Poisson draw (Knuth for small means, rounded normal approximation for large ones).</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean > 50)
        {
            return Math.Max(0, (int)Math.Round(Normal(mean, Math.Sqrt(mean))));
        }

        var limit = Math.Exp(-mean);
        var k = 0;
        var p = _random.NextDouble();
        while (p > limit)
        {
            k++;
            p *= _random.NextDouble();
        }

        return k;
    }

    public static double Clamp(double x, double low, double high) => Math.Min(high, Math.Max(low, x));

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));
}
