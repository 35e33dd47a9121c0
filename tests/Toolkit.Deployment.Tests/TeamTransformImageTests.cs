using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Components.Team;
using Toolkit.Deployment.Targets;
using Toolkit.Docker;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Features;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Pipelines.Project;

namespace Toolkit.Deployment.Tests;

/// <summary>
/// A model trained with the diabetes team's transform (a copy of pipelines/diabetes/features, built by the toolkit)
/// and the model-service image that must carry that exact build.
/// </summary>
public sealed class TeamModel : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "toolkit-team-image-" + Guid.NewGuid().ToString("N")[..8]);

    public string ModelPath => Path.Combine(Folder, "team.tkm");

    public Model Model { get; private set; } = null!;

    public string ProjectOutput { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var root = RepositoryRoot();
        var features = Path.Combine(Folder, "project", "features");
        Directory.CreateDirectory(features);
        File.Copy(Path.Combine(root, "pipelines", "diabetes", "features", "ClinicalFeatures.cs"), Path.Combine(features, "ClinicalFeatures.cs"));
        await File.WriteAllTextAsync(Path.Combine(features, "Diabetes.Features.csproj"), $"""
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
        await File.WriteAllTextAsync(Path.Combine(Folder, "project", "toolkit.yaml"), "components:\n  - features/Diabetes.Features.csproj\n");
        var project = (await TeamProjects.LoadAsync(ProjectSettings.Discover(Path.Combine(Folder, "project")), TextWriter.Null)).Single();
        ProjectOutput = project.OutputDirectory;

        var model = ModelTrainer.Train(
            SyntheticData.Generate("diabetes", 800, 4),
            new TrainRequest
            {
                Algorithm = "logistic-regression",
                Label = "diabetes",
                Transforms = [new TransformFit(TeamTransformCatalog.Get("diabetes/clinical-features"), new Dictionary<string, string> { ["obesity_classes"] = "false" })],
            },
            new TrainContext { Seed = 1 });
        ModelFile.Save(model, ModelPath);
        Model = ModelFile.Load(ModelPath);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    private static string RepositoryRoot()
    {
        for (var dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Toolkit.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException("Toolkit.sln not found above " + AppContext.BaseDirectory);
    }
}

public sealed class TeamTransformImageTests(TeamModel team) : IClassFixture<TeamModel>
{
    [Fact]
    public void CopyTeamProjects_ModelWithTeamTransform_CopiesExactlyThatBuild()
    {
        var destination = Path.Combine(team.Folder, "context-" + Guid.NewGuid().ToString("N")[..8]);

        ModelServiceImage.CopyTeamProjects(team.ModelPath, destination);

        var copied = Path.Combine(destination, Path.GetFileName(team.ProjectOutput));
        Directory.GetDirectories(destination).Should().Equal(copied);
        File.Exists(Path.Combine(copied, TeamProjects.ManifestFile)).Should().BeTrue();
        var dll = Path.Combine(copied, "Diabetes.Features.dll");
        ("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(dll))))
            .Should().Be(team.Model.Features.Transforms.Single().AssemblyDigest);
    }

    [Fact]
    public void CopyTeamProjects_ModelWithoutTeamTransforms_CopiesNothing()
    {
        var plain = Path.Combine(team.Folder, "plain-" + Guid.NewGuid().ToString("N")[..8] + ".tkm");
        ModelFile.Save(ModelTrainer.Train(SyntheticData.Generate("diabetes", 200, 5), new TrainRequest { Algorithm = "logistic-regression", Label = "diabetes" }, new TrainContext { Seed = 1 }), plain);
        var destination = Path.Combine(team.Folder, "context-" + Guid.NewGuid().ToString("N")[..8]);

        ModelServiceImage.CopyTeamProjects(plain, destination);

        Directory.Exists(destination).Should().BeFalse();
    }

    [DockerFact]
    public async Task ModelServiceImage_ModelWithTeamTransform_ContainerServesTheSamePredictions()
    {
        using var docker = DockerClientOptions.FromEnvironment().CreateClient();
        var name = "tt" + Guid.NewGuid().ToString("N")[..10];
        var work = Path.Combine(team.Folder, "work-" + name);
        Directory.CreateDirectory(work);
        var images = new ModelServiceImage(docker, AppContext.BaseDirectory, "toolkit/base:bookworm", work);
        var target = new DockerTarget(docker, images);
        var spec = new ServiceSpec
        {
            Model = name,
            Version = 1,
            Stage = "dev",
            Digest = team.Model.Digest!,
            Port = DeployProject.FreePort(),
            Instance = name + "-dev",
            ModelFile = team.ModelPath,
        };
        var fresh = SyntheticData.Generate("diabetes", 50, 23);
        var rows = new DataTable(fresh.Columns.Where(c => c.Name != "diabetes"));
        var expected = team.Model.Predict(rows).Scores;
        var running = await target.StartAsync(spec, null, CancellationToken.None);
        try
        {
            using var http = new HttpClient { BaseAddress = running.Url };
            await WaitReadyAsync(http, target, running);
            using var response = await http.PostAsync("invocations", new StringContent(Csv(rows), Encoding.UTF8, "text/csv"));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            response.IsSuccessStatusCode.Should().BeTrue(body.ToString());

            body.GetProperty("probabilities").EnumerateArray().Select(e => e.GetDouble()).Should().Equal(expected);
        }
        finally
        {
            await target.StopAsync(running, CancellationToken.None);
            await docker.Images.RemoveAsync(running.Image!, force: true, keepParents: true);
        }
    }

    /// <summary>Polls readiness (no timed assertion: a container that exits fails with its log).</summary>
    private static async Task WaitReadyAsync(HttpClient http, DockerTarget target, RunningService running)
    {
        for (var attempt = 0; attempt < 240; attempt++)
        {
            try
            {
                using var ready = await http.GetAsync("v2/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (!await target.IsRunningAsync(running, CancellationToken.None))
            {
                throw new InvalidOperationException("the container stopped: " + await target.TailAsync(running, CancellationToken.None));
            }

            await Task.Delay(250);
        }

        throw new InvalidOperationException("the container never became ready: " + await target.TailAsync(running, CancellationToken.None));
    }

    private static string Csv(DataTable rows)
    {
        var csv = new StringBuilder(string.Join(',', rows.Columns.Select(c => c.Name))).Append('\n');
        for (var r = 0; r < rows.RowCount; r++)
        {
            csv.Append(string.Join(',', rows.Columns.Select(c => c.IsMissing(r) ? "" : c is CategoricalColumn k ? k[r] : c.GetDouble(r).ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
        }

        return csv.ToString();
    }
}
