using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toolkit.Registry.Embedded;

/// <summary>Parameters, metrics, tags and approvals as JSON columns, keys sorted so equal maps give equal text.</summary>
internal static class RegistryJson
{
    // Metrics may be NaN (a metric that could not be computed); plain JSON has no NaN.
    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    internal static string Write(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(map.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal), Options);

    internal static string Write(IReadOnlyDictionary<string, double> map) =>
        JsonSerializer.Serialize(new SortedDictionary<string, double>(map.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal), Options);

    internal static string Write(IReadOnlyList<string> list) => JsonSerializer.Serialize(list, Options);

    internal static IReadOnlyDictionary<string, string> ReadStrings(string json) =>
        JsonSerializer.Deserialize<SortedDictionary<string, string>>(json, Options) ?? [];

    internal static IReadOnlyDictionary<string, double> ReadNumbers(string json) =>
        JsonSerializer.Deserialize<SortedDictionary<string, double>>(json, Options) ?? [];

    internal static IReadOnlyList<string> ReadList(string json) =>
        JsonSerializer.Deserialize<List<string>>(json, Options) ?? [];
}
