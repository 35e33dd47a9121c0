namespace Toolkit.Docker.Containers;

/// <summary>Who a container runs as when its files must be the invoking user's (step outputs, a deployment's log).</summary>
public static class HostUser
{
    /// <summary>The invoking user as <c>uid:gid</c>, read from /proc (no native calls needed); null off Linux.</summary>
    public static string? Current()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return null;
        }

        string? uid = null, gid = null;
        foreach (var line in File.ReadLines(status))
        {
            // "Uid:\treal\teffective\tsaved\tfs": the effective ID decides file ownership.
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                uid = line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
            }
            else if (line.StartsWith("Gid:", StringComparison.Ordinal))
            {
                gid = line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
            }
        }

        return uid is null || gid is null ? null : $"{uid}:{gid}";
    }
}
