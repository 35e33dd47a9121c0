using System.Diagnostics;
using System.Globalization;

namespace Toolkit.Storage;

/// <summary>
/// Temp files of writes that never finished. Writers name them <c>…{pid}.{guid}.tmp</c>; one whose process
/// is gone was abandoned (a kill mid-copy) and is removed by the next command that opens the store. One
/// without a readable pid is removed once older than the given age, as before.
/// </summary>
public static class AbandonedTemps
{
    public const string Suffix = ".tmp";

    /// <summary>The temp name for a write by this process: <c>{prefix}{pid}.{guid}.tmp</c>.</summary>
    public static string Name(string prefix) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}{Environment.ProcessId}.{Guid.NewGuid():N}{Suffix}");

    /// <summary>Whether <paramref name="file"/> is an abandoned temp: its writer is gone, or it is older than <paramref name="maxAge"/>.</summary>
    public static bool IsAbandoned(FileInfo file, DateTime utcNow, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(file);
        var parts = file.Name.Split('.');
        if (parts.Length >= 3 && int.TryParse(parts[^3], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsAlive(pid))
        {
            return true;
        }

        return utcNow - file.LastWriteTimeUtc > maxAge;
    }

    /// <summary>Removes the abandoned temps under <paramref name="folder"/>; quietly does nothing where it may not write (a read-only store).</summary>
    public static int Sweep(string folder, bool recursive, TimeSpan maxAge)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var removed = 0;
        try
        {
            var now = DateTime.UtcNow;
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*" + Suffix, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
            {
                if (IsAbandoned(file, now, maxAge))
                {
                    try
                    {
                        file.Attributes = FileAttributes.Normal;
                        file.Delete();
                        removed++;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        // Gone already, or not ours to remove: the next sweep (or 'artifacts verify --repair') tries again.
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return removed;
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
