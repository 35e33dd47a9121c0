using System.Formats.Tar;

namespace Toolkit.Docker.Images;

/// <summary>Packs a folder into the tar stream the daemon builds from, leaving out what <c>.dockerignore</c> excludes.</summary>
internal static class BuildContext
{
    /// <summary>The files that go into the context, relative paths with <c>/</c>, sorted so the tar is the same each time.</summary>
    public static IReadOnlyList<string> Files(string contextDirectory, string dockerfile)
    {
        var ignore = DockerIgnore.Load(contextDirectory);
        var root = Path.GetFullPath(contextDirectory);
        var files = new List<string>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(folder))
            {
                if (!ignore.CanSkipFolder(Relative(root, sub)))
                {
                    pending.Push(sub);
                }
            }

            foreach (var path in Directory.EnumerateFiles(folder))
            {
                var relative = Relative(root, path);

                // The daemon needs the Dockerfile and .dockerignore even when the file names them (as docker build does).
                if (relative == dockerfile || relative == ".dockerignore" || !ignore.IsExcluded(relative))
                {
                    files.Add(relative);
                }
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    /// <summary>Writes the context as an uncompressed tar into <paramref name="destination"/>.</summary>
    public static async Task WriteAsync(string contextDirectory, string dockerfile, Stream destination, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(contextDirectory);
        var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var relative in Files(root, dockerfile))
            {
                await writer.WriteEntryAsync(Path.Combine(root, relative), relative, cancellationToken);
            }
        }
    }

    /// <summary>Packs files (host path → name in the archive) for a container's archive endpoint.</summary>
    public static async Task WriteFilesAsync(IEnumerable<(string HostPath, string EntryName)> files, Stream destination, CancellationToken cancellationToken)
    {
        var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var (host, name) in files)
            {
                await writer.WriteEntryAsync(host, name, cancellationToken);
            }
        }
    }
}
