using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;

namespace Toolkit.Serving;

/// <summary>
/// A running model server on Kestrel: the model is loaded once by the caller and scored in place for
/// every request; each request builds one <see cref="DataTable"/> for its whole batch.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    // Regression predictions have no known range; decades either side of zero cover typical targets.
    private static readonly double[] ValueBuckets = [-1e5, -1e4, -1e3, -100, -10, -1, 0, 1, 10, 100, 1e3, 1e4, 1e5, 1e6];

    // Relaxed escaping: answers are JSON for API clients, never embedded in HTML, so quotes in error
    // messages read as quotes rather than \u0027.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication _app;
    private readonly PredictionLog? _log;

    private ModelServer(WebApplication app, Uri url, PredictionLog? log)
    {
        _app = app;
        Url = url;
        _log = log;
    }

    /// <summary>The address the server listens on, with the real port when 0 was asked for.</summary>
    public Uri Url { get; }

    public static async Task<ModelServer> StartAsync(ServedModel served, ServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;

            // The handlers read the body themselves against the same bound, to answer 413 as JSON.
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            Listen(k, options.Host, options.Port);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var app = builder.Build();
        var log = options.PredictionLog is { } logOptions ? new PredictionLog(logOptions, served) : null;
        var metrics = new ServingMetrics(served, ValueBuckets, log);
        var endpoints = new Endpoints(served, options, metrics, log);
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            metrics.Begin();
            try
            {
                await next(context);
            }
            catch (Exception) when (!context.Response.HasStarted)
            {
                // Never a stack trace to a client: the handlers turn bad input into 4xx themselves.
                context.Response.Clear();
                await Endpoints.ErrorAsync(context, StatusCodes.Status500InternalServerError, "internal error while answering the request");
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                metrics.Request(route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        });
        endpoints.Map(app);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await PredictionLog.CloseAsync(log);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ModelServer(app, new Uri(address), log);
    }

    /// <summary>Stops accepting requests, lets the in-flight ones finish, then flushes the prediction log.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _app.StopAsync(cancellationToken);
        }
        finally
        {
            await PredictionLog.CloseAsync(_log);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await PredictionLog.CloseAsync(_log);
    }

    private static void Listen(KestrelServerOptions k, string host, int port)
    {
        if (host == "localhost")
        {
            k.ListenLocalhost(port);
        }
        else if (IPAddress.TryParse(host, out var ip))
        {
            k.Listen(ip, port);
        }
        else
        {
            throw new ArgumentException($"--host '{host}' is not an IP address or 'localhost'");
        }
    }

    private sealed class Endpoints(ServedModel served, ServerOptions options, ServingMetrics metrics, PredictionLog? log)
    {
        private readonly Schema _signature = served.Model.Signature;

        // An ONNX graph fed one [N, F] tensor: its clients may send that tensor instead of the columns.
        private readonly string? _featureTensor = (served.Model as IFeatureTensorModel)?.FeatureTensorName;
        private readonly PredictionPage _page = new(served);

        public void Map(WebApplication app)
        {
            app.MapGet("/", _page.WriteAsync);
            app.MapGet("/v2/health/live", (HttpContext c) => JsonAsync(c, 200, w => w.WriteBoolean("live", true)));
            app.MapGet("/v2/health/ready", (HttpContext c) => JsonAsync(c, 200, w => w.WriteBoolean("ready", true)));
            app.MapGet("/v2", ServerMetadataAsync);
            app.MapPost("/v2/repository/index", RepositoryIndexAsync);
            app.MapGet("/v2/models/{name}", (HttpContext c, string name) => MetadataAsync(c, name));
            app.MapGet("/v2/models/{name}/ready", (HttpContext c, string name) =>
                name == served.Name ? JsonAsync(c, 200, w => w.WriteBoolean("ready", true)) : NotServedAsync(c, name));
            app.MapPost("/v2/models/{name}/infer", (HttpContext c, string name) => InferAsync(c, name));
            app.MapGet("/ping", (HttpContext c) => TextAsync(c, "\n", "text/plain"));
            app.MapGet("/health", (HttpContext c) => TextAsync(c, "\n", "text/plain"));
            app.MapPost("/invocations", InvocationsAsync);
            app.MapGet("/metrics", (HttpContext c) => TextAsync(c, metrics.Write(), "text/plain; version=0.0.4; charset=utf-8"));
            app.MapFallback((HttpContext c) => ErrorAsync(c, 404, $"no such endpoint: {c.Request.Method} {c.Request.Path}"));
        }

        // OIP server metadata; clients (and `mlops loadtest`) learn the served model from the repository index.
        private Task ServerMetadataAsync(HttpContext c) => JsonAsync(c, 200, w =>
        {
            w.WriteString("name", "toolkit");
            w.WriteString("version", ModelTrainer.ToolkitVersion);
            w.WriteStartArray("extensions");
            w.WriteStringValue("model_repository");
            w.WriteEndArray();
        });

        // The model repository extension's index (as Triton and KServe answer it): the one model, always ready.
        private async Task RepositoryIndexAsync(HttpContext c)
        {
            var buffer = new ArrayBufferWriter<byte>(128);
            using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            {
                w.WriteStartArray();
                w.WriteStartObject();
                w.WriteString("name", served.Name);
                if (served.Version is { } v)
                {
                    w.WriteString("version", v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                w.WriteString("state", "READY");
                w.WriteEndObject();
                w.WriteEndArray();
            }

            c.Response.StatusCode = 200;
            c.Response.ContentType = "application/json";
            c.Response.ContentLength = buffer.WrittenCount;
            await c.Response.Body.WriteAsync(buffer.WrittenMemory, c.RequestAborted);
        }

        private Task NotServedAsync(HttpContext c, string name) =>
            ErrorAsync(c, 404, $"model '{name}' is not served here; this server serves '{served.Name}'");

        private Task MetadataAsync(HttpContext c, string name)
        {
            if (name != served.Name)
            {
                return NotServedAsync(c, name);
            }

            return JsonAsync(c, 200, w =>
            {
                w.WriteString("name", served.Name);
                w.WriteStartArray("versions");
                if (served.Version is { } v)
                {
                    w.WriteStringValue(v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                w.WriteEndArray();
                w.WriteString("platform", "toolkit");
                w.WriteStartArray("inputs");
                foreach (var column in _signature.Columns)
                {
                    WriteTensorMetadata(w, column.Name, InferenceRequests.Datatype(column.Type), column.Categories);
                }

                w.WriteEndArray();
                w.WriteStartArray("outputs");
                WriteTensorMetadata(w, "predict", served.Model.Classes is null ? "FP64" : "BYTES");
                if (served.Model.Classes is not null)
                {
                    WriteTensorMetadata(w, "probability", "FP64");
                }

                w.WriteEndArray();
                if (_featureTensor is not null)
                {
                    // 'inputs' stays one tensor per column (what existing clients read); the one-tensor form
                    // a converter's clients send is described beside it, as a metadata tensor plus its columns.
                    w.WriteStartObject("parameters");
                    w.WriteStartObject("feature_tensor");
                    w.WriteString("name", _featureTensor);
                    w.WriteString("datatype", InferenceRequests.Datatype(_signature[0].Type));
                    w.WriteStartArray("shape");
                    w.WriteNumberValue(-1);
                    w.WriteNumberValue(_signature.Count);
                    w.WriteEndArray();
                    w.WriteStartArray("columns");
                    foreach (var column in _signature.Columns)
                    {
                        w.WriteStringValue(column.Name);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
            });
        }

        private static void WriteTensorMetadata(Utf8JsonWriter w, string name, string datatype, IReadOnlyList<string>? categories = null)
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("datatype", datatype);
            w.WriteStartArray("shape");
            w.WriteNumberValue(-1);
            w.WriteEndArray();
            if (categories is { Count: > 0 })
            {
                // OIP lets a tensor carry parameters; the categories tell clients which values the model knows.
                w.WriteStartObject("parameters");
                w.WriteStartArray("categories");
                foreach (var category in categories)
                {
                    w.WriteStringValue(category);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        private async Task InferAsync(HttpContext c, string name)
        {
            if (name != served.Name)
            {
                await NotServedAsync(c, name);
                return;
            }

            try
            {
                using var body = await ReadJsonAsync(c);
                var (table, id) = InferenceRequests.Parse(body.RootElement, _signature, options.MaxRows, _featureTensor);
                var prediction = Score(table, c);
                await JsonAsync(c, 200, w =>
                {
                    w.WriteString("model_name", served.Name);
                    if (served.Version is { } v)
                    {
                        w.WriteString("model_version", v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }

                    if (id is not null)
                    {
                        w.WriteString("id", id);
                    }

                    w.WriteStartArray("outputs");
                    WriteOutput(w, "predict", prediction, asClasses: prediction.Classes is not null);
                    if (prediction.Classes is not null)
                    {
                        WriteOutput(w, "probability", prediction, asClasses: false);
                    }

                    w.WriteEndArray();
                });
            }
            catch (RequestException ex)
            {
                await ErrorAsync(c, ex.Status, ex.Message);
            }
        }

        private static void WriteOutput(Utf8JsonWriter w, string name, Prediction prediction, bool asClasses)
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteStartArray("shape");
            w.WriteNumberValue(prediction.Scores.Length);
            w.WriteEndArray();
            w.WriteString("datatype", asClasses ? "BYTES" : "FP64");
            w.WriteStartArray("data");
            WriteValues(w, prediction, asClasses);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        private static void WriteValues(Utf8JsonWriter w, Prediction prediction, bool asClasses)
        {
            if (asClasses)
            {
                foreach (var label in prediction.Classes!)
                {
                    w.WriteStringValue(label);
                }

                return;
            }

            foreach (var score in prediction.Scores)
            {
                // Utf8JsonWriter writes the shortest text that parses back to the same double.
                if (double.IsFinite(score))
                {
                    w.WriteNumberValue(score);
                }
                else
                {
                    w.WriteNullValue();
                }
            }
        }

        private async Task InvocationsAsync(HttpContext c)
        {
            try
            {
                DataTable table;
                var type = c.Request.ContentType ?? "application/json";
                if (type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
                {
                    using var bytes = await ReadBodyAsync(c);
                    table = ReadCsv(bytes);
                }
                else if (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                {
                    using var body = await ReadJsonAsync(c);
                    table = MlflowRequests.Parse(body.RootElement, _signature, options.MaxRows);
                }
                else
                {
                    throw new RequestException(415, $"Content-Type '{type}' is not taken; send application/json or text/csv");
                }

                var prediction = Score(table, c);
                await JsonAsync(c, 200, w =>
                {
                    w.WriteStartArray("predictions");
                    WriteValues(w, prediction, asClasses: prediction.Classes is not null);
                    w.WriteEndArray();
                    if (prediction.Classes is not null)
                    {
                        w.WriteStartArray("probabilities");
                        WriteValues(w, prediction, asClasses: false);
                        w.WriteEndArray();
                    }
                });
            }
            catch (RequestException ex)
            {
                await ErrorAsync(c, ex.Status, ex.Message);
            }
        }

        private DataTable ReadCsv(MemoryStream bytes)
        {
            try
            {
                var types = _signature.Columns.ToDictionary(col => col.Name, col => col.Type, StringComparer.Ordinal);
                var table = CsvReader.Read(bytes, "request body", new CsvReadOptions { ColumnTypes = types });
                if (table.RowCount > options.MaxRows)
                {
                    throw new RequestException(413, $"the request has {table.RowCount} rows; this server takes at most {options.MaxRows} per request");
                }

                return InputTable.Check(_signature, table);
            }
            catch (DataFormatException ex)
            {
                throw new RequestException(400, ex.Message);
            }
        }

        private Prediction Score(DataTable table, HttpContext c)
        {
            Prediction prediction;
            try
            {
                prediction = served.Model.Predict(table);
            }
            catch (DataFormatException ex)
            {
                // E.g. a category the model's policy refuses: the pipeline names the column.
                throw new RequestException(400, ex.Message);
            }

            metrics.Predictions(prediction);
            if (!c.Request.Headers.ContainsKey(CheckTraffic.Header))
            {
                log?.Append(table, prediction);
            }

            return prediction;
        }

        private async Task<JsonDocument> ReadJsonAsync(HttpContext c)
        {
            using var bytes = await ReadBodyAsync(c);
            try
            {
                return JsonDocument.Parse(bytes.GetBuffer().AsMemory(0, (int)bytes.Length));
            }
            catch (JsonException ex)
            {
                throw new RequestException(400, $"the body is not valid JSON: {ex.Message}");
            }
        }

        private async Task<MemoryStream> ReadBodyAsync(HttpContext c)
        {
            if (c.Request.ContentLength > options.MaxBodyBytes)
            {
                throw TooLarge();
            }

            var buffer = new MemoryStream(c.Request.ContentLength is { } n ? (int)n : 4096);
            try
            {
                await c.Request.Body.CopyToAsync(buffer, c.RequestAborted);
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await buffer.DisposeAsync();
                throw TooLarge();
            }

            if (buffer.Length > options.MaxBodyBytes)
            {
                await buffer.DisposeAsync();
                throw TooLarge();
            }

            buffer.Position = 0;
            return buffer;
        }

        private RequestException TooLarge() =>
            new(413, $"the body is larger than {options.MaxBodyBytes} bytes, the most this server takes per request");

        public static Task ErrorAsync(HttpContext c, int status, string message) =>
            JsonAsync(c, status, w => w.WriteString("error", message));

        private static async Task JsonAsync(HttpContext c, int status, Action<Utf8JsonWriter> write)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            {
                w.WriteStartObject();
                write(w);
                w.WriteEndObject();
            }

            c.Response.StatusCode = status;
            c.Response.ContentType = "application/json";
            c.Response.ContentLength = buffer.WrittenCount;
            await c.Response.Body.WriteAsync(buffer.WrittenMemory, c.RequestAborted);
        }

        private static async Task TextAsync(HttpContext c, string text, string contentType)
        {
            c.Response.StatusCode = 200;
            c.Response.ContentType = contentType;
            await c.Response.WriteAsync(text, c.RequestAborted);
        }
    }
}
