namespace Toolkit.Tests.Shared;

/// <summary>
/// The diabetes team's features project (diabetes.yaml's features step uses its transform), copied into a test's
/// temporary project. It references the SDK the test runs with as a built dll: outside the repository no
/// Directory.Build.props applies, and parallel tests must not build the SDK project in place.
/// </summary>
internal static class DiabetesFeaturesProject
{
    /// <summary>toolkit.yaml's lines for the copy <see cref="CopyTo"/> writes.</summary>
    public const string ComponentsYaml = "components:\n  - pipelines/diabetes/features/Diabetes.Features.csproj\n";

    public const string Folder = "pipelines/diabetes/features";

    public static void CopyTo(string repositoryRoot, string root)
    {
        var target = Path.Combine(root, Folder);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(repositoryRoot, Folder), "*.cs"))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }

        File.WriteAllText(Path.Combine(target, "Diabetes.Features.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="Toolkit.Sdk" HintPath="{Path.Combine(AppContext.BaseDirectory, "Toolkit.Sdk.dll")}" Private="false" />
              </ItemGroup>
            </Project>
            """);
    }
}
