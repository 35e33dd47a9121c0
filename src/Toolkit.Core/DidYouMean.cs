namespace Toolkit;

/// <summary>
/// Suggests the closest known name for a misspelled one, the same way for every reader (pipeline
/// files, model policies, project settings, command-line flags and choices, model names).
/// </summary>
internal static class DidYouMean
{
    /// <summary>"; did you mean 'x'?" when a known name is a plausible slip for <paramref name="given"/>, else "".</summary>
    public static string Suffix(string given, IEnumerable<string> known)
    {
        var best = Closest(given, known);
        return best is null ? "" : $"; did you mean '{best}'?";
    }

    public static string? Closest(string given, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(known);
        var names = known.Where(k => !k.Equals(given, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        if (given.Length == 0 || names.Count == 0)
        {
            return null;
        }

        // A name cut short or run long ("data" for "dataset", "production" for "prod") is the likeliest
        // slip: of those, the one closest in length; ties go to the earlier name.
        if (given.Length >= 3)
        {
            var prefixed = names
                .Where(k => k.Length >= 3 && (k.StartsWith(given, StringComparison.OrdinalIgnoreCase) || given.StartsWith(k, StringComparison.OrdinalIgnoreCase)))
                .OrderBy(k => Math.Abs(k.Length - given.Length))
                .FirstOrDefault();
            if (prefixed is not null)
            {
                return prefixed;
            }
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

        // Only a plausible typo helps: a third of the letters at most (two for short names), and never
        // a suggestion that shares nothing with what was typed.
        return best is not null && bestDistance < given.Length && bestDistance <= Math.Max(2, given.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance, case-insensitive (a case slip is still a slip of one letter less).</summary>
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
