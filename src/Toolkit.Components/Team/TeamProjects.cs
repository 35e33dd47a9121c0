using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Toolkit.Pipelines.Project;
using Toolkit.Sdk.Hosting;

namespace Toolkit.Components.Team;

/// <summary>
/// toolkit.yaml's <c>components:</c>: each project built once per source digest into
/// <c>.toolkit/components/&lt;name&gt;-&lt;digest12&gt;/</c> (a second run with the same source builds nothing),
/// loaded in its own load context, and registered in <see cref="TeamAssemblies"/>.
/// </summary>
public static class TeamProjects
{
    /// <summary>The file in a built project's folder that marks it complete and names its assembly.</summary>
    public const string ManifestFile = "team-project.json";

    // A process loads each build once: commands that read the catalog twice (validate, then run) and
    // in-process tests get the same types back; an edited source has another digest, so another entry.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TeamProject> Loaded = new(StringComparer.Ordinal);

    /// <summary>Every project toolkit.yaml lists, built when its source changed, loaded and registered.</summary>
    public static async Task<IReadOnlyList<TeamProject>> LoadAsync(ProjectSettings settings, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var projects = new List<TeamProject>();
        foreach (var reference in settings.Components)
        {
            var project = await LoadAsync(reference, settings.Store, progress, cancellationToken);
            Register(project, reference);
            projects.Add(project);
        }

        return projects;
    }

    /// <summary>
    /// The projects a components image carries: each folder under <paramref name="folder"/> with a
    /// manifest, loaded as built (nothing is compiled in a container).
    /// </summary>
    public static IReadOnlyList<TeamProject> LoadBuilt(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var projects = new List<TeamProject>();
        foreach (var dir in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            if (ReadManifest(dir) is { } manifest)
            {
                var project = TeamAssemblyLoader.Load(Path.Combine(dir, manifest.Assembly), manifest.Project, manifest.SourceDigest);
                TeamAssemblies.Register(project);
                projects.Add(project);
            }
        }

        return projects;
    }

    /// <summary>Where a project with this source digest is built: <c>&lt;store&gt;/components/&lt;name&gt;-&lt;digest12&gt;</c>.</summary>
    public static string BuildFolder(string store, string projectFile, string sourceDigest) =>
        Path.Combine(store, "components", $"{Path.GetFileNameWithoutExtension(projectFile).ToLowerInvariant()}-{sourceDigest["sha256:".Length..][..12]}");

    private static async Task<TeamProject> LoadAsync(TeamProjectReference reference, string store, TextWriter progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(reference.Path))
        {
            throw new ProjectSettingsException($"{reference.Where}: components: project '{reference.Text}' does not exist ({reference.Path})");
        }

        var digest = SourceDigest.Of(reference.Path);
        var folder = BuildFolder(store, reference.Path, digest);
        if (Loaded.TryGetValue(folder, out var loaded))
        {
            return loaded;
        }

        if (ReadManifest(folder) is not { } manifest)
        {
            manifest = await BuildAsync(reference, digest, folder, progress, cancellationToken);
        }

        try
        {
            return Loaded.GetOrAdd(folder, TeamAssemblyLoader.Load(Path.Combine(folder, manifest.Assembly), reference.Text, digest));
        }
        catch (TeamProjectException ex)
        {
            throw new ProjectSettingsException($"{reference.Where}: {ex.Message}", ex);
        }
    }

    private static void Register(TeamProject project, TeamProjectReference reference)
    {
        try
        {
            TeamAssemblies.Register(project);
        }
        catch (TeamProjectException ex)
        {
            throw new ProjectSettingsException($"{reference.Where}: {ex.Message}", ex);
        }
    }

    private static async Task<Manifest> BuildAsync(TeamProjectReference reference, string digest, string folder, TextWriter progress, CancellationToken cancellationToken)
    {
        await progress.WriteLineAsync($"building {reference.Text} ({digest[..19]}, source changed or never built)");
        var temp = folder + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var (code, output) = await DotnetBuildAsync(reference.Path, temp, cancellationToken);
            if (code != 0)
            {
                var errors = output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct().ToList();
                var shown = errors.Count > 0 ? errors : [.. output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).TakeLast(20)];
                throw new ProjectSettingsException($"{reference.Where}: building '{reference.Text}' failed:\n  {string.Join("\n  ", shown)}");
            }

            var manifest = new Manifest(AssemblyFile(temp, reference.Path), reference.Text, digest);
            await File.WriteAllTextAsync(Path.Combine(temp, ManifestFile), JsonSerializer.Serialize(manifest, ManifestJson.Default.Manifest), cancellationToken);
            try
            {
                Directory.Move(temp, folder);
            }
            catch (IOException) when (ReadManifest(folder) is not null)
            {
                // Another process built the same source first: its output is as good.
            }

            return ReadManifest(folder) ?? manifest;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private static async Task<(int Code, string Output)> DotnetBuildAsync(string projectFile, string output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(projectFile)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // No build server or node stays behind once the command is done.
        foreach (var a in new[] { "build", projectFile, "-c", "Release", "-o", output, "-nologo", "-v:minimal", "-nodeReuse:false", "-p:UseSharedCompilation=false" })
        {
            start.ArgumentList.Add(a);
        }

        // The project's folder is written into the dll (the PDB path) unless mapped: mapped, the same source gives the same
        // bytes in any clone, so a model trained in CI is served from a reviewer's checkout (models record the dll's digest).
        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.GetDirectoryName(projectFile)!));
        if (folder.IndexOfAny([',', ';', '=', '%']) < 0)
        {
            start.ArgumentList.Add($"-p:PathMap={folder}{Path.DirectorySeparatorChar}=/_/");
        }

        // A host run under dotnet test or msbuild passes its MSBuild settings down; the build must not inherit them.
        // Nor the keys no child process is given (a step's run: command does not get them either).
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILDNOINPROCNODE"
            || Toolkit.Secrets.SecretMask.NeverInherited.Contains(k)).ToList())
        {
            start.Environment.Remove(key);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet build");
        var text = new StringBuilder();
        var sync = new Lock();
        void Collect(object _, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (sync)
                {
                    text.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit();
        lock (sync)
        {
            return (process.ExitCode, text.ToString());
        }
    }

    // The project's own deps.json names its assembly (AssemblyName may differ from the file name).
    private static string AssemblyFile(string output, string projectFile)
    {
        var deps = Directory.GetFiles(output, "*.deps.json")
            .Select(f => Path.GetFileName(f)[..^".deps.json".Length] + ".dll")
            .Where(dll => File.Exists(Path.Combine(output, dll)))
            .ToList();
        return deps.Count == 1 ? deps[0] : Path.GetFileNameWithoutExtension(projectFile) + ".dll";
    }

    private static Manifest? ReadManifest(string folder)
    {
        var path = Path.Combine(folder, ManifestFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ManifestJson.Default.Manifest);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What a built project's folder holds: the assembly's file name, the project as toolkit.yaml names it, the source digest.</summary>
internal sealed record Manifest(string Assembly, string Project, string SourceDigest);

[System.Text.Json.Serialization.JsonSerializable(typeof(Manifest))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class ManifestJson : System.Text.Json.Serialization.JsonSerializerContext;
