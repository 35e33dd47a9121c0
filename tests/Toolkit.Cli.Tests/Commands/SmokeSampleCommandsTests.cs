using System.Text;
using System.Text.Json;
using Toolkit.Ml.Models;
using Toolkit.Registry.Embedded;
using Toolkit.Serving;
using Toolkit.Serving.Checks;

namespace Toolkit.Cli.Tests.Commands;

/// <summary>
/// The smoke sample through the command line: taken at <c>mlops model register</c> from a real pipeline run's
/// test split (or <c>--smoke-data</c>), stored in the project's embedded registry, shown as <c>smoke_rows</c>.
/// </summary>
public sealed class SmokeSampleCommandsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public SmokeSampleCommandsTests()
    {
        _temp.CopyReferenceProject();
    }

    public void Dispose() => _temp.Dispose();

    private Task<CliResult> Mlops(params string[] args) => CliRunner.RunInAsync(_temp.Path, args);


    private async Task<JsonDocument> JsonAsync(params string[] args)
    {
        var result = await Mlops(args);
        result.ExitCode.Should().Be(0, result.Error);
        return JsonDocument.Parse(result.Output);
    }

    /// <summary>models/prices/model.yaml: the housing policy under another name with <c>serving.smoke_rows</c>.</summary>
    private void WritePricesPolicy(int smokeRows)
    {
        var text = File.ReadAllText(_temp.File("models/housing/model.yaml"))
            .Replace("name: housing", "name: prices", StringComparison.Ordinal)
            .Replace("serving: { port: 8080, max_batch: 1000 }", $"serving: {{ port: 8080, max_batch: 1000, smoke_rows: {smokeRows} }}", StringComparison.Ordinal);
        text.Should().Contain($"smoke_rows: {smokeRows}");
        Directory.CreateDirectory(_temp.File("models/prices"));
        File.WriteAllText(_temp.File("models/prices/model.yaml"), text);
    }

    private async Task<(string Model, string Data)> TrainAsync()
    {
        var data = _temp.File("housing.csv");
        var model = _temp.File("model.tkm");
        (await Mlops("data", "synth", "--generator", "housing", "--rows", "300", "--seed", "5", "--out", data)).ExitCode.Should().Be(0);
        (await Mlops("train", "--data", data, "--label", "price", "--algorithm", "ridge", "--out", model)).ExitCode.Should().Be(0);
        return (model, data);
    }

    private async Task<SmokeSample?> StoredSampleAsync(string model, int version)
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(_temp.File(".toolkit/registry"));
        return await registry.GetSmokeSampleAsync(model, version);
    }

    private static string CsvField(string? value) =>
        value is null ? "" : value.Length == 0 || value is "NA" or "NaN" || value.AsSpan().IndexOfAny(",\"\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    [Theory]
    [InlineData("housing", "rows=1500")]
    [InlineData("diabetes", "rows=3000")]
    public async Task ModelRegister_FromPipelineRun_StoresATestSplitSampleTheRegisteredModelAnswersIdentically(string name, string rows)
    {
        var run = await Mlops("pipeline", "run", $"pipelines/{name}.yaml", "--param", rows, "--json");
        run.ExitCode.Should().Be(0, run.Error);
        var runId = JsonDocument.Parse(run.Output).RootElement.GetProperty("run_id").GetString()!;

        using var registered = await JsonAsync("model", "register", "--model", name, "--run", runId, "--json");

        registered.RootElement.GetProperty("smoke_rows").GetInt32().Should().Be(20, "the reference policies leave serving.smoke_rows at its default");
        using (var show = await JsonAsync("model", "show", name, "--json"))
        {
            show.RootElement.GetProperty("versions")[0].GetProperty("smoke_rows").GetInt32().Should().Be(20);
        }

        using (var card = await JsonAsync("model", "card", name, "--version", "1", "--json"))
        {
            card.RootElement.GetProperty("smoke_rows").GetInt32().Should().Be(20);
        }

        var sample = (await StoredSampleAsync(name, 1))!;
        sample.Rows.Should().HaveCount(20);
        (sample.Probabilities is not null).Should().Be(name == "diabetes", "only the classifier has probabilities");

        // 'mlops predict' with the registered file on the sample's rows writes exactly the stored predictions.
        await using (var registry = await EmbeddedRegistry.OpenAsync(_temp.File(".toolkit/registry")))
        {
            await registry.DownloadModelAsync(name, 1, _temp.File("registered.tkm"));
        }

        var csv = new StringBuilder(string.Join(',', sample.Columns.Select(CsvField))).Append('\n');
        foreach (var row in sample.Rows)
        {
            csv.Append(string.Join(',', row.Select(CsvField))).Append('\n');
        }

        await File.WriteAllTextAsync(_temp.File("sample.csv"), csv.ToString());
        var predict = await Mlops("predict", "--model", "registered.tkm", "--data", "sample.csv", "--out", "predicted.csv");
        predict.ExitCode.Should().Be(0, predict.Error);
        var predicted = (await File.ReadAllLinesAsync(_temp.File("predicted.csv")))[1..].Select(l => l.Split(',')).ToList();
        predicted.Select(p => p[0]).Should().Equal(sample.Predictions);
        if (sample.Probabilities is { } probabilities)
        {
            predicted.Select(p => BitConverter.DoubleToInt64Bits(double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)))
                .Should().Equal(probabilities.Select(BitConverter.DoubleToInt64Bits));
        }

        // The registered file served: the smoke test passes.
        Toolkit.Tests.Shared.TeamCode.UseBuilt(_temp.File(".toolkit"));
        var served = ModelFile.Load(_temp.File("registered.tkm"));
        await using (var server = await ModelServer.StartAsync(new ServedModel { Model = served, Name = name, Version = 1 }, new ServerOptions { Port = 0 }))
        {
            using var http = new HttpClient();
            var result = await SmokeTest.RunAsync(http, server.Url, sample, CancellationToken.None);
            result.Passed.Should().BeTrue(result.Describe());
        }

        // Registering the same run again is the same version with the first sample.
        using (var again = await JsonAsync("model", "register", "--model", name, "--run", runId, "--json"))
        {
            again.RootElement.GetProperty("created").GetBoolean().Should().BeFalse();
            again.RootElement.GetProperty("smoke_rows").GetInt32().Should().Be(20);
        }

        (await StoredSampleAsync(name, 1))!.ToJson().Should().Be(sample.ToJson());
    }

    [Fact]
    public async Task ModelRegister_FileWithSmokeData_TakesThePolicysNumberOfRows()
    {
        WritePricesPolicy(7);
        var (model, data) = await TrainAsync();

        using var registered = await JsonAsync("model", "register", "--model", "prices", "--file", model, "--smoke-data", data, "--json");

        registered.RootElement.GetProperty("smoke_rows").GetInt32().Should().Be(7);
        var sample = (await StoredSampleAsync("prices", 1))!;
        sample.Columns.Should().Equal(ModelFile.Load(model).Signature.Columns.Select(c => c.Name));
        sample.Rows.Should().HaveCount(7);
    }

    [Fact]
    public async Task ModelRegister_FileWithoutSmokeData_StoresNoSample()
    {
        WritePricesPolicy(7);
        var (model, _) = await TrainAsync();

        using var registered = await JsonAsync("model", "register", "--model", "prices", "--file", model, "--json");

        registered.RootElement.GetProperty("smoke_rows").GetInt32().Should().Be(0);
        (await StoredSampleAsync("prices", 1)).Should().BeNull();
    }

    [Fact]
    public async Task ModelRegister_PolicySmokeRowsZero_StoresNoSampleAndSaysSo()
    {
        WritePricesPolicy(0);
        var (model, data) = await TrainAsync();

        var result = await Mlops("model", "register", "--model", "prices", "--file", model, "--smoke-data", data, "--json");

        result.ExitCode.Should().Be(0, result.Error);
        result.Error.Should().Contain("serving.smoke_rows is 0");
        JsonDocument.Parse(result.Output).RootElement.GetProperty("smoke_rows").GetInt32().Should().Be(0);
        (await StoredSampleAsync("prices", 1)).Should().BeNull();
    }

    [Fact]
    public async Task ModelRegister_SmokeDataWithoutAnInputColumn_Exit2NamingTheFileAndColumn()
    {
        WritePricesPolicy(5);
        var (model, data) = await TrainAsync();
        var column = ModelFile.Load(model).Signature.Columns[0].Name;
        var lines = await File.ReadAllLinesAsync(data);
        var drop = Array.IndexOf(lines[0].Split(','), column);
        await File.WriteAllLinesAsync(_temp.File("partial.csv"), lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != drop))));

        var result = await Mlops("model", "register", "--model", "prices", "--file", model, "--smoke-data", "partial.csv");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("partial.csv").And.Contain($"column '{column}'");
        (await Mlops("model", "list", "--json")).Output.Should().NotContain("prices");
    }

    [Fact]
    public async Task ModelRegister_RunWithSmokeData_Exit2()
    {
        var result = await Mlops("model", "register", "--model", "housing", "--run", "any", "--smoke-data", "rows.csv");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("--smoke-data goes with --file");
    }
}
