namespace Toolkit.Gates;

/// <summary>Suggests the closest known name for a misspelled one (edit distance, case-insensitive).</summary>
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

        // A name cut short or run long ("production" for "prod") is a likely slip too.
        var prefixed = names.FirstOrDefault(k => given.Length >= 3 && k.Length >= 3 && !k.Equals(given, StringComparison.Ordinal)
            && (k.StartsWith(given, StringComparison.OrdinalIgnoreCase) || given.StartsWith(k, StringComparison.OrdinalIgnoreCase)));
        if (prefixed is not null)
        {
            return prefixed;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in names)
        {
            var d = Distance(given, name);
            if (d < bestDistance)
            {
                (best, bestDistance) = (name, d);
            }
        }

        // A suggestion only helps when it is plausibly a typo: few letters differ.
        return best is not null && bestDistance > 0 && bestDistance <= Math.Max(2, given.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                row[j] = Math.Min(Math.Min(row[j - 1] + 1, above + 1), diagonal + cost);
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
