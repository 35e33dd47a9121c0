using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Monitoring.Profiles;
using Toolkit.Monitoring.Statistics;

namespace Toolkit.Monitoring.Drift;

/// <summary>
/// Compares current data with a reference (a full table or a <see cref="ReferenceProfile"/>) feature by
/// feature. Against a table, KS and Wasserstein use every reference value; against a profile, its sample.
/// PSI always uses the reference's decile edges and counts, so it is the same either way.
/// </summary>
internal static class DriftDetector
{
    /// <summary>Compares two tables; the reference's columns (less the excluded ones) are the features.</summary>
    public static DriftReport Compare(DataTable reference, DataTable current, DriftOptions? options = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        options ??= new DriftOptions();
        var sides = Features(reference.Columns.Select(c => c.Name), options)
            .Select(name => (Reference: ReferenceSide.From(reference[name]), Current: CurrentColumn(current, name)))
            .ToList();
        FeatureDrift? prediction = null;
        if (options.PredictionColumn is { } score)
        {
            prediction = CompareOne(ReferenceSide.From(ColumnOf(reference, score)), CurrentColumn(current, score), options.Thresholds);
        }

        return Assemble(sides, prediction, reference.RowCount, current.RowCount, options, progress, cancellationToken);
    }

    /// <summary>Compares a table with a stored profile.</summary>
    public static DriftReport Compare(ReferenceProfile reference, DataTable current, DriftOptions? options = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        options ??= new DriftOptions();
        var sides = Features(reference.Features.Select(f => f.Name), options)
            .Select(name => (Reference: ReferenceSide.From(reference.Find(name)!), Current: CurrentColumn(current, name)))
            .ToList();
        FeatureDrift? prediction = null;
        if (options.PredictionColumn is { } score && reference.Predictions is { } scores)
        {
            prediction = CompareOne(ReferenceSide.From(scores with { Name = score }), CurrentColumn(current, score), options.Thresholds);
        }

        return Assemble(sides, prediction, reference.Rows, current.RowCount, options, progress, cancellationToken);
    }

    /// <summary>Prediction drift alone: the profiled reference scores against current scores (NaN = missing).</summary>
    public static FeatureDrift ComparePredictions(FeatureProfile reference, ReadOnlySpan<double> currentScores, DriftThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var current = new Float64Column(reference.Name, currentScores.ToArray());
        return CompareOne(ReferenceSide.From(reference), current, thresholds ?? new DriftThresholds());
    }

    private static IEnumerable<string> Features(IEnumerable<string> referenceNames, DriftOptions options)
    {
        var names = referenceNames.ToList();
        foreach (var excluded in options.Exclude.Where(e => !names.Contains(e, StringComparer.Ordinal)))
        {
            throw new ArgumentException($"Column '{excluded}' is not in the reference; columns are: {ColumnNames.List(names)}.");
        }

        if (options.Columns is { } only)
        {
            foreach (var c in only.Where(c => !names.Contains(c, StringComparer.Ordinal)))
            {
                throw new ArgumentException($"Column '{c}' is not in the reference; columns are: {ColumnNames.List(names)}.");
            }

            names = [.. names.Where(only.Contains)];
        }

        return names.Where(n => !options.Exclude.Contains(n, StringComparer.Ordinal)
            && !string.Equals(n, options.PredictionColumn, StringComparison.Ordinal));
    }

    private static Column ColumnOf(DataTable table, string name) =>
        table.Contains(name) ? table[name] : throw new ArgumentException($"Column '{name}' is not in the reference.");

    private static Column CurrentColumn(DataTable current, string name) =>
        current.Contains(name) ? current[name] : throw new ArgumentException($"Column '{name}' is not in the current data.");

    private static DriftReport Assemble(
        List<(ReferenceSide Reference, Column Current)> sides, FeatureDrift? prediction, long referenceRows, long currentRows,
        DriftOptions options, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        options.Thresholds.Validate();
        var results = new FeatureDrift[sides.Count];
        var done = 0;
        Parallel.For(
            0,
            sides.Count,
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            i =>
            {
                results[i] = CompareOne(sides[i].Reference, sides[i].Current, options.Thresholds);
                var n = Interlocked.Increment(ref done);
                progress?.Report(string.Create(CultureInfo.InvariantCulture, $"compared {n}/{sides.Count}: {results[i].Name}"));
            });

        var drifted = results.Count(r => r.Drifted);
        var share = results.Length == 0 ? 0.0 : (double)drifted / results.Length;
        var datasetDrift = results.Length > 0 && share >= options.Thresholds.DatasetShare;
        return new DriftReport
        {
            DatasetDrift = datasetDrift,
            DriftedShare = share,
            Features = results,
            PredictionDrift = prediction,
            Trigger = datasetDrift || prediction?.Drifted == true ? DriftReport.TriggerDrift : DriftReport.TriggerNone,
            ReferenceRows = referenceRows,
            CurrentRows = currentRows,
        };
    }

    private static FeatureDrift CompareOne(ReferenceSide reference, Column current, DriftThresholds thresholds)
    {
        if (reference.Kind == FeatureKind.Categorical)
        {
            if (current is not CategoricalColumn categories)
            {
                throw new ArgumentException($"Column '{reference.Name}' is categorical in the reference but numeric in the current data.");
            }

            return CompareCategorical(reference, categories, thresholds);
        }

        var sorted = current switch
        {
            Float32Column f => SortedSamples.From(f.Values),
            Float64Column d => SortedSamples.From(d.Values),
            _ => throw new ArgumentException($"Column '{reference.Name}' is numeric in the reference but text in the current data."),
        };
        return CompareNumeric(reference, sorted, thresholds);
    }

    private static FeatureDrift CompareNumeric(ReferenceSide reference, double[] current, DriftThresholds thresholds)
    {
        if (reference.Sorted.Length == 0 || current.Length == 0)
        {
            return Empty(reference.Name, FeatureKind.Numeric, current.Length <= thresholds.KsMaxRows ? "ks" : "wasserstein");
        }

        var (ks, w) = TwoSampleTests.Compare(reference.Sorted, current);
        var currentBins = Quantiles.BinCounts(current, reference.Edges);
        var psi = PopulationStability.Index(reference.BinCounts, currentBins);
        double? norm = reference.Std > 0 ? w / reference.Std : (w == 0 ? 0.0 : null);
        var useKs = current.Length <= thresholds.KsMaxRows;
        var byTest = useKs
            ? ks.PValue < thresholds.KsPValue
            : norm is { } z ? z > thresholds.WassersteinNorm : w > 0;
        return new FeatureDrift
        {
            Name = reference.Name,
            Kind = FeatureKind.Numeric,
            Test = useKs ? "ks" : "wasserstein",
            Statistic = ks.Statistic,
            PValue = ks.PValue,
            Psi = psi,
            Wasserstein = w,
            WassersteinNorm = norm,
            Drifted = byTest || psi > thresholds.Psi,
            Histogram = new FeatureHistogram(BinLabels(reference.Edges), Shares(reference.BinCounts), Shares(currentBins)),
        };
    }

    private static FeatureDrift CompareCategorical(ReferenceSide reference, CategoricalColumn current, DriftThresholds thresholds)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var labels = new List<string>();
        var referenceCounts = new List<long>();
        foreach (var (value, count) in reference.Categories)
        {
            index[value] = labels.Count;
            labels.Add(value);
            referenceCounts.Add(count);
        }

        var local = new long[current.Categories.Count];
        long present = 0;
        foreach (var code in current.Codes)
        {
            if (code >= 0)
            {
                local[code]++;
                present++;
            }
        }

        var currentCounts = new long[labels.Count];
        var unseen = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < local.Length; i++)
        {
            if (local[i] == 0)
            {
                continue;
            }

            if (index.TryGetValue(current.Categories[i], out var at))
            {
                currentCounts[at] += local[i];
            }
            else
            {
                unseen[current.Categories[i]] = local[i];
            }
        }

        // Categories the reference never saw count in full: a zero reference share is raised to the PSI floor.
        var allReference = referenceCounts.Concat(unseen.Select(_ => 0L)).ToArray();
        var allCurrent = currentCounts.Concat(unseen.Values).ToArray();
        labels.AddRange(unseen.Keys);
        if (allReference.Sum() == 0 || present == 0)
        {
            return Empty(reference.Name, FeatureKind.Categorical, "chi2");
        }

        var chi = ChiSquare.Homogeneity(allReference, allCurrent);
        var psi = PopulationStability.Index(allReference, allCurrent);
        var byTest = present <= thresholds.KsMaxRows && chi.PValue < thresholds.ChiSquarePValue;
        return new FeatureDrift
        {
            Name = reference.Name,
            Kind = FeatureKind.Categorical,
            Test = "chi2",
            Statistic = Finite(chi.Statistic),
            PValue = Finite(chi.PValue),
            Psi = psi,
            Wasserstein = null,
            WassersteinNorm = null,
            Drifted = byTest || psi > thresholds.Psi,
            Histogram = new FeatureHistogram(labels, Shares(allReference), Shares(allCurrent)),
        };
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static FeatureDrift Empty(string name, FeatureKind kind, string test) => new()
    {
        Name = name,
        Kind = kind,
        Test = test,
        Statistic = null,
        PValue = null,
        Psi = null,
        Wasserstein = null,
        WassersteinNorm = null,
        Drifted = false,
    };

    private static double[] Shares(IReadOnlyList<long> counts)
    {
        var total = counts.Sum();
        return [.. counts.Select(c => total == 0 ? 0.0 : (double)c / total)];
    }

    private static string[] BinLabels(IReadOnlyList<double> edges)
    {
        var labels = new string[edges.Count + 1];
        for (var i = 0; i <= edges.Count; i++)
        {
            labels[i] = i == 0
                ? string.Create(CultureInfo.InvariantCulture, $"< {edges[0]:G4}")
                : i == edges.Count
                    ? string.Create(CultureInfo.InvariantCulture, $">= {edges[^1]:G4}")
                    : string.Create(CultureInfo.InvariantCulture, $"[{edges[i - 1]:G4}, {edges[i]:G4})");
        }

        return labels;
    }

    /// <summary>The reference half of a comparison, from full data or from a profile.</summary>
    private sealed class ReferenceSide
    {
        public required string Name { get; init; }

        public required FeatureKind Kind { get; init; }

        public double[] Sorted { get; init; } = [];

        public double[] Edges { get; init; } = [];

        public long[] BinCounts { get; init; } = [];

        public double Std { get; init; }

        public IReadOnlyList<(string Value, long Count)> Categories { get; init; } = [];

        public static ReferenceSide From(Column column)
        {
            if (column is CategoricalColumn c)
            {
                var profile = ProfileBuilder.Build(c);
                return From(profile);
            }

            var sorted = column switch
            {
                Float32Column f => SortedSamples.From(f.Values),
                Float64Column d => SortedSamples.From(d.Values),
                _ => throw new ArgumentException($"Column '{column.Name}' has an unsupported type."),
            };
            if (sorted.Length == 0)
            {
                return new ReferenceSide { Name = column.Name, Kind = FeatureKind.Numeric };
            }

            var edges = Quantiles.DecileEdges(sorted);
            return new ReferenceSide
            {
                Name = column.Name,
                Kind = FeatureKind.Numeric,
                Sorted = sorted,
                Edges = edges,
                BinCounts = Quantiles.BinCounts(sorted, edges),
                Std = ProfileBuilder.Moments(sorted).Std,
            };
        }

        public static ReferenceSide From(FeatureProfile profile)
        {
            if (profile.Kind == FeatureKind.Categorical)
            {
                return new ReferenceSide
                {
                    Name = profile.Name,
                    Kind = FeatureKind.Categorical,
                    Categories = [.. (profile.Categories ?? []).Select(c => (c.Value, c.Count))],
                };
            }

            if (profile.Numeric is not { } numeric)
            {
                return new ReferenceSide { Name = profile.Name, Kind = FeatureKind.Numeric };
            }

            return new ReferenceSide
            {
                Name = profile.Name,
                Kind = FeatureKind.Numeric,
                Sorted = numeric.Sample.Expand(),
                Edges = [.. numeric.Edges],
                BinCounts = [.. numeric.BinCounts],
                Std = numeric.Std,
            };
        }
    }
}
