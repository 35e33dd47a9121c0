using Toolkit.Deployment.Checks;
using Toolkit.Deployment.Targets;
using Toolkit.Gates;

namespace Toolkit.Deployment.Tests;

public sealed class ChecksAndImageTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "toolkit-deploy-image-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void SloMisses_EachObjectiveMissed_NamesItsField()
    {
        var load = new LoadFigures { Requests = 1000, Errors = 20, ErrorRate = 0.02, Rps = 150, P50Ms = 2, P95Ms = 8, P99Ms = 60 };

        var misses = SloCheck.Misses(new ServiceLevelObjective { P99Ms = 50, MinRps = 200, MaxErrorRate = 0.01 }, load);

        misses.Should().HaveCount(3);
        misses[0].Should().Contain("p99 60 ms > p99_ms 50");
        misses[1].Should().Contain("150 requests/s < min_rps 200");
        misses[2].Should().Contain("(20 of 1000) > max_error_rate 0.01");
        SloCheck.Misses(new ServiceLevelObjective { P99Ms = 60, MinRps = 150, MaxErrorRate = 0.02 }, load).Should().BeEmpty("reaching a bound exactly meets it");
        SloCheck.Misses(new ServiceLevelObjective(), load).Should().BeEmpty("an unset objective is not checked");
    }

    [Fact]
    public void ReferenceOf_SameVersionAndServer_SameTagAnotherDigestOrServerAnother()
    {
        var server = Path.Combine(_folder, "server");
        Directory.CreateDirectory(server);
        File.WriteAllText(Path.Combine(server, "mlops.dll"), "one");
        var spec = Spec("sha256:" + new string('1', 64));

        var tag = new ModelServiceImage(null!, server, "toolkit/base:bookworm", _folder).ReferenceOf(spec);

        tag.Should().MatchRegex("^toolkit/model-diabetes:v3-[0-9a-f]{12}$");
        new ModelServiceImage(null!, server, "toolkit/base:bookworm", _folder).ReferenceOf(spec).Should().Be(tag);
        new ModelServiceImage(null!, server, "toolkit/base:bookworm", _folder).ReferenceOf(spec with { Digest = "sha256:" + new string('2', 64) }).Should().NotBe(tag);
        new ModelServiceImage(null!, server, "mcr.microsoft.com/dotnet/aspnet:10.0", _folder).ReferenceOf(spec).Should().NotBe(tag);
        File.WriteAllText(Path.Combine(server, "mlops.dll"), "two");
        new ModelServiceImage(null!, server, "toolkit/base:bookworm", _folder).ReferenceOf(spec).Should().NotBe(tag, "another mlops is another image");
    }

    [Fact]
    public void ReferenceOf_FolderWithoutMlops_IsRefusedSayingHowToPublish()
    {
        Directory.CreateDirectory(_folder);

        var act = () => new ModelServiceImage(null!, _folder, "toolkit/base:bookworm", _folder).ReferenceOf(Spec("sha256:" + new string('1', 64)));

        act.Should().Throw<DeploymentException>().Which.Message.Should().Contain("--target=Publish").And.Contain("--target process");
    }

    [Fact]
    public void Labels_Version_CarryOciAndToolkitFields()
    {
        var labels = new ModelServiceImage(null!, _folder, "toolkit/base:bookworm", _folder).Labels(Spec("sha256:" + new string('1', 64)) with { GitCommit = "abc123" });

        labels["toolkit.model"].Should().Be("diabetes");
        labels["toolkit.version"].Should().Be("3");
        labels["toolkit.digest"].Should().Be("sha256:" + new string('1', 64));
        labels["org.opencontainers.image.revision"].Should().Be("abc123");
        labels["org.opencontainers.image.created"].Should().Be("2026-11-30T08:00:00Z");
        labels["org.opencontainers.image.base.name"].Should().Be("toolkit/base:bookworm");
        ModelServiceImage.Dockerfile("diabetes").Should().Contain("\"--file\", \"/model/diabetes.tkm\", \"--host\", \"0.0.0.0\"");
    }

    [Fact]
    public void Dockerfile_OnnxModel_ServesTheFileUnderItsOwnExtension()
    {
        var dockerfile = ModelServiceImage.Dockerfile("diabetes", ".onnx");

        dockerfile.Should().Contain("\"--file\", \"/model/diabetes.onnx\"");
        dockerfile.Should().NotContain(".tkm");
    }

    private static ServiceSpec Spec(string digest) => new()
    {
        Model = "diabetes",
        Version = 3,
        Stage = "dev",
        Digest = digest,
        Port = 8081,
        Instance = "diabetes-dev",
        RegisteredAt = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero),
    };
}
