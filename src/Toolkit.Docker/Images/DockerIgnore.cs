using System.Text;
using System.Text.RegularExpressions;

namespace Toolkit.Docker.Images;

/// <summary>
/// The rules of a <c>.dockerignore</c> file: one pattern a line (<c>*</c>, <c>?</c>, <c>**</c>),
/// <c>#</c> comments, <c>!</c> re-includes; the last matching line wins, and a pattern that matches
/// a folder excludes everything under it.
/// </summary>
internal sealed class DockerIgnore
{
    private readonly IReadOnlyList<(Regex Pattern, bool Exclude)> _rules;
    private readonly IReadOnlyList<string> _exceptionPrefixes;

    private DockerIgnore(IReadOnlyList<(Regex Pattern, bool Exclude)> rules, IReadOnlyList<string> exceptionPrefixes)
    {
        _rules = rules;
        _exceptionPrefixes = exceptionPrefixes;
    }

    public static DockerIgnore Empty { get; } = new([], []);

    public static DockerIgnore Load(string contextDirectory)
    {
        var path = Path.Combine(contextDirectory, ".dockerignore");
        return File.Exists(path) ? Parse(File.ReadAllLines(path)) : Empty;
    }

    public static DockerIgnore Parse(IEnumerable<string> lines)
    {
        var rules = new List<(Regex, bool)>();
        var prefixes = new List<string>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var exclude = true;
            if (line.StartsWith('!'))
            {
                exclude = false;
                line = line[1..].Trim();
            }

            line = line.Replace('\\', '/').TrimStart('/').TrimEnd('/');
            if (line.StartsWith("./", StringComparison.Ordinal))
            {
                line = line[2..];
            }

            if (line.Length > 0)
            {
                rules.Add((ToRegex(line), exclude));
                if (!exclude)
                {
                    // The literal part before any wildcard: where a re-included file can be.
                    var wildcard = line.IndexOfAny(['*', '?', '[']);
                    prefixes.Add(wildcard < 0 ? line : line[..wildcard]);
                }
            }
        }

        return new DockerIgnore(rules, prefixes);
    }

    /// <summary>Whether a path relative to the context (with <c>/</c> separators) stays out of the context.</summary>
    public bool IsExcluded(string relativePath)
    {
        var excluded = false;
        foreach (var (pattern, exclude) in _rules)
        {
            if (pattern.IsMatch(relativePath))
            {
                excluded = exclude;
            }
        }

        return excluded;
    }

    /// <summary>
    /// Whether the walk may skip an excluded folder: only when no <c>!</c> line could bring back something under it
    /// (so a context of "everything but two folders" does not read .git and obj).
    /// </summary>
    public bool CanSkipFolder(string relativeFolder) =>
        IsExcluded(relativeFolder)
        && !_exceptionPrefixes.Any(p => p.Length == 0
            || p.StartsWith(relativeFolder + "/", StringComparison.Ordinal)
            || (relativeFolder + "/").StartsWith(p, StringComparison.Ordinal)
            || p == relativeFolder);

    private static Regex ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches any number of folders, including none.
                if (i + 2 < pattern.Length && pattern[i + 2] == '/')
                {
                    sb.Append("(?:.*/)?");
                    i += 2;
                }
                else
                {
                    sb.Append(".*");
                    i++;
                }
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        // A match on a folder covers what is inside it.
        sb.Append("(?:/.*)?$");
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
