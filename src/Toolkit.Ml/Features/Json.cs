using System.Text.Json;

namespace Toolkit.Ml.Features;

/// <summary>
/// Small readers and writers for the pipeline's JSON. Doubles are written as JSON numbers in their
/// shortest round-trip form (exact on read); NaN, which JSON cannot hold, is written as null.
/// </summary>
internal static class Json
{
    public static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsNaN(value))
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, value);
        }
    }

    public static void WriteNumbers(Utf8JsonWriter writer, string name, IEnumerable<double> values)
    {
        writer.WriteStartArray(name);
        foreach (var v in values)
        {
            writer.WriteNumberValue(v);
        }

        writer.WriteEndArray();
    }

    public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var v in values)
        {
            writer.WriteStringValue(v);
        }

        writer.WriteEndArray();
    }

    public static JsonElement Property(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p)
            ? p
            : throw new FormatException($"Feature pipeline JSON lacks the property '{name}'.");

    public static string String(JsonElement e, string name)
    {
        var p = Property(e, name);
        return p.ValueKind == JsonValueKind.String
            ? p.GetString()!
            : throw new FormatException($"Feature pipeline JSON property '{name}' must be a string.");
    }

    public static string? StringOrNull(JsonElement e, string name)
    {
        var p = Property(e, name);
        return p.ValueKind == JsonValueKind.Null ? null : String(e, name);
    }

    public static double Number(JsonElement e, string name)
    {
        var p = Property(e, name);
        return p.ValueKind == JsonValueKind.Number
            ? p.GetDouble()
            : throw new FormatException($"Feature pipeline JSON property '{name}' must be a number.");
    }

    public static double NumberOrNull(JsonElement e, string name) =>
        Property(e, name).ValueKind == JsonValueKind.Null ? double.NaN : Number(e, name);

    public static int Int(JsonElement e, string name)
    {
        var p = Property(e, name);
        return p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var v)
            ? v
            : throw new FormatException($"Feature pipeline JSON property '{name}' must be an integer.");
    }

    public static bool Bool(JsonElement e, string name)
    {
        var p = Property(e, name);
        return p.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? p.GetBoolean()
            : throw new FormatException($"Feature pipeline JSON property '{name}' must be true or false.");
    }

    public static T Enum<T>(JsonElement e, string name)
        where T : struct, Enum =>
        System.Enum.TryParse<T>(String(e, name), ignoreCase: false, out var v) && System.Enum.IsDefined(v)
            ? v
            : throw new FormatException(
                $"Feature pipeline JSON property '{name}' must be one of {string.Join(", ", System.Enum.GetNames<T>())}.");

    public static JsonElement.ArrayEnumerator Array(JsonElement e, string name)
    {
        var p = Property(e, name);
        return p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray()
            : throw new FormatException($"Feature pipeline JSON property '{name}' must be an array.");
    }

    public static double[] Numbers(JsonElement e, string name) =>
        [.. Array(e, name).Select(x => x.ValueKind == JsonValueKind.Number
            ? x.GetDouble()
            : throw new FormatException($"Feature pipeline JSON array '{name}' must hold numbers."))];

    public static string[] Strings(JsonElement e, string name) =>
        [.. Array(e, name).Select(x => x.ValueKind == JsonValueKind.String
            ? x.GetString()!
            : throw new FormatException($"Feature pipeline JSON array '{name}' must hold strings."))];
}
