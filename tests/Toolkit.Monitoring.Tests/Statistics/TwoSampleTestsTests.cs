using System.Globalization;
using Toolkit.Monitoring.Statistics;

namespace Toolkit.Monitoring.Tests.Statistics;

public sealed class TwoSampleTestsTests
{
    private const string Script = """
        import json, sys
        import numpy as np
        from scipy import stats
        cases = json.load(open(sys.argv[1]))
        out = []
        for c in cases:
            a = np.array(c["a"], dtype=float); b = np.array(c["b"], dtype=float)
            r = stats.ks_2samp(a, b)
            out.append({"d": float(r.statistic), "p": float(r.pvalue), "w": float(stats.wasserstein_distance(a, b))})
        print(json.dumps(out))
        """;

    /// <summary>Pairs covering scipy's exact paths (equal and unequal sizes), its asymptotic one (beyond 10,000), ties, shifts.</summary>
    private static List<(string Name, double[] A, double[] B)> Cases()
    {
        var rng = new Random(1234);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double[] Sample(int n, double shift, double scale = 1, int? decimals = null) =>
            [.. Enumerable.Range(0, n).Select(_ => shift + (scale * Normal())).Select(v => decimals is { } d ? Math.Round(v, d) : v)];
        var cases = new List<(string, double[], double[])>
        {
            ("tiny unequal", Sample(7, 0), Sample(5, 0.5)),
            ("small equal unshifted", Sample(40, 0), Sample(40, 0)),
            ("small equal shifted", Sample(50, 0), Sample(50, 1)),
            ("small unequal unshifted", Sample(120, 0), Sample(85, 0)),
            ("small unequal shifted", Sample(300, 0), Sample(170, 0.4)),
            ("ties", Sample(500, 0, 3, 0), Sample(400, 0.3, 3, 0)),
            ("heavy ties equal", Sample(200, 0, 1, 0), Sample(200, 0, 1, 0)),
            ("exact at the limit", Sample(10_000, 0), Sample(3_000, 0.05)),
            ("exact large unshifted", Sample(5_000, 0), Sample(1_000, 0)),
            ("asymptotic unshifted", Sample(20_000, 0), Sample(15_000, 0)),
            ("asymptotic small shift", Sample(20_000, 0), Sample(12_000, 0.03)),
            ("asymptotic shifted", Sample(30_000, 0), Sample(11_000, 0.2)),
            ("asymptotic few current", Sample(12_000, 0), Sample(100, 0.2)),
            ("asymptotic few current shifted", Sample(12_000, 0), Sample(60, 0.8)),
            ("asymptotic 150 current", Sample(15_000, 0), Sample(150, 0.25)),
            ("asymptotic ties", Sample(40_000, 0, 2, 1), Sample(20_000, 0.1, 2, 1)),
            ("scale change", Sample(800, 0), Sample(600, 0, 1.5)),
        };
        return cases;
    }

    [ScipyFact]
    public void Compare_GeneratedPairs_EqualScipy()
    {
        var cases = Cases();
        var expected = ScipyPeer.Run(Script, cases.Select(c => new { a = c.A, b = c.B }).ToList());
        var failures = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var (name, a, b) = cases[i];
            var sa = SortedSamples.From(a);
            var sb = SortedSamples.From(b);
            var (ks, w) = TwoSampleTests.Compare(sa, sb);
            var e = expected[i];
            var d = e.GetProperty("d").GetDouble();
            var p = e.GetProperty("p").GetDouble();
            var ew = e.GetProperty("w").GetDouble();
            if (ks.Statistic != d || !ScipyPeer.Close(ks.PValue, p, 1e-6) || !ScipyPeer.Close(w, ew, 1e-6))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{name} ({ks.Method}): D {ks.Statistic:R} vs {d:R}, p {ks.PValue:R} vs {p:R}, W {w:R} vs {ew:R}"));
            }
        }

        failures.Should().BeEmpty();
    }

    [ScipyFact]
    public void KolmogorovSf_AcrossMethodRegions_EqualsScipyKstwo()
    {
        // Every region of kstwo.sf: Ruben-Gambino ends, Durbin, Pomeranz, Smirnov tail, Pelz-Good, large-n cut-offs.
        int[] sizes = [1, 2, 5, 30, 100, 140, 141, 500, 3_000, 63_636, 100_001, 400_000];
        var grid = new List<(int N, double X)>();
        foreach (var n in sizes)
        {
            foreach (var z in new[] { 0.2, 0.45, 0.6, 0.8, 0.87, 1.0, 1.3, 1.5, 1.8, 2.1, 2.5, 3.0, 4.5, 8.0, 20.0 })
            {
                var x = z / Math.Sqrt(n);
                if (x < 1)
                {
                    grid.Add((n, x));
                }
            }

            foreach (var x in new[] { 0.6 / n, 0.9 / n, 1.0 - (0.5 / n), 0.55, 0.7, 0.95 })
            {
                if (x is > 0 and < 1)
                {
                    grid.Add((n, x));
                }
            }
        }

        const string script = """
            import json, sys
            from scipy import stats
            cases = json.load(open(sys.argv[1]))
            print(json.dumps([float(stats.kstwo.sf(c["x"], c["n"])) for c in cases]))
            """;
        var expected = ScipyPeer.Run(script, grid.Select(g => new { n = g.N, x = g.X }).ToList());
        var failures = new List<string>();
        for (var i = 0; i < grid.Count; i++)
        {
            var actual = KolmogorovDistribution.Sf(grid[i].N, grid[i].X);
            var e = expected[i].GetDouble();
            if (!ScipyPeer.Close(actual, e, 1e-6))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"n={grid[i].N} x={grid[i].X:R}: {actual:R} vs {e:R}"));
            }
        }

        failures.Should().BeEmpty();
    }

    [ScipyFact]
    public void SmirnovSf_Grid_EqualsScipySpecialSmirnov()
    {
        var grid = new List<(int N, double X)>();
        foreach (var n in new[] { 2, 3, 10, 50, 140, 1_000, 1_013, 5_000, 63_636 })
        {
            foreach (var x in new[] { 0.3 / n, 1.0 / n, 1.5 / n, 1.0 / Math.Sqrt(n), 2.0 / Math.Sqrt(n), 0.2, 0.5, 0.75, 1 - (1.0 / n) })
            {
                if (x is > 0 and < 1)
                {
                    grid.Add((n, x));
                }
            }
        }

        const string script = """
            import json, sys
            from scipy import special
            cases = json.load(open(sys.argv[1]))
            print(json.dumps([float(special.smirnov(c["n"], c["x"])) for c in cases]))
            """;
        var expected = ScipyPeer.Run(script, grid.Select(g => new { n = g.N, x = g.X }).ToList());
        var failures = new List<string>();
        for (var i = 0; i < grid.Count; i++)
        {
            var actual = Smirnov.Sf(grid[i].N, grid[i].X);
            var e = expected[i].GetDouble();
            if (!ScipyPeer.Close(actual, e, 1e-6))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"n={grid[i].N} x={grid[i].X:R}: {actual:R} vs {e:R}"));
            }
        }

        failures.Should().BeEmpty();
    }

    [Fact]
    public void KolmogorovSmirnov_IdenticalSamples_StatisticZeroPValueOne()
    {
        double[] a = [1, 2, 3, 4, 5];
        var r = TwoSampleTests.KolmogorovSmirnov(a, a);
        r.Statistic.Should().Be(0);
        r.PValue.Should().Be(1);
    }

    [Fact]
    public void Wasserstein_ShiftedByConstant_IsTheShift()
    {
        double[] a = [0, 1, 2, 3];
        double[] b = [0.5, 1.5, 2.5, 3.5];
        TwoSampleTests.Wasserstein(a, b).Should().BeApproximately(0.5, 1e-15);
    }
}
