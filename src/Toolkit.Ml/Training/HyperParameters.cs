using System.Globalization;

namespace Toolkit.Ml.Training;

/// <summary>Invalid hyperparameters: unknown names or out-of-range values. The message lists the valid ones.</summary>
public sealed class InvalidParameterException : Exception
{
    public InvalidParameterException(string message)
        : base(message)
    {
    }

    public InvalidParameterException()
    {
    }

    public InvalidParameterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Validated hyperparameters of one algorithm: every declared parameter with the user's value or its
/// default, in a stable (ordinal) order, so that the model file and cache keys are deterministic.
/// </summary>
public sealed class HyperParameters
{
    private readonly SortedDictionary<string, string> _values;
    private readonly Dictionary<string, ParameterInfo> _infos;

    private HyperParameters(SortedDictionary<string, string> values, Dictionary<string, ParameterInfo> infos)
    {
        _values = values;
        _infos = infos;
    }

    /// <summary>All parameters as text (user value or default), ordered by name.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>
    /// Checks <paramref name="given"/> against <paramref name="declared"/>: unknown names and bad values
    /// throw <see cref="InvalidParameterException"/> naming the algorithm, the parameter and what is valid.
    /// </summary>
    public static HyperParameters Resolve(
        string algorithm, IReadOnlyList<ParameterInfo> declared, IReadOnlyDictionary<string, string>? given)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var infos = declared.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in declared)
        {
            values[p.Name] = p.Default;
        }

        var errors = new List<string>();
        foreach (var (name, raw) in given ?? new Dictionary<string, string>())
        {
            if (!infos.TryGetValue(name, out var info))
            {
                var valid = string.Join(", ", declared.Select(p => p.Name));
                errors.Add($"unknown parameter '{name}' for {algorithm}; valid parameters: {valid}");
                continue;
            }

            var problem = Check(info, raw.Trim());
            if (problem is not null)
            {
                errors.Add($"{algorithm} parameter '{name}' = '{raw}' is invalid: {problem}; valid: {info.RangeText}");
                continue;
            }

            values[name] = Normalize(info, raw.Trim());
        }

        if (errors.Count > 0)
        {
            throw new InvalidParameterException(string.Join("; ", errors) + ".");
        }

        return new HyperParameters(values, infos);
    }

    public int GetInt(string name) => int.Parse(Raw(name), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>An integer parameter that also accepts "none" (returns null).</summary>
    public int? GetIntOrNone(string name)
    {
        var raw = Raw(name);
        return IsNone(raw) ? null : int.Parse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture);
    }

    public double GetDouble(string name) => double.Parse(Raw(name), NumberStyles.Float, CultureInfo.InvariantCulture);

    public bool GetBool(string name) => bool.Parse(Raw(name));

    public string GetString(string name) => _values[name];

    private string Raw(string name) =>
        _infos.ContainsKey(name) ? _values[name] : throw new KeyNotFoundException($"Parameter '{name}' is not declared.");

    private static bool IsNone(string raw) => raw.Equals("none", StringComparison.OrdinalIgnoreCase);

    private static string Normalize(ParameterInfo info, string raw) => info.Kind switch
    {
        ParameterKind.Boolean => bool.Parse(raw) ? "true" : "false",
        ParameterKind.Choice => info.Choices.First(c => c.Equals(raw, StringComparison.OrdinalIgnoreCase)),
        _ when info.AllowsNone && IsNone(raw) => "none",
        ParameterKind.RealOrChoice when info.Choices.Any(c => c.Equals(raw, StringComparison.OrdinalIgnoreCase)) =>
            info.Choices.First(c => c.Equals(raw, StringComparison.OrdinalIgnoreCase)),
        ParameterKind.Integer => int.Parse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        ParameterKind.Real or ParameterKind.RealOrChoice => double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
        _ => raw,
    };

    private static string? Check(ParameterInfo info, string raw)
    {
        if (raw.Length == 0)
        {
            return "empty value";
        }

        if (info.AllowsNone && IsNone(raw))
        {
            return null;
        }

        switch (info.Kind)
        {
            case ParameterKind.Boolean:
                return bool.TryParse(raw, out _) ? null : "not a boolean";
            case ParameterKind.Choice:
                return info.Choices.Any(c => c.Equals(raw, StringComparison.OrdinalIgnoreCase)) ? null : "not one of the choices";
            case ParameterKind.Integer:
                return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                    ? CheckRange(info, n)
                    : "not an integer";
            case ParameterKind.RealOrChoice when info.Choices.Any(c => c.Equals(raw, StringComparison.OrdinalIgnoreCase)):
                return null;
            default:
                return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                    ? CheckRange(info, d)
                    : "not a number";
        }
    }

    private static string? CheckRange(ParameterInfo info, double value)
    {
        if (info.Min is { } min && (value < min || (info.MinExclusive && value == min)))
        {
            return "out of range";
        }

        return info.Max is { } max && value > max ? "out of range" : null;
    }
}
