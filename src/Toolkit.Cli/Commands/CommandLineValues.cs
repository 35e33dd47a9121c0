using System.CommandLine;
using System.CommandLine.Parsing;
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

    /// <summary>Refuses values outside [min, max] at parse time, naming the flag (exit 2 like any usage error).</summary>
    public static Option<int> Within(this Option<int> option, int min, int max)
    {
        option.Validators.Add(result => CheckRange(result, option.Name, min, max));
        return option;
    }

    /// <inheritdoc cref="Within(Option{int}, int, int)"/>
    public static Option<int?> Within(this Option<int?> option, int min, int max)
    {
        option.Validators.Add(result => CheckRange(result, option.Name, min, max));
        return option;
    }

    /// <inheritdoc cref="Within(Option{int}, int, int)"/>
    public static Option<double> Within(this Option<double> option, double min, double max)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token]
                && double.TryParse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && !(value >= min && value <= max))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {min} and {max}, not {token.Value}"));
            }
        });
        return option;
    }

    private static void CheckRange(OptionResult result, string name, long min, long max)
    {
        // Checked on the token itself: a value that is not a number has its own error already.
        if (result.Tokens is not [.., var token]
            || !long.TryParse(token.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return;
        }

        if (value < min || value > max)
        {
            result.AddError(max == int.MaxValue
                ? string.Create(CultureInfo.InvariantCulture, $"{name} must be at least {min:N0}, not {token.Value}")
                : string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min:N0} and {max:N0}, not {token.Value}"));
        }
    }
}
