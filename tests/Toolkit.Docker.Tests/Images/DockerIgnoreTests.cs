using Toolkit.Docker.Images;

namespace Toolkit.Docker.Tests.Images;

public sealed class DockerIgnoreTests
{
    [Theory]
    [InlineData("secret.txt", true)]
    [InlineData("logs/a.log", true)]
    [InlineData("src/a.tmp", true)]
    [InlineData("a.tmp", true)]
    [InlineData("src/keep.tmp", false)]
    [InlineData("src/main.cs", false)]
    [InlineData("docs/x.md", true)]
    [InlineData("docs/README.md", false)]
    public void IsExcluded_RulesWithExceptions_LastMatchWins(string path, bool excluded)
    {
        var ignore = DockerIgnore.Parse(
        [
            "# comment",
            "secret.txt",
            "/logs/",
            "**/*.tmp",
            "!src/keep.tmp",
            "docs",
            "!docs/README.md",
        ]);

        ignore.IsExcluded(path).Should().Be(excluded);
    }

    [Fact]
    public void CanSkipFolder_ExcludedFolderWithoutExceptionsUnderIt_IsSkipped()
    {
        var ignore = DockerIgnore.Parse(["*", "!artifacts/publish/mlops"]);

        ignore.CanSkipFolder(".git").Should().BeTrue();
        ignore.CanSkipFolder("artifacts").Should().BeFalse();
        ignore.CanSkipFolder("artifacts/publish/mlops").Should().BeFalse();
        ignore.CanSkipFolder("artifacts/base").Should().BeTrue();
    }

    [Fact]
    public void Files_ContextWithDockerIgnore_KeepsDockerfileAndUnignoredFilesSorted()
    {
        var dir = Directory.CreateTempSubdirectory("toolkit-ctx-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "Dockerfile"), "FROM scratch");
            File.WriteAllText(Path.Combine(dir.FullName, ".dockerignore"), "Dockerfile\n*.log\nbuild\n");
            File.WriteAllText(Path.Combine(dir.FullName, "b.txt"), "b");
            File.WriteAllText(Path.Combine(dir.FullName, "a.log"), "a");
            Directory.CreateDirectory(Path.Combine(dir.FullName, "build"));
            File.WriteAllText(Path.Combine(dir.FullName, "build", "out.bin"), "x");
            Directory.CreateDirectory(Path.Combine(dir.FullName, "src"));
            File.WriteAllText(Path.Combine(dir.FullName, "src", "a.txt"), "s");

            BuildContext.Files(dir.FullName, "Dockerfile").Should().Equal(".dockerignore", "Dockerfile", "b.txt", "src/a.txt");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
