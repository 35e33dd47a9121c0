using System.Runtime.InteropServices;
using System.Text.Json;

namespace Toolkit.Ml.Training;

/// <summary>
/// Compact, exact encoding of numeric arrays inside a model payload: base64 of the little-endian
/// bytes. Exact (no decimal round trip) and about a quarter of the size of JSON number lists.
/// </summary>
public static class PayloadArrays
{
    public static void WriteDoubles(Utf8JsonWriter writer, string name, ReadOnlySpan<double> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBase64String(name, AsLittleEndianBytes(values));
    }

    public static void WriteFloats(Utf8JsonWriter writer, string name, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBase64String(name, AsLittleEndianBytes(values));
    }

    public static void WriteInts(Utf8JsonWriter writer, string name, ReadOnlySpan<int> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBase64String(name, AsLittleEndianBytes(values));
    }

    /// <summary>
    /// Checks that <paramref name="parent"/> states <paramref name="expected"/> as the string <paramref name="name"/>:
    /// a payload restates facts its reader already knows, and a restatement that disagrees (or is missing) means
    /// the body is not one this toolkit wrote.
    /// </summary>
    public static void RequireStatement(JsonElement parent, string name, string expected)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String
            || !string.Equals(value.GetString(), expected, StringComparison.Ordinal))
        {
            var found = parent.TryGetProperty(name, out var v) ? v.GetRawText() : "nothing";
            throw new FormatException($"its '{name}' must be \"{expected}\", not {(found.Length > 40 ? found[..40] + "..." : found)}");
        }
    }

    public static double[] ReadDoubles(JsonElement parent, string name) => FromBytes<double>(Bytes(parent, name), name);

    public static float[] ReadFloats(JsonElement parent, string name) => FromBytes<float>(Bytes(parent, name), name);

    public static int[] ReadInts(JsonElement parent, string name) => FromBytes<int>(Bytes(parent, name), name);

    private static byte[] Bytes(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String
            ? e.GetBytesFromBase64()
            : throw new FormatException($"Model payload lacks the array '{name}'.");

    private static byte[] AsLittleEndianBytes<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        // Model files are little-endian everywhere; on a big-endian host we would swap here.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Model files are written on little-endian hosts only.");
        }

        return MemoryMarshal.AsBytes(values).ToArray();
    }

    private static T[] FromBytes<T>(byte[] bytes, string name)
        where T : unmanaged
    {
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (bytes.Length % size != 0)
        {
            throw new FormatException($"Model payload array '{name}' has a truncated length.");
        }

        return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }
}
