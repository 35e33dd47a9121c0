using System.Text.RegularExpressions;

namespace Toolkit.Registry.Embedded;

/// <summary>Alias names (the model name rule is <see cref="ModelNames"/>) and how version lists are described.</summary>
internal static partial class RegistryNames
{
    internal static void EnsureAlias(string alias)
    {
        if (string.IsNullOrEmpty(alias) || !AliasPattern().IsMatch(alias))
        {
            throw new RegistryException(
                $"alias '{alias}' is invalid: use lowercase letters, digits and dashes, starting with a letter (stages are {string.Join(", ", Stages.Ordered)})");
        }
    }

    /// <summary>"1..4" for a contiguous run, "1, 3, 4" otherwise, "none" for no versions.</summary>
    internal static string DescribeVersions(IReadOnlyList<int> versions)
    {
        if (versions.Count == 0)
        {
            return "none";
        }

        var contiguous = versions.Zip(versions.Skip(1)).All(p => p.Second == p.First + 1);
        return contiguous && versions.Count > 2
            ? $"{versions[0]}..{versions[^1]}"
            : string.Join(", ", versions);
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex AliasPattern();
}
