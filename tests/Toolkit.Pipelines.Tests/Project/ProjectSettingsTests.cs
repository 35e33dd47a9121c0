using Toolkit.Pipelines.Project;

namespace Toolkit.Pipelines.Tests.Project;

public sealed class ProjectSettingsTests : IDisposable
{
    private readonly RunnerTempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string yaml)
    {
        var path = Path.Combine(_temp.Path, ProjectSettings.FileName);
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void Discover_FromASubfolder_FindsTheFile_AndResolvesTheStoreAgainstIt()
    {
        Write("store: state\nexecutor: docker\nmax_parallel: 3\nregistry:\n  backend: mlflow\n  tracking_uri: http://127.0.0.1:5000\n");
        var sub = Directory.CreateDirectory(Path.Combine(_temp.Path, "a", "b")).FullName;

        var settings = ProjectSettings.Discover(sub);

        settings.Root.Should().Be(_temp.Path);
        settings.Store.Should().Be(Path.Combine(_temp.Path, "state"));
        settings.Executor.Should().Be("docker");
        settings.MaxParallel.Should().Be(3);
        settings.RegistryBackend.Should().Be("mlflow");
        settings.MlflowTrackingUri.Should().Be("http://127.0.0.1:5000");
    }

    [Fact]
    public void Discover_NoFile_UsesDefaultsInTheWorkingFolder()
    {
        var settings = ProjectSettings.Discover(_temp.Path);

        settings.File.Should().BeNull();
        settings.Store.Should().Be(Path.Combine(_temp.Path, ".toolkit"));
        settings.Executor.Should().Be("local");
        settings.RegistryBackend.Should().Be("embedded");
        settings.BaseImage.Should().Be(ProjectSettings.DefaultBaseImage);
    }

    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0")]
    [InlineData("toolkit/base:bookworm")]
    [InlineData("127.0.0.1:5000/team/base@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Load_ImagesBase_IsTheComponentsImageBase(string image)
    {
        var path = Write($"images:\n  base: {image}\n");

        ProjectSettings.Load(path).BaseImage.Should().Be(image);
    }

    [Fact]
    public void Load_RepositorysOwnToolkitYaml_NamesTheLocalBase()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Toolkit.sln")))
        {
            root = root.Parent!;
        }

        ProjectSettings.Load(Path.Combine(root.FullName, ProjectSettings.FileName)).BaseImage.Should().Be("toolkit/base:bookworm");
    }

    [Theory]
    [InlineData("stor: x\n", "1:1: unknown setting 'stor'; did you mean 'store'?")]
    [InlineData("executor: kubernetes\n", "1:11: executor must be local or docker, not 'kubernetes'")]
    [InlineData("max_parallel: 0\n", "1:15: max_parallel must be a positive integer")]
    [InlineData("registry:\n  backend: s3\n", "2:12: registry backend must be embedded or mlflow, not 's3'")]
    [InlineData("images:\n  base: Toolkit/Base\n", "2:9: images base 'Toolkit/Base' is not an image reference")]
    [InlineData("images:\n  bse: x\n", "2:3: unknown images setting 'bse'; did you mean 'base'?")]
    [InlineData("images: toolkit/base\n", "1:9: 'images' must be a mapping (base)")]
    [InlineData("- store\n- x\n", "1:1: toolkit.yaml is a mapping of settings")]
    [InlineData("store: [x\n", "2:1: not valid YAML")]
    [InlineData("store: x\n---\nstore: y\n", "3:1: a file holds one YAML document")]
    [InlineData("apiVersion: toolkit/v9\n", "1:13: apiVersion must be toolkit/v1, not 'toolkit/v9'")]
    [InlineData("kind: Pipeline\n", "1:7: kind must be Project in toolkit.yaml, not 'Pipeline'")]
    [InlineData("? [store]\n: x\n", "1:3: a key must be a plain name, not a list")]
    [InlineData("components: a/B.csproj\n", "1:13: 'components' must be a list of C# project files")]
    [InlineData("components:\n  - a/B.txt\n", "2:5: components entry 'a/B.txt' is not a C# project file (*.csproj)")]
    [InlineData("components:\n  - a/B.csproj\n  - ./a/B.csproj\n", "3:5: components entry './a/B.csproj' is listed twice")]
    public void Load_BadSetting_NamesFileLineAndColumn(string yaml, string expected)
    {
        var path = Write(yaml);

        var act = () => ProjectSettings.Load(path);

        act.Should().Throw<ProjectSettingsException>().WithMessage($"{path}:{expected}*");
    }

    [Fact]
    public void Load_OnlyComments_UsesDefaults()
    {
        var settings = ProjectSettings.Load(Write("# nothing set yet\n"));

        settings.Executor.Should().Be("local");
        settings.Store.Should().Be(Path.Combine(_temp.Path, ".toolkit"));
    }

    [Fact]
    public void Load_Components_ResolvedAgainstTheFileWithTheirLines()
    {
        var path = Write("store: .toolkit\ncomponents:\n  - pipelines/x/X.csproj\n  - ../y/Y.csproj\n");

        var components = ProjectSettings.Load(path).Components;

        components.Select(c => c.Path).Should().Equal(
            Path.Combine(_temp.Path, "pipelines", "x", "X.csproj"), Path.GetFullPath(Path.Combine(_temp.Path, "..", "y", "Y.csproj")));
        components.Select(c => c.Where).Should().Equal($"{path}:3:5", $"{path}:4:5");
        components[1].Text.Should().Be("../y/Y.csproj");
    }
}
