using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Toolkit.Cli.Tests;

/// <summary>
/// <c>mlops serve ... --port 0</c> in-process on 127.0.0.1 for the length of one test body: the address is read
/// from serve's first line, the server is stopped (Ctrl+C) after the body, and it must then exit 0.
/// </summary>
internal static partial class ServedCli
{
    public static async Task<T> WithServerAsync<T>(string root, IReadOnlyList<string> serveArguments, Func<HttpClient, Task<T>> body)
    {
        using var cts = new CancellationTokenSource();
        var output = new FirstLineWriter();
        var error = new StringWriter();
        var serve = CliApp.RunAsync(["serve", .. serveArguments, "--port", "0"], output, error, root, cts.Token);
        T result;
        try
        {
            var line = await output.FirstLine.Task.WaitAsync(TimeSpan.FromMinutes(1));
            using var http = new HttpClient { BaseAddress = new Uri(UrlPattern().Match(line).Value) };
            result = await body(http);
        }
        finally
        {
            await cts.CancelAsync();
        }

        (await serve).Should().Be(0, error.ToString());
        return result;
    }

    /// <summary>The <c>probability</c> output of a v2 infer request to <paramref name="model"/> that must succeed.</summary>
    public static async Task<List<double>> V2ProbabilitiesAsync(HttpClient http, string model, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri($"/v2/models/{model}/infer", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        using var body = JsonDocument.Parse(text);
        return [.. body.RootElement.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "probability")
            .GetProperty("data").EnumerateArray().Select(e => e.GetDouble())];
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:[1-9][0-9]*")]
    private static partial Regex UrlPattern();

    /// <summary>Completes <see cref="FirstLine"/> when the command prints its first line (serve prints its address).</summary>
    private sealed class FirstLineWriter : StringWriter
    {
        public TaskCompletionSource<string> FirstLine { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            FirstLine.TrySetResult(value ?? "");
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }
    }
}
