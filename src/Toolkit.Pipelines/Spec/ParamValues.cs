using System.Globalization;

namespace Toolkit.Pipelines.Spec;

/// <summary>Checks and normalizes parameter values by type.</summary>
public static class ParamValues
{
    public static bool Fits(ParamType type, string text) => type switch
    {
        ParamType.Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        ParamType.Number => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d),
        ParamType.Boolean => bool.TryParse(text, out _),
        _ => true,
    };

    public static string Describe(ParamType type) => type switch
    {
        ParamType.Integer => "integer",
        ParamType.Number => "number",
        ParamType.Boolean => "boolean (true/false)",
        _ => "string",
    };
}
