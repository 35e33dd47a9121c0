using System.Globalization;
using Toolkit.Monitoring.Statistics;

namespace Toolkit.Monitoring.Tests.Statistics;

public sealed class BinsAndCategoriesTests
{
    private static double[] Values(int seed, int n, double shift, int? decimals)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => shift + (rng.NextDouble() * 10)).Select(v => decimals is { } d ? Math.Round(v, d) : v)];
    }

    [ScipyFact]
    public void DecileEdgesAndPsi_GeneratedPairs_EqualNumpyDefinition()
    {
        // PSI as the definition says, in numpy: edges np.quantile(ref, arange(1,10)/10), bins by searchsorted right,
        // shares clipped at 1e-4, sum (cur - ref) * ln(cur / ref).
        const string script = """
            import json, sys
            import numpy as np
            cases = json.load(open(sys.argv[1]))
            out = []
            for c in cases:
                ref = np.array(c["ref"], dtype=float); cur = np.array(c["cur"], dtype=float)
                edges = np.quantile(ref, np.arange(1, 10) / 10)
                r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=10) / len(ref)
                k = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=10) / len(cur)
                r = np.clip(r, 1e-4, None); k = np.clip(k, 1e-4, None)
                out.append({"edges": [float(e) for e in edges], "psi": float(np.sum((k - r) * np.log(k / r)))})
            print(json.dumps(out))
            """;
        var cases = new List<(double[] Ref, double[] Cur)>
        {
            (Values(1, 1000, 0, null), Values(2, 800, 0, null)),
            (Values(3, 1001, 0, null), Values(4, 500, 2, null)),
            (Values(5, 2000, 0, 0), Values(6, 900, 0.5, 0)),      // ties on the edges
            (Values(7, 37, 0, 1), Values(8, 20000, 3, 1)),
            (Values(9, 500, 0, 0).Select(v => Math.Min(v, 3)).ToArray(), Values(10, 300, 0, 0)),  // repeated edges
        };
        var expected = ScipyPeer.Run(script, cases.Select(c => new { @ref = c.Ref, cur = c.Cur }).ToList());
        for (var i = 0; i < cases.Count; i++)
        {
            var sorted = SortedSamples.From(cases[i].Ref);
            var edges = Quantiles.DecileEdges(sorted);
            edges.Should().Equal(expected[i].GetProperty("edges").EnumerateArray().Select(e => e.GetDouble()), $"case {i}");
            var psi = PopulationStability.Index(Quantiles.BinCounts(sorted, edges), Quantiles.BinCounts(SortedSamples.From(cases[i].Cur), edges));
            var e = expected[i].GetProperty("psi").GetDouble();
            ScipyPeer.Close(psi, e, 1e-12).Should().BeTrue(string.Create(CultureInfo.InvariantCulture, $"case {i}: {psi:R} vs {e:R}"));
        }
    }

    [Fact]
    public void BinOf_ValueOnAnEdge_GoesToTheBinAbove()
    {
        double[] edges = [1, 2, 3];
        Quantiles.BinOf(edges, 0.5).Should().Be(0);
        Quantiles.BinOf(edges, 1).Should().Be(1);
        Quantiles.BinOf(edges, 2.5).Should().Be(2);
        Quantiles.BinOf(edges, 3).Should().Be(3);
        Quantiles.BinCounts([0.5, 1, 1, 2.5, 3, 9], edges).Should().Equal(1, 2, 1, 2);
    }

    [Fact]
    public void Psi_EmptyCurrentBin_ClipsAtFloorInsteadOfInfinity()
    {
        var psi = PopulationStability.Index([50, 50], [100, 0]);
        var expected = ((1 - 0.5) * Math.Log(1 / 0.5)) + ((1e-4 - 0.5) * Math.Log(1e-4 / 0.5));
        psi.Should().BeApproximately(expected, 1e-12);
    }

    [ScipyFact]
    public void ChiSquareHomogeneity_Tables_EqualScipyChi2Contingency()
    {
        const string script = """
            import json, sys
            import numpy as np
            from scipy import stats
            cases = json.load(open(sys.argv[1]))
            out = []
            for c in cases:
                r = stats.chi2_contingency(np.array([c["ref"], c["cur"]], dtype=float))
                out.append({"stat": float(r[0]), "p": float(r[1]), "dof": int(r[2])})
            print(json.dumps(out))
            """;
        long[][][] tables =
        [
            [[500, 300, 200], [480, 330, 190]],
            [[500, 300, 200], [100, 300, 600]],
            [[60, 40], [55, 45]],                 // one degree of freedom: Yates
            [[1000, 10], [900, 200]],
            [[5000, 3000, 2000, 0], [40, 30, 20, 15]],   // a category unseen in the reference
            [[12000, 7000, 1000, 200, 3], [1100, 800, 90, 10, 1]],
            [[100000, 100000], [10, 400]],        // a tiny p-value
        ];
        var expected = ScipyPeer.Run(script, tables.Select(t => new { @ref = t[0], cur = t[1] }).ToList());
        for (var i = 0; i < tables.Length; i++)
        {
            var r = ChiSquare.Homogeneity(tables[i][0], tables[i][1]);
            var e = expected[i];
            r.DegreesOfFreedom.Should().Be(e.GetProperty("dof").GetInt32());
            ScipyPeer.Close(r.Statistic, e.GetProperty("stat").GetDouble(), 1e-9).Should().BeTrue($"statistic of table {i}: {r.Statistic}");
            ScipyPeer.Close(r.PValue, e.GetProperty("p").GetDouble(), 1e-6).Should().BeTrue(
                string.Create(CultureInfo.InvariantCulture, $"p of table {i}: {r.PValue:R} vs {e.GetProperty("p").GetDouble():R}"));
        }
    }

    [ScipyFact]
    public void UpperRegularizedGamma_Grid_EqualsScipyGammaincc()
    {
        const string script = """
            import json, sys
            from scipy import special
            cases = json.load(open(sys.argv[1]))
            print(json.dumps([float(special.gammaincc(c["a"], c["x"])) for c in cases]))
            """;
        var grid = new List<(double A, double X)>();
        foreach (var a in new[] { 0.5, 1, 1.5, 2, 4.5, 10, 50, 200 })
        {
            foreach (var x in new[] { 0.01, 0.3, 1, 2.5, 5, 12, 40, 100, 300, 900 })
            {
                grid.Add((a, x));
            }
        }

        var expected = ScipyPeer.Run(script, grid.Select(g => new { a = g.A, x = g.X }).ToList());
        for (var i = 0; i < grid.Count; i++)
        {
            var actual = Gamma.UpperRegularized(grid[i].A, grid[i].X);
            var e = expected[i].GetDouble();
            ScipyPeer.Close(actual, e, 1e-9).Should().BeTrue(string.Create(CultureInfo.InvariantCulture, $"Q({grid[i].A}, {grid[i].X}) = {actual:R} vs {e:R}"));
        }
    }
}
