using System.Globalization;

namespace Toolkit.Cli.Commands;

/// <summary>Parsing shared by commands: <c>key=value</c> lists and comma lists.</summary>
internal static class CommandLineValues
{
    /// <summary>Parses repeated <c>--param key=value</c> values; a later key wins over an earlier one.</summary>
    public static IReadOnlyDictionary<string, string> ParseKeyValues(IEnumerable<string>? items, string optionName)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"{optionName} expects key=value, got '{item}'.");
            }

            result[item[..eq].Trim()] = item[(eq + 1)..].Trim();
        }

        return result;
    }

    public static IReadOnlyList<string> ParseList(IEnumerable<string>? items) =>
        [.. (items ?? []).SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    public static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}
