using System.Globalization;
using System.Text;
using System.Text.Json;
using Toolkit.Cli;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;

namespace Toolkit.Serving.Tests;

/// <summary>
/// The whole path with a real team project: a project whose toolkit.yaml lists a copy of the diabetes team's
/// features project (built by mlops), features/fit with its transform, a model trained on it, served over real HTTP
/// and scored by mlops predict; then the team edits the feature code and the old model is refused.
/// </summary>
public sealed class TeamProjectServingTests : IDisposable
{
    private readonly string _project = Path.Combine(Path.GetTempPath(), "toolkit-team-project-tests", Guid.NewGuid().ToString("N"));

    public TeamProjectServingTests()
    {
        var source = Path.Combine(RepositoryRoot(), "pipelines", "diabetes", "features");
        var features = Path.Combine(_project, "features");
        Directory.CreateDirectory(features);
        File.Copy(Path.Combine(source, "ClinicalFeatures.cs"), Path.Combine(features, "ClinicalFeatures.cs"));

        // Outside the repository no Directory.Build.props applies; the SDK is the built dll this test runs with
        // (test projects run in parallel: none may build the SDK project in place).
        var sdk = Path.Combine(AppContext.BaseDirectory, "Toolkit.Sdk.dll");
        File.WriteAllText(Path.Combine(features, "Diabetes.Features.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <AssemblyName>Diabetes.Features</AssemblyName>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="Toolkit.Sdk" HintPath="{sdk}" Private="false" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_project, "toolkit.yaml"), "components:\n  - features/Diabetes.Features.csproj\n");
    }

    public void Dispose() => Directory.Delete(_project, recursive: true);

    private async Task<(int Code, string Output, string Error)> MlopsAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, _project);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task TeamProject_ServedEqualsPredict_ThenEditedFeatureCodeRefusesTheModel()
    {
        (await MlopsAsync("data", "synth", "--generator", "diabetes", "--rows", "600", "--seed", "3", "--out", "train.csv")).Code.Should().Be(0);
        var fit = await MlopsAsync("component", "run", "features/fit", "--input", "train=train.csv", "--param", "label=diabetes",
            "--param", "transforms=diabetes/clinical-features", "--output", "features=features.json");
        fit.Code.Should().Be(0, fit.Error);
        var train = await MlopsAsync("component", "run", "train/logistic-regression", "--input", "train=train.csv", "--input", "features=features.json",
            "--param", "label=diabetes", "--output", "model=model.tkm");
        train.Code.Should().Be(0, train.Error);
        var fresh = SyntheticData.Generate("diabetes", 70, 17);
        var csv = ServerFixture.Csv(new DataTable(fresh.Columns.Where(c => c.Name != "diabetes")));
        await File.WriteAllTextAsync(Path.Combine(_project, "rows.csv"), csv);
        var predict = await MlopsAsync("predict", "--model", "model.tkm", "--data", "rows.csv", "--out", "predictions.csv");
        predict.Code.Should().Be(0, predict.Error);
        var predicted = (await File.ReadAllLinesAsync(Path.Combine(_project, "predictions.csv"))).Skip(1)
            .Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToList();

        using var cts = new CancellationTokenSource();
        var output = new SignalWriter();
        var serveError = new StringWriter();
        var run = CliApp.RunAsync(["serve", "--file", "model.tkm", "--port", "0"], output, serveError, _project, cts.Token);
        var line = await output.FirstLine.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var url = ServeCommandTests.UrlPattern().Match(line);
        url.Success.Should().BeTrue(line + serveError);
        List<double> served;
        using (var http = new HttpClient())
        {
            using var response = await http.PostAsync(new Uri(url.Value + "/invocations"), new StringContent(csv, Encoding.UTF8, "text/csv"));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            response.IsSuccessStatusCode.Should().BeTrue(body.ToString());
            served = [.. body.GetProperty("probabilities").EnumerateArray().Select(e => e.GetDouble())];
        }

        await cts.CancelAsync();
        (await run).Should().Be(0, serveError.ToString());
        served.Should().HaveCount(70).And.Equal(predicted);

        // The team moves a cut-off: the project is rebuilt with another digest, and the model trained on the old code is refused.
        var code = Path.Combine(_project, "features", "ClinicalFeatures.cs");
        await File.WriteAllTextAsync(code, (await File.ReadAllTextAsync(code)).Replace("< 25 => 1,", "< 26 => 1,", StringComparison.Ordinal));
        var refused = await MlopsAsync("predict", "--model", "model.tkm", "--data", "rows.csv", "--out", "again.csv");

        refused.Code.Should().Be(2, refused.Error);
        refused.Error.Should().Contain("model needs transform diabetes/clinical-features v1 from Diabetes.Features (digest sha256:")
            .And.Contain("this process loaded diabetes/clinical-features v1 from Diabetes.Features (digest sha256:");
        File.Exists(Path.Combine(_project, "again.csv")).Should().BeFalse();
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
