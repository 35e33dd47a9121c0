using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Monitoring.Profiles;

/// <summary>
/// The JSON form of a profile: properties in declaration order, numbers in their shortest round-trip form,
/// so the same profile always gives the same bytes (and a digest that means something).
/// </summary>
internal static class ProfileJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(ReferenceProfile profile) => JsonSerializer.Serialize(profile, Options);

    public static byte[] SerializeToUtf8(ReferenceProfile profile) => JsonSerializer.SerializeToUtf8Bytes(profile, Options);

    /// <summary>Reads a profile; <paramref name="source"/> names it in the error of a malformed document.</summary>
    public static ReferenceProfile Deserialize(string json, string source)
    {
        try
        {
            var profile = JsonSerializer.Deserialize<ReferenceProfile>(json, Options)
                ?? throw new DataFormatException(source, null, null, null, "the profile is null");
            if (profile.Format != ReferenceProfile.CurrentFormat)
            {
                throw new DataFormatException(source, null, null, profile.Format, $"unknown profile format; expected '{ReferenceProfile.CurrentFormat}'");
            }

            return profile;
        }
        catch (JsonException e)
        {
            throw new DataFormatException(source, e.LineNumber + 1, null, e.Path, $"not a profile: {e.Message}");
        }
    }

    public static async Task WriteAsync(ReferenceProfile profile, string path, CancellationToken cancellationToken = default)
    {
        var temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, SerializeToUtf8(profile), cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    public static async Task<ReferenceProfile> ReadAsync(string path, CancellationToken cancellationToken = default) =>
        Deserialize(await File.ReadAllTextAsync(path, cancellationToken), path);
}
