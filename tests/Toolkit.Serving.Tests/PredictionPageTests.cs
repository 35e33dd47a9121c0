using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Serving.Tests;

/// <summary><c>GET /</c> in a real headless Chromium: the form is filled and submitted as a user would, and the page's answer is checked against <see cref="Model.Predict"/>.</summary>
public sealed class PredictionPageTests(ClassifierServer fixture) : IClassFixture<ClassifierServer>
{
    private const string ScriptName = "<script>window.__pwned = 1</script>bmi";
    private const string ImageCategory = "<img src=x onerror=\"window.__pwned = 2\">";
    private const string BoldName = "<b>risk</b> & co";

    [Fact]
    public async Task Page_Html_IsSelfContainedAndHasAFieldPerSignatureColumn()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.Url };
        using var response = await http.GetAsync("/");
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'none'").And.Contain("connect-src 'self'");
        var html = await response.Content.ReadAsStringAsync();
        html.Should().NotContain("src=").And.NotContain("href=").And.NotContain("http");
        foreach (var column in fixture.Model.Signature.Columns)
        {
            html.Should().Contain($"data-column=\"{column.Name}\"");
        }
    }

    [ChromiumFact]
    public async Task Page_FillRowsAndPredict_ShowsModelPredictClassAndProbability()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        await using var browser = await Chromium.StartAsync(ct);
        var page = await browser.NewPageAsync(ct);
        await page.NavigateAsync(fixture.Server.Url, ct);

        (await page.TextAsync("document.getElementById('model').textContent", ct)).Should().Be("demo");
        (await page.TextAsync("document.getElementById('version').textContent", ct)).Should().Be("3");
        (await page.TextAsync("document.getElementById('digest').textContent", ct)).Should().Be(fixture.Model.Digest);
        var selects = (await page.EvaluateAsync("document.querySelectorAll('select[data-column]').length", ct)).GetInt32();
        selects.Should().Be(fixture.Model.Signature.Columns.Count(c => c.Type == ColumnType.Categorical));

        var expected = fixture.Model.Predict(fixture.Rows);
        for (var row = 0; row < 4; row++)
        {
            var (label, probability) = await PredictAsync(page, fixture.Rows, row, ct);
            label.Should().Be(expected.Classes![row], $"row {row}; browser log:\n{browser.Log}");
            double.Parse(probability!, CultureInfo.InvariantCulture).Should().Be(expected.Scores[row], $"row {row}");
        }
    }

    [ChromiumFact]
    public async Task Page_MarkupInColumnNamesAndCategories_RendersAsTextAndStillPredicts()
    {
        var (model, rows) = TrainWithMarkupNames();
        var server = await ModelServer.StartAsync(new ServedModel { Model = model, Name = BoldName }, new ServerOptions { Port = 0 });
        await using (server)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var ct = timeout.Token;
            await using var browser = await Chromium.StartAsync(ct);
            var page = await browser.NewPageAsync(ct);
            await page.NavigateAsync(server.Url, ct);

            (await page.TextAsync("typeof window.__pwned", ct)).Should().Be("undefined");
            (await page.EvaluateAsync("document.scripts.length", ct)).GetInt32().Should().Be(1, "only the page's own script");
            (await page.EvaluateAsync("document.querySelectorAll('img, b').length", ct)).GetInt32().Should().Be(0);
            (await page.TextAsync("document.getElementById('model').textContent", ct)).Should().Be(BoldName);
            var labels = await page.EvaluateAsync("Array.from(document.querySelectorAll('label')).map((l) => l.textContent)", ct);
            labels.EnumerateArray().Select(l => l.GetString()).Should().Contain(ScriptName);
            var options = await page.EvaluateAsync("Array.from(document.querySelectorAll('option')).map((o) => o.value)", ct);
            options.EnumerateArray().Select(o => o.GetString()).Should().Contain(ImageCategory);

            // The names reach /invocations as they are: the page's prediction is the model's.
            var expected = model.Predict(rows);
            var row = Enumerable.Range(0, rows.RowCount).First(r => ((CategoricalColumn)rows["smoking"])[r] == ImageCategory);
            var (label, probability) = await PredictAsync(page, rows, row, ct);
            label.Should().Be(expected.Classes![row], browser.Log);
            double.Parse(probability!, CultureInfo.InvariantCulture).Should().Be(expected.Scores[row]);
            (await page.TextAsync("typeof window.__pwned", ct)).Should().Be("undefined");
        }
    }

    /// <summary>Types one row into the form as text, clicks Predict and waits for the answer.</summary>
    private static async Task<(string? Label, string? Probability)> PredictAsync(Chromium.Page page, DataTable rows, int row, CancellationToken ct)
    {
        var values = rows.Columns.ToDictionary(c => c.Name, c => Text(c, row));
        await page.EvaluateAsync($$"""
            (() => {
              const values = {{JsonSerializer.Serialize(values)}};
              for (const field of document.querySelectorAll('[data-column]')) {
                field.value = values[field.dataset.column];
              }
              document.getElementById('result').dataset.state = 'idle';
              document.getElementById('predict').click();
            })()
            """, ct);
        await page.UntilAsync("['done', 'error'].includes(document.getElementById('result').dataset.state)", ct);
        (await page.TextAsync("document.getElementById('error').textContent", ct)).Should().BeEmpty();
        return (await page.TextAsync("document.getElementById('prediction').textContent", ct),
            await page.TextAsync("document.getElementById('probability').textContent", ct));
    }

    private static string Text(Column column, int row) => column switch
    {
        Float32Column f => float.IsNaN(f[row]) ? "" : f[row].ToString("R", CultureInfo.InvariantCulture),
        CategoricalColumn k => k[row] ?? "",
        _ => column.IsMissing(row) ? "" : column.GetDouble(row).ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The diabetes data with markup in a column name and a category, trained and loaded back from a file.</summary>
    private (Model Model, DataTable Rows) TrainWithMarkupNames()
    {
        var label = SyntheticData.LabelOf("diabetes");
        DataTable Rename(DataTable table) => new(table.Columns.Select(c => c.Name switch
        {
            "bmi" => c.Rename(ScriptName),
            "smoking" => CategoricalColumn.FromValues("smoking", [.. Enumerable.Range(0, c.Length)
                .Select(r => ((CategoricalColumn)c)[r] is "current" ? ImageCategory : ((CategoricalColumn)c)[r])]),
            _ => c,
        }));
        var train = Rename(SyntheticData.Generate("diabetes", 400, 11));
        var trained = ModelTrainer.Train(train, new TrainRequest { Algorithm = "logistic-regression", Label = label }, new TrainContext { Seed = 1 });
        var path = Path.Combine(fixture.Folder, "markup-" + Guid.NewGuid().ToString("N") + ".tkm");
        ModelFile.Save(trained, path);
        var fresh = Rename(SyntheticData.Generate("diabetes", 40, 12));
        return (ModelFile.Load(path), new DataTable(fresh.Columns.Where(c => c.Name != label)));
    }
}
