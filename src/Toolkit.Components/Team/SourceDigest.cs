using System.Security.Cryptography;
using System.Text;
using Toolkit.Sdk;

namespace Toolkit.Components.Team;

/// <summary>
/// The digest of a team project's source: every file under the project's folder except build output
/// (bin/, obj/) and hidden folders, by relative path and content, plus the SDK it builds against.
/// </summary>
public static class SourceDigest
{
    private static readonly string[] Skipped = ["bin", "obj"];

    public static string Of(string projectFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectFile);
        var folder = Path.GetDirectoryName(Path.GetFullPath(projectFile))!;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Add(hash, "toolkit-team-source/1");
        Add(hash, SdkIdentity);
        foreach (var file in Files(folder).Order(StringComparer.Ordinal))
        {
            Add(hash, file);
            var bytes = File.ReadAllBytes(Path.Combine(folder, file));
            Add(hash, bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            hash.AppendData(bytes);
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The host's SDK: a team project built against another one is built again.</summary>
    internal static string SdkIdentity { get; } = typeof(FeatureTransform).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    private static IEnumerable<string> Files(string folder)
    {
        var pending = new Stack<string>([folder]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                yield return Path.GetRelativePath(folder, file).Replace('\\', '/');
            }

            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                var name = Path.GetFileName(sub);
                if (!name.StartsWith('.') && !Skipped.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    pending.Push(sub);
                }
            }
        }
    }

    private static void Add(IncrementalHash hash, string text)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        hash.AppendData([0]);
    }
}
