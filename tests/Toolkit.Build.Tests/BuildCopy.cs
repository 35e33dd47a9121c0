using System.Reflection;

namespace Toolkit.Build.Tests;

/// <summary>
/// A copy of what the build needs (the Cake scripts and bootstraps, the tool manifest, toolkit.yaml,
/// models/, pipelines/) in a temporary folder, so its store and registry (.toolkit/, next to
/// toolkit.yaml) and artifacts/ are the test's own. mlops is the one built with the tests.
/// </summary>
internal sealed class BuildCopy : IDisposable
{
    private static readonly string[] Files = ["build.sh", "build.ps1", "toolkit.yaml", "global.json", ".config/dotnet-tools.json"];
    private static readonly string[] Folders = ["build", "models", "pipelines"];

    private BuildCopy(string root) => Root = root;

    public static string RepositoryRoot { get; } = typeof(BuildCopy).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Mlops { get; } = Path.Combine(AppContext.BaseDirectory, "mlops.dll");

    public string Root { get; }

    public static BuildCopy Create(bool withProject = true)
    {
        var root = Path.Combine(Path.GetTempPath(), "toolkit-tests", "build-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Files.Where(f => withProject || f != "toolkit.yaml"))
        {
            CopyFile(file, root);
        }

        foreach (var folder in Folders.Where(f => withProject || f is "build"))
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot, folder), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(RepositoryRoot, file);
                // The team's features project is written below as a copy that builds outside the repository.
                if (!relative.Contains("node_modules", StringComparison.Ordinal)
                    && !relative.Replace('\\', '/').StartsWith(Toolkit.Tests.Shared.DiabetesFeaturesProject.Folder + "/", StringComparison.Ordinal))
                {
                    CopyFile(relative, root);
                }
            }
        }

        if (withProject)
        {
            Toolkit.Tests.Shared.DiabetesFeaturesProject.CopyTo(RepositoryRoot, root);
        }

        return new BuildCopy(root);
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Adds one more file of the repository to the copy, at the same place.</summary>
    public void AddFromRepository(string relative) => CopyFile(relative, Root);

    /// <summary>Copies a folder of the tests' fixtures into the copy's root.</summary>
    public void AddFixture(string folder)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Fixtures", folder);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(Root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>./build.sh with these arguments.</summary>
    public Task<ProcessResult> BashAsync(params string[] args) =>
        ProcessRunner.RunAsync(Root, "bash", ["./build.sh", .. args]);

    /// <summary>./build.sh with these arguments and extra environment variables (a GitHub job's, say).</summary>
    public Task<ProcessResult> BashAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        ProcessRunner.RunAsync(Root, "bash", ["./build.sh", .. args], environment);

    /// <summary>dotnet pwsh ./build.ps1 with these arguments (PowerShell from the tool manifest).</summary>
    public async Task<ProcessResult> PwshAsync(params string[] args)
    {
        var restore = await ProcessRunner.RunAsync(Root, "dotnet", ["tool", "restore"]);
        restore.ExitCode.Should().Be(0, restore.All);
        return await ProcessRunner.RunAsync(Root, "dotnet", ["pwsh", "-NoProfile", "./build.ps1", .. args]);
    }

    /// <summary>mlops itself, in the copy (its project, store and registry).</summary>
    public Task<ProcessResult> MlopsAsync(params string[] args) =>
        ProcessRunner.RunAsync(Root, "dotnet", [Mlops, .. args]);

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private static void CopyFile(string relative, string root)
    {
        var target = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(Path.Combine(RepositoryRoot, relative), target);
    }
}
