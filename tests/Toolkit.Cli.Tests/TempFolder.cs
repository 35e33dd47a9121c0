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
    public const string DiabetesComponents = "components:\n  - pipelines/diabetes/features/Diabetes.Features.csproj\n";

    /// <summary>
    /// The diabetes team's features project (diabetes.yaml's features step uses its transform) under <paramref name="root"/>,
    /// referencing the SDK this test runs with as a built dll: outside the repository no Directory.Build.props applies,
    /// and parallel tests must not build the SDK project in place.
    /// </summary>
    public static void CopyDiabetesFeatures(string root)
    {
        var target = System.IO.Path.Combine(root, "pipelines", "diabetes", "features");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(System.IO.Path.Combine(RepositoryRoot, "pipelines", "diabetes", "features"), "*.cs"))
        {
            System.IO.File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)));
        }

        System.IO.File.WriteAllText(System.IO.Path.Combine(target, "Diabetes.Features.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="Toolkit.Sdk" HintPath="{System.IO.Path.Combine(AppContext.BaseDirectory, "Toolkit.Sdk.dll")}" Private="false" />
              </ItemGroup>
            </Project>
            """);
    }

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
