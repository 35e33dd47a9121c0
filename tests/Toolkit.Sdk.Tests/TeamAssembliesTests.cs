using Toolkit.Sdk.Hosting;

namespace Toolkit.Sdk.Tests;

[Collection(nameof(TeamAssembliesTests))] // the registry is process-wide
public sealed class TeamAssembliesTests : IDisposable
{
    public TeamAssembliesTests() => TeamAssemblies.Clear();

    public void Dispose() => TeamAssemblies.Clear();

    private static TeamProject Project(string file, string digest, params FeatureTransform[] transforms) => new()
    {
        Name = Path.GetFileNameWithoutExtension(file),
        ProjectFile = file,
        AssemblyName = Path.GetFileNameWithoutExtension(file),
        AssemblyVersion = "1.0.0.0",
        AssemblyDigest = digest,
        SourceDigest = "sha256:source",
        OutputDirectory = "/nowhere",
        Transforms = transforms,
    };

    [Fact]
    public void Resolve_SameNameAssemblyAndDigest_GivesTheRegisteredTransform()
    {
        var transform = new MeanFillTransform();
        TeamAssemblies.Register(Project("teams/A.csproj", "sha256:aaaa", transform));

        TeamAssemblies.Resolve("test/mean-fill", "A", "sha256:aaaa").Transform.Should().BeSameAs(transform);
    }

    [Fact]
    public void Resolve_NotLoaded_RefusedNamingTransformAndAssembly()
    {
        var act = () => TeamAssemblies.Resolve("test/mean-fill", "A", "sha256:aaaa");

        act.Should().Throw<TeamProjectException>().WithMessage("feature transform 'test/mean-fill' from assembly A (sha256:aaaa) is not loaded*components:*");
    }

    [Fact]
    public void Resolve_OtherDigest_RefusedRatherThanScoredWithOtherCode()
    {
        TeamAssemblies.Register(Project("teams/A.csproj", "sha256:bbbb", new MeanFillTransform()));

        var act = () => TeamAssemblies.Resolve("test/mean-fill", "A", "sha256:aaaa");

        act.Should().Throw<TeamProjectException>().WithMessage("*trained with A sha256:aaaa, but the loaded code is A sha256:bbbb (teams/A.csproj)*refused*");
    }

    [Fact]
    public void Register_NewBuildOfTheSameProject_ReplacesTheOld()
    {
        TeamAssemblies.Register(Project("teams/A.csproj", "sha256:aaaa", new MeanFillTransform()));
        TeamAssemblies.Register(Project("teams/A.csproj", "sha256:bbbb", new MeanFillTransform()));

        TeamAssemblies.Projects.Should().ContainSingle().Which.AssemblyDigest.Should().Be("sha256:bbbb");
    }

    [Fact]
    public void Register_TransformNameOfAnotherProject_RefusedNamingBoth()
    {
        TeamAssemblies.Register(Project("teams/A.csproj", "sha256:aaaa", new MeanFillTransform()));

        var act = () => TeamAssemblies.Register(Project("teams/B.csproj", "sha256:bbbb", new MeanFillTransform()));

        act.Should().Throw<TeamProjectException>().WithMessage("feature transform 'test/mean-fill' is defined twice: in teams/B.csproj (B) and in teams/A.csproj (A, sha256:aaaa)");
    }

    [Theory]
    [InlineData("diabetes/risk-features", true)]
    [InlineData("churn/log1p", true)]
    [InlineData("Diabetes/risk", false)]
    [InlineData("diabetes", false)]
    [InlineData("a/b/c", false)]
    [InlineData("a/-b", false)]
    public void IsValidName_ComponentNames_LowercaseAroundOneSlash(string name, bool valid) =>
        TeamAssemblyLoader.IsValidName(name).Should().Be(valid);
}
