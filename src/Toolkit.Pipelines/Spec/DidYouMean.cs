namespace Toolkit.Pipelines.Spec;

/// <summary>Suggests the closest known name for a misspelled one (edit distance).</summary>
internal static class DidYouMean
{
    public static string Suffix(string given, IEnumerable<string> known)
    {
        var best = Closest(given, known);
        return best is null ? "" : $"; did you mean '{best}'?";
    }

    public static string? Closest(string given, IEnumerable<string> known)
    {
        var names = known.ToList();

        // A name cut short or run long ("data" for "dataset") is the likeliest slip of all.
        var prefixed = names.Where(k => given.Length >= 3 && (k.StartsWith(given, StringComparison.OrdinalIgnoreCase) || given.StartsWith(k, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(k => Math.Abs(k.Length - given.Length)).FirstOrDefault();
        if (prefixed is not null && !prefixed.Equals(given, StringComparison.Ordinal))
        {
            return prefixed;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var k in names)
        {
            var d = Distance(given, k);
            if (d < bestDistance)
            {
                (best, bestDistance) = (k, d);
            }
        }

        // Only suggest names that are plausibly typos: at most half of the letters differ.
        return best is not null && bestDistance < given.Length && bestDistance <= Math.Max(2, given.Length / 2) ? best : null;
    }

    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
