using System.Text;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Serving;

namespace Toolkit.Monitoring.Tests;

/// <summary>Live traffic for a model of any flavor: a real model server on 127.0.0.1 with a prediction log of every row.</summary>
internal static class PredictionTraffic
{
    /// <summary>
    /// Serves <paramref name="model"/> with a prediction log of every row at <paramref name="log"/> (rotating every 64 KB),
    /// sends the rows of <paramref name="csv"/> (its model inputs only) to <c>/invocations</c> in requests of 250, and stops
    /// the server (which drains the log). Returns <paramref name="log"/>.
    /// </summary>
    public static async Task<string> ServeAndLogAsync(IScoringModel model, string name, int version, string csv, string log)
    {
        var table = CsvReader.Read(csv);
        var inputs = new DataTable(model.Signature.Columns.Select(c => table[c.Name]));
        var server = await ModelServer.StartAsync(
            new ServedModel { Model = model, Name = name, Version = version },
            new ServerOptions { Port = 0, PredictionLog = new PredictionLogOptions { Path = log, SampleRate = 1, MaxBytes = 64 * 1024, Files = 50, Seed = 1 } });
        try
        {
            using var http = new HttpClient { BaseAddress = server.Url };
            for (var start = 0; start < inputs.RowCount; start += 250)
            {
                var rows = inputs.Take([.. Enumerable.Range(start, Math.Min(250, inputs.RowCount - start))]);
                using var body = new StringContent(Csv(rows), Encoding.UTF8, "text/csv");
                using var response = await http.PostAsync(new Uri("/invocations", UriKind.Relative), body);
                response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }

        return log;
    }

    private static string Csv(DataTable rows)
    {
        using var stream = new MemoryStream();
        CsvWriter.Write(rows, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
