namespace Toolkit.Cli.Tests;

/// <summary>A temporary folder deleted with everything in it when disposed.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "toolkit-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The repository this test runs from (the folder with Toolkit.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Makes this folder a project like the repository's: its pipelines and model policies, and a toolkit.yaml.</summary>
    public void CopyReferenceProject()
    {
        foreach (var folder in new[] { "pipelines", "models/diabetes", "models/housing" })
        {
            Directory.CreateDirectory(File(folder));
            foreach (var file in Directory.GetFiles(System.IO.Path.Combine(RepositoryRoot, folder)))
            {
                System.IO.File.Copy(file, System.IO.Path.Combine(File(folder), System.IO.Path.GetFileName(file)));
            }
        }

        CopyDiabetesFeatures(Path);
        System.IO.File.WriteAllText(File("toolkit.yaml"), "store: .toolkit\n" + DiabetesComponents);
    }

    /// <summary>toolkit.yaml's lines for the diabetes features project that <see cref="CopyDiabetesFeatures"/> writes.</summary>
    public const string DiabetesComponents = Toolkit.Tests.Shared.DiabetesFeaturesProject.ComponentsYaml;

    public static void CopyDiabetesFeatures(string root) => Toolkit.Tests.Shared.DiabetesFeaturesProject.CopyTo(RepositoryRoot, root);

    public void Dispose()
    {
        if (!Directory.Exists(Path))
        {
            return;
        }

        // Stored artifacts are read-only; Windows will not delete them otherwise.
        foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
        {
            System.IO.File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(Path, recursive: true);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "Toolkit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Toolkit.sln not found above the test folder.");
    }
}
